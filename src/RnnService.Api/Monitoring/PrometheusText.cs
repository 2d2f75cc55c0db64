using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace RnnService.Api.Monitoring;

/// <summary>Writes OpenTelemetry metrics in the Prometheus text exposition format (version 0.0.4), named as
/// OpenTelemetry's Prometheus compatibility spec says: dots become underscores, the unit is a suffix
/// ("s" gives _seconds; annotations such as "{job}" give none), and monotonic sums end in _total.</summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>One family per Prometheus name: its HELP and TYPE once, then every sample, as the format requires.</summary>
    public static string Write(IEnumerable<Metric> metrics)
    {
        var families = new Dictionary<string, (string Help, string Type, StringBuilder Samples)>();
        var order = new List<string>();
        foreach (var metric in metrics)
        {
            var type = metric.MetricType switch
            {
                MetricType.LongSum or MetricType.DoubleSum => "counter",
                MetricType.LongGauge or MetricType.DoubleGauge or MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic => "gauge",
                MetricType.Histogram => "histogram",
                _ => null, // exponential histograms have no text-format equivalent; none are configured
            };
            if (type is null) continue;
            var name = MetricName(metric.Name, metric.Unit, type == "counter");
            if (!families.TryGetValue(name, out var family))
            {
                family = (metric.Description ?? "", type, new StringBuilder());
                families[name] = family;
                order.Add(name);
            }
            else if (family.Type != type)
            {
                continue; // two instruments mapping to one name with different types: Prometheus would reject the scrape
            }
            foreach (ref readonly var point in metric.GetMetricPoints())
                WritePoint(family.Samples, name, metric.MetricType, point);
        }

        var text = new StringBuilder();
        foreach (var name in order)
        {
            var (help, type, samples) = families[name];
            if (help.Length > 0) text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            text.Append(samples);
        }
        return text.ToString();
    }

    private static void WritePoint(StringBuilder samples, string name, MetricType type, in MetricPoint point)
    {
        var labels = Labels(point.Tags);
        switch (type)
        {
            case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                Sample(samples, name, labels, null, point.GetSumLong());
                break;
            case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                Sample(samples, name, labels, null, point.GetSumDouble());
                break;
            case MetricType.LongGauge:
                Sample(samples, name, labels, null, point.GetGaugeLastValueLong());
                break;
            case MetricType.DoubleGauge:
                Sample(samples, name, labels, null, point.GetGaugeLastValueDouble());
                break;
            case MetricType.Histogram:
                // OpenTelemetry counts per bucket; Prometheus buckets are cumulative ("le" = at most this).
                long cumulative = 0;
                foreach (var bucket in point.GetHistogramBuckets())
                {
                    cumulative += bucket.BucketCount;
                    Sample(samples, name + "_bucket", labels, Number(bucket.ExplicitBound), cumulative);
                }
                Sample(samples, name + "_sum", labels, null, point.GetHistogramSum());
                Sample(samples, name + "_count", labels, null, point.GetHistogramCount());
                break;
        }
    }

    private static void Sample(StringBuilder samples, string name, string labels, string? le, double value)
    {
        samples.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            samples.Append('{').Append(labels);
            if (le is not null) samples.Append(labels.Length > 0 ? "," : "").Append("le=\"").Append(le).Append('"');
            samples.Append('}');
        }
        samples.Append(' ').Append(Number(value)).Append('\n');
    }

    private static string Labels(ReadOnlyTagCollection tags)
    {
        var labels = new StringBuilder();
        foreach (var tag in tags)
        {
            if (labels.Length > 0) labels.Append(',');
            labels.Append(Sanitize(tag.Key, allowColon: false)).Append("=\"")
                .Append(EscapeLabelValue(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")).Append('"');
        }
        return labels.ToString();
    }

    /// <summary>"rnnservice.epoch.duration" in "s" gives rnnservice_epoch_duration_seconds; a counter gets _total.</summary>
    public static string MetricName(string name, string? unit, bool isCounter)
    {
        var result = Sanitize(name, allowColon: true);
        var suffix = UnitSuffix(unit);
        if (suffix.Length > 0 && !result.EndsWith("_" + suffix, StringComparison.Ordinal)) result += "_" + suffix;
        if (isCounter && !result.EndsWith("_total", StringComparison.Ordinal)) result += "_total";
        return result;
    }

    private static string UnitSuffix(string? unit)
    {
        if (string.IsNullOrEmpty(unit)) return "";
        // Annotations in braces carry no unit ("{job}", "{request}").
        var plain = System.Text.RegularExpressions.Regex.Replace(unit, @"\{[^}]*\}", "").Trim();
        return plain switch
        {
            "" or "1" => "",
            "s" => "seconds",
            "ms" => "milliseconds",
            "us" => "microseconds",
            "ns" => "nanoseconds",
            "By" => "bytes",
            "KiBy" => "kibibytes",
            "MiBy" => "mebibytes",
            "%" => "percent",
            _ => Sanitize(plain.Replace("/", "_per_"), allowColon: false).Trim('_'),
        };
    }

    /// <summary>Metric names are [a-zA-Z_:][a-zA-Z0-9_:]*, label names the same without ':'; runs of other characters become one '_'.</summary>
    private static string Sanitize(string name, bool allowColon)
    {
        var result = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' || (allowColon && c == ':');
            if (ok) result.Append(c);
            else if (result.Length == 0 || result[^1] != '_') result.Append('_');
        }
        if (result.Length == 0 || char.IsAsciiDigit(result[0])) result.Insert(0, '_');
        return result.ToString();
    }

    private static string EscapeHelp(string help) => help.Replace("\\", @"\\").Replace("\n", @"\n");

    private static string EscapeLabelValue(string value) => value.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n");

    /// <summary>Go's float syntax, which Prometheus parses: +Inf, -Inf, NaN, or the shortest round-trip decimal.</summary>
    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);
}
