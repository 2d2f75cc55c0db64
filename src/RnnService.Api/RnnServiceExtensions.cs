using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Datasets;
using RnnService.Api.Health;
using RnnService.Api.Infrastructure;
using RnnService.Api.Inference;
using RnnService.Api.Jobs;
using RnnService.Api.Models;
using RnnService.Api.Training;

namespace RnnService.Api;

public static class RnnServiceExtensions
{
    public const string ConnectionStringName = "RnnService";

    /// <summary>Reads the appsettings.json published next to the assembly as the lowest-priority source, so
    /// the repository's appsettings.json applies whatever the working directory (tests included);
    /// the content root's file, environment variables and the command line still override it.</summary>
    public static WebApplicationBuilder AddRnnConfiguration(this WebApplicationBuilder builder)
    {
        var file = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (File.Exists(file))
        {
            var source = new JsonConfigurationSource { Path = file, Optional = true, ReloadOnChange = false };
            source.ResolveFileProvider();
            builder.Configuration.Sources.Insert(0, source);
        }
        return builder;
    }

    public static IServiceCollection AddRnnServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LimitsOptions>().Bind(configuration.GetSection(LimitsOptions.Section));
        services.AddOptions<WorkerOptions>().Bind(configuration.GetSection(WorkerOptions.Section));
        services.AddOptions<InferenceOptions>().Bind(configuration.GetSection(InferenceOptions.Section));
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section));
        services.AddEngineOptions(configuration);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, limits) =>
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);

        var connectionString = configuration.GetConnectionString(ConnectionStringName) ?? "Data Source=data/rnnservice.db";
        EnsureDatabaseFolder(connectionString);
        services.AddSingleton<SqlitePragmaInterceptor>();
        services.AddDbContextFactory<RnnDbContext>((sp, options) => options
            .UseSqlite(connectionString)
            .AddInterceptors(sp.GetRequiredService<SqlitePragmaInterceptor>()));

        services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddOpenApi(options => OpenApiSetup.Configure(options));
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(InferenceApi.RateLimitPolicy, http =>
            {
                var inference = http.RequestServices.GetRequiredService<IOptions<InferenceOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = Math.Max(1, inference.PermitLimit),
                        Window = TimeSpan.FromSeconds(Math.Max(1, inference.WindowSeconds)),
                        QueueLimit = 0,
                    });
            });
            options.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString();
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"Rate limit of /predict and /generate reached (Inference:PermitLimit). Retry after {retryAfter} s.",
                    },
                });
            };
        });

        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobEvents>();
        services.AddSingleton<RunningJobs>();
        services.AddSingleton<WorkerHealth>();
        services.AddSingleton<DatasetCatalog>();
        services.AddSingleton<ModelCache>();
        services.AddHostedService<TrainingWorker>();
        return services;
    }

    private static void EnsureDatabaseFolder(string connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (string.IsNullOrEmpty(dataSource) || dataSource == ":memory:" || dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return;
        var folder = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
    }

    /// <summary>Applies the committed migrations before the service takes requests.</summary>
    public static WebApplication MigrateDatabase(this WebApplication app)
    {
        using var db = app.Services.GetRequiredService<IDbContextFactory<RnnDbContext>>().CreateDbContext();
        db.Database.Migrate();
        return app;
    }

    public static WebApplication UseRnnPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseRateLimiter();
        return app;
    }

    public static WebApplication MapRnnEndpoints(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "RnnService v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "RnnService";
        });
        // The dashboard: wwwroot/index.html at /, its scripts and styles beside it (no build step).
        // no-cache: a browser revalidates, so an upgraded service never runs yesterday's script.
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapJobs();
        app.MapModels();
        app.MapInference();
        app.MapDatasets();
        app.MapHealth();
        return app;
    }
}
