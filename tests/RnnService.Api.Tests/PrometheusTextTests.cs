using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using RnnService.Api.Monitoring;

namespace RnnService.Api.Tests;

/// <summary>The hand-written exposition format, on a meter of the test's own (no service).</summary>
public sealed class PrometheusTextTests
{
    [Theory]
    [InlineData("http.server.request.duration", "s", false, "http_server_request_duration_seconds")]
    [InlineData("rnnservice.epochs.trained", "{epoch}", true, "rnnservice_epochs_trained_total")]
    [InlineData("dotnet.gc.heap.total_allocated", "By", true, "dotnet_gc_heap_total_allocated_bytes_total")]
    [InlineData("rnnservice.queue.depth", "{job}", false, "rnnservice_queue_depth")]
    [InlineData("odd-name..here", "1", false, "odd_name_here")]
    [InlineData("already_seconds", "s", false, "already_seconds")]
    public void NamesFollowTheOpenTelemetryToPrometheusRules(string name, string unit, bool counter, string expected) =>
        Assert.Equal(expected, PrometheusText.MetricName(name, unit, counter));

    [Fact]
    public void CountersGaugesAndHistogramsAreWrittenWithEscapedLabelsAndCumulativeBuckets()
    {
        var meterName = $"test.{Guid.NewGuid():N}";
        using var meter = new Meter(meterName);
        using var reader = new PrometheusScrapeReader();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meterName).AddReader(reader).Build();

        var counter = meter.CreateCounter<long>("test.requests", "{request}", "Requests\nseen");
        counter.Add(2, new KeyValuePair<string, object?>("path", "a\"b\\c\nd"));
        counter.Add(3, new KeyValuePair<string, object?>("path", "/x"));
        meter.CreateObservableGauge("test.temperature", () => -1.5, "Cel");
        var histogram = meter.CreateHistogram("test.latency", "s", "Latency.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 10] });
        foreach (var value in new[] { 0.05, 0.5, 0.7, 5, 50 }) histogram.Record(value);

        var text = reader.Scrape(5000)!;
        Assert.Contains("# HELP test_requests_total Requests\\nseen\n", text);
        var scrape = PrometheusScrape.Parse(text);
        Assert.Equal("counter", scrape.Types["test_requests_total"]);
        Assert.Equal(2, scrape.Value("test_requests_total", ("path", "a\"b\\c\nd")));
        Assert.Equal(3, scrape.Value("test_requests_total", ("path", "/x")));
        Assert.Equal("gauge", scrape.Types["test_temperature_Cel"]);
        Assert.Equal(-1.5, scrape.Value("test_temperature_Cel"));
        Assert.Equal("histogram", scrape.Types["test_latency_seconds"]);
        Assert.Equal([1, 3, 4, 5], scrape.Find("test_latency_seconds_bucket").Select(s => s.Value));
        Assert.Equal(["0.1", "1", "10", "+Inf"], scrape.Find("test_latency_seconds_bucket").Select(s => s.Labels["le"]));
        Assert.Equal(56.25, scrape.Value("test_latency_seconds_sum"), 10);
        Assert.Equal(5, scrape.Value("test_latency_seconds_count"));

        // Totals are cumulative across scrapes.
        counter.Add(1, new KeyValuePair<string, object?>("path", "/x"));
        Assert.Equal(4, PrometheusScrape.Parse(reader.Scrape(5000)!).Value("test_requests_total", ("path", "/x")));
    }
}
