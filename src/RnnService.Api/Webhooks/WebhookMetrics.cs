using System.Diagnostics.Metrics;
using RnnService.Api.Monitoring;

namespace RnnService.Api.Webhooks;

/// <summary>Webhook instruments on the service's meter (so /metrics and OTLP export them with the others).</summary>
public sealed class WebhookMetrics
{
    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _latency;

    public WebhookMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(RnnMetrics.MeterName);
        _attempts = meter.CreateCounter<long>("rnnservice.webhook.deliveries", "{attempt}",
            "Webhook delivery attempts, by event and outcome: succeeded, retrying (failed, another attempt scheduled) or failed (given up).");
        _latency = meter.CreateHistogram("rnnservice.webhook.delivery.duration", "s", "Time from sending a webhook request to its answer (or error), by event.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
    }

    public void Attempted(string eventType, string outcome, double milliseconds)
    {
        var type = new KeyValuePair<string, object?>("event", eventType);
        _attempts.Add(1, type, new KeyValuePair<string, object?>("outcome", outcome));
        _latency.Record(milliseconds / 1000, type);
    }
}
