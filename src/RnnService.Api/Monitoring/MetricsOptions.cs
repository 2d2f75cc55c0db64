namespace RnnService.Api.Monitoring;

/// <summary>The Prometheus endpoint, bound from the "Metrics" section. OTLP push is configured by the standard
/// OTEL_EXPORTER_OTLP_* variables instead.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";
    /// <summary>Serve GET /metrics (Prometheus text format); false answers 404.</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>With API keys configured, /metrics needs one (X-Api-Key or "Authorization: Bearer", Prometheus' authorization
    /// block) unless this is false; true keeps it private even under Auth:PublicReads. Unset follows the other reads.</summary>
    public bool? RequireApiKey { get; set; }
    /// <summary>How long the jobs-by-status counts read from the database are reused.</summary>
    public double JobCountsCacheSeconds { get; set; } = 5;
}
