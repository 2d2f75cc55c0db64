using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Datasets;
using RnnService.Api.Health;
using RnnService.Api.Infrastructure;
using RnnService.Api.Inference;
using RnnService.Api.OpenAi;
using RnnService.Api.Jobs;
using RnnService.Api.Registry;
using RnnService.Api.Security;
using RnnService.Api.Monitoring;
using RnnService.Api.Sweeps;
using RnnService.Api.Training;
using RnnService.Api.Webhooks;

namespace RnnService.Api;

public static class RnnServiceExtensions
{
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
        InferenceLimits.RefuseRetiredSettings(configuration);
        services.AddOptions<InferenceOptions>().Bind(configuration.GetSection(InferenceOptions.Section));
        services.AddApiKeyAuth(configuration);
        services.AddOptions<EventStreamOptions>().Bind(configuration.GetSection(EventStreamOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddEngineOptions(configuration);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, limits) =>
        {
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false; // no product name for scanners to match
        });

        // The provider is read from configuration once, while the services are registered (DatabaseSetup).
        services.AddRnnDatabase(configuration);

        services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddSingleton<IProblemDetailsWriter, OpenAiErrorWriter>();   // before the default writer: /v1 errors in OpenAI's shape
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
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

        services.AddSingleton<WorkerWakeSignal>();
        services.AddSingleton<JobEvents>();
        services.AddSingleton<RunningJobs>();
        services.AddSingleton<WorkerHealth>();
        services.AddSingleton<WorkerWarmUp>();
        services.AddSingleton<WorkerIdentity>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<SweepScheduler>();
        services.AddSingleton<SweepStore>();
        services.AddSingleton<TrainingThreads>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<DatasetCatalog>();
        services.AddSingleton<TrainingEstimates>();
        services.AddSingleton<ModelCache>();
        services.AddInferenceLimits();
        services.AddHostedService<TrainingWorker>();
        services.AddRnnMonitoring(configuration);
        services.AddRnnWebhooks(configuration);
        if (OpenApiSetup.IsGeneratingAtBuildTime) services.RemoveAll<IHostedService>();
        return services;
    }


    /// <summary>The order is the point: headers on every answer; the dashboard's files and the Swagger UI page are
    /// served before authentication (public); the API key is checked after routing (so the endpoint's policy is known)
    /// and before any endpoint reads a body; stream caps and rate limits count only requests that got that far.</summary>
    public static WebApplication UseRnnPipeline(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<DotSegmentMiddleware>();
        // The dashboard: wwwroot/index.html at /, its scripts and styles beside it (no build step).
        // no-cache: a browser revalidates, so an upgraded service never runs yesterday's script.
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "RnnService v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "RnnService";
        });
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<CrossSiteWriteMiddleware>();
        app.UseMiddleware<EventStreamLimitMiddleware>();
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        return app;
    }

    public static WebApplication MapRnnEndpoints(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapTrain();
        app.MapJobs();
        app.MapSweeps();
        app.MapModels();
        app.MapInference();
        app.MapOpenAiCompletions();
        app.MapDatasets();
        app.MapHealth();
        app.MapMetrics();
        app.MapWebhooks();
        return app;
    }
}
