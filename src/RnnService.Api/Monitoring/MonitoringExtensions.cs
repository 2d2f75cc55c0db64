using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using RnnService.Api.Security;

namespace RnnService.Api.Monitoring;

/// <summary>OpenTelemetry metrics: the service's meter, ASP.NET Core and runtime instrumentation; read by
/// GET /metrics (Prometheus text) and, when OTEL_EXPORTER_OTLP_ENDPOINT is set, pushed over OTLP.</summary>
public static class MonitoringExtensions
{
    private const int ScrapeTimeoutMilliseconds = 10_000;

    public static IServiceCollection AddRnnMonitoring(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section));
        services.AddSingleton<JobStatusCounts>();
        services.AddSingleton<RnnMetrics>();
        services.AddSingleton<PrometheusScrapeReader>();
        var scrape = configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>()?.Enabled ?? true;
        // The OTLP exporter reads the standard OTEL_EXPORTER_OTLP_* variables (endpoint, protocol, headers) itself.
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] ?? "rnnservice"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(RnnMetrics.MeterName).AddAspNetCoreInstrumentation().AddRuntimeInstrumentation();
                // The SDK listens to meters by name process-wide; a second host in the process (tests, or
                // several WebApplications) has its own IMeterFactory, and its measurements are not ours.
                ((IDeferredMeterProviderBuilder)metrics).Configure((sp, builder) =>
                {
                    var ours = sp.GetRequiredService<IMeterFactory>();
                    builder.AddView(instrument => instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, ours)
                        ? MetricStreamConfiguration.Drop : null);
                });
                if (scrape) metrics.AddReader(sp => sp.GetRequiredService<PrometheusScrapeReader>());
                if (otlp) metrics.AddOtlpExporter();
            });
        return services;
    }

    /// <summary>GET /metrics, unless Metrics:Enabled is false; like any read it needs the API key when keys are configured,
    /// unless Metrics:RequireApiKey says otherwise (false: open; true: needed even under Auth:PublicReads).
    /// Not in the OpenAPI document: it is for Prometheus, not for API clients.</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled) return app;
        var endpoint = app.MapGet("/metrics", Scrape).ExcludeFromDescription();
        if (options.RequireApiKey == false) endpoint.AllowAnonymous();
        else if (options.RequireApiKey == true) endpoint.RequireApiKey();
        return app;
    }

    private static IResult Scrape(PrometheusScrapeReader reader) =>
        reader.Scrape(ScrapeTimeoutMilliseconds) is { } text
            ? TypedResults.Text(text, PrometheusText.ContentType)
            : TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Metrics unavailable",
                detail: "Collecting the metrics did not finish in time; try the next scrape.");
}
