using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace RnnService.Api.Monitoring;

/// <summary>A pull reader for GET /metrics: each scrape collects once (cumulative totals) and formats the batch
/// as Prometheus text. Built on the stable SDK's reader API rather than the prerelease Prometheus exporter.</summary>
public sealed class PrometheusScrapeReader : BaseExportingMetricReader
{
    private readonly TextExporter _exporter;
    private readonly Lock _scrape = new();

    public PrometheusScrapeReader() : this(new TextExporter()) { }

    private PrometheusScrapeReader(TextExporter exporter) : base(exporter)
    {
        _exporter = exporter;
        TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
    }

    /// <summary>The exposition text, or null when the collection did not finish within <paramref name="timeoutMilliseconds"/>.</summary>
    public string? Scrape(int timeoutMilliseconds)
    {
        // One collection at a time: the exporter hands the text of the collection that just ran to its caller.
        lock (_scrape)
        {
            _exporter.Text = null;
            return Collect(timeoutMilliseconds) ? _exporter.Text : null;
        }
    }

    private sealed class TextExporter : BaseExporter<Metric>
    {
        public string? Text { get; set; }

        // Metric points are only valid during Export, so the text is written here.
        public override ExportResult Export(in Batch<Metric> batch)
        {
            var metrics = new List<Metric>();
            foreach (var metric in batch) metrics.Add(metric);
            Text = PrometheusText.Write(metrics);
            return ExportResult.Success;
        }
    }
}
