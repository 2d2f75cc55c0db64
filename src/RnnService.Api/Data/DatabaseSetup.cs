using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace RnnService.Api.Data;

/// <summary>Registers the configured provider's context behind <see cref="IDbContextFactory{RnnDbContext}"/>
/// (and a scoped <see cref="RnnDbContext"/> for endpoints), and applies its migrations at start-up.</summary>
public static class DatabaseSetup
{
    public const string ConnectionStringName = "RnnService";
    private const string DefaultSqlite = "Data Source=data/rnnservice.db";

    public static DatabaseProvider Provider(IConfiguration configuration) =>
        configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;

    public static IServiceCollection AddRnnDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = Provider(configuration);
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (provider == DatabaseProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(connectionString) || connectionString.Contains("Data Source=", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException("Database:Provider is Postgres: set ConnectionStrings:RnnService to a PostgreSQL " +
                    "connection string (Host=...;Database=...;Username=...;Password=...).");
            services.AddDbContextFactory<PostgresRnnDbContext>(options => options.UseNpgsql(connectionString));
            services.AddSingleton<IDbContextFactory<RnnDbContext>, RnnDbContextFactory<PostgresRnnDbContext>>();
        }
        else
        {
            connectionString ??= DefaultSqlite;
            EnsureSqliteFolder(connectionString);
            services.AddSingleton<SqlitePragmaInterceptor>();
            services.AddDbContextFactory<SqliteRnnDbContext>((sp, options) => options
                .UseSqlite(connectionString)
                .AddInterceptors(sp.GetRequiredService<SqlitePragmaInterceptor>()));
            services.AddSingleton<IDbContextFactory<RnnDbContext>, RnnDbContextFactory<SqliteRnnDbContext>>();
        }
        services.AddScoped<RnnDbContext>(sp => sp.GetRequiredService<IDbContextFactory<RnnDbContext>>().CreateDbContext());
        return services;
    }

    private static void EnsureSqliteFolder(string connectionString)
    {
        if (Infrastructure.OpenApiSetup.IsGeneratingAtBuildTime) return;
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (string.IsNullOrEmpty(dataSource) || dataSource == ":memory:" || dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return;
        var folder = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
    }

    /// <summary>Applies the provider's committed migrations before the service takes requests. EF Core takes a
    /// database-wide lock while it migrates, so replicas that start together apply each migration once.</summary>
    public static WebApplication MigrateDatabase(this WebApplication app)
    {
        if (Infrastructure.OpenApiSetup.IsGeneratingAtBuildTime) return app;
        using var db = app.Services.GetRequiredService<IDbContextFactory<RnnDbContext>>().CreateDbContext();
        db.Database.Migrate();
        return app;
    }
}
