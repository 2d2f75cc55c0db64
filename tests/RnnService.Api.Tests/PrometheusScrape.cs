using System.Globalization;
using System.Text;

namespace RnnService.Api.Tests;

/// <summary>One sample line of the Prometheus text format: name{labels} value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A parsed /metrics answer (text format 0.0.4). Parsing is strict, so a malformed line, a family
/// declared twice or split apart, or a histogram whose buckets are not cumulative fails the test that scraped it.</summary>
public sealed class PrometheusScrape
{
    private readonly List<PrometheusSample> _samples = [];
    private readonly Dictionary<string, string> _types = [];

    public IReadOnlyList<PrometheusSample> Samples => _samples;
    public IReadOnlyDictionary<string, string> Types => _types;

    public static async Task<PrometheusScrape> GetAsync(HttpClient client)
    {
        var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics: {(int)response.StatusCode} {text}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        return Parse(text);
    }

    public static PrometheusScrape Parse(string text)
    {
        var scrape = new PrometheusScrape();
        var finished = new HashSet<string>(); // families whose lines have ended
        string? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                Assert.True(parts.Length == 2 && IsMetricName(parts[0]), $"Bad TYPE line: {line}");
                Assert.Contains(parts[1], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.True(scrape._types.TryAdd(parts[0], parts[1]), $"Second TYPE line for {parts[0]}");
                if (current is not null) finished.Add(current);
                current = parts[0];
                continue;
            }
            if (line.StartsWith('#')) continue; // HELP and comments
            var sample = ParseSample(line);
            var family = scrape.FamilyOf(sample.Name);
            Assert.True(family == current || !finished.Contains(family), $"Samples of {family} are not grouped together: {line}");
            scrape._samples.Add(sample);
        }
        scrape.CheckHistograms();
        return scrape;
    }

    /// <summary>The value of the one sample with this name whose labels include <paramref name="labels"/>; 0 when there is none
    /// (a counter that never moved has no series yet).</summary>
    public double Value(string name, params (string Key, string Value)[] labels)
    {
        var matches = Find(name, labels).ToList();
        Assert.True(matches.Count <= 1, $"{matches.Count} series of {name} match {string.Join(',', labels)}");
        return matches.Count == 0 ? 0 : matches[0].Value;
    }

    public IEnumerable<PrometheusSample> Find(string name, params (string Key, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    private string FamilyOf(string sampleName)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal))
            {
                var family = sampleName[..^suffix.Length];
                if (_types.GetValueOrDefault(family) == "histogram") return family;
            }
        }
        return sampleName;
    }

    /// <summary>Each histogram series: buckets ascending in le, counts never falling, +Inf last and equal to _count.</summary>
    private void CheckHistograms()
    {
        foreach (var (family, _) in _types.Where(t => t.Value == "histogram"))
        {
            var series = _samples.Where(s => s.Name == family + "_bucket")
                .GroupBy(s => string.Join(',', s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}")));
            foreach (var buckets in series)
            {
                var list = buckets.ToList();
                Assert.Equal("+Inf", list[^1].Labels["le"]);
                for (var i = 1; i < list.Count; i++)
                {
                    Assert.True(ParseNumber(list[i].Labels["le"]) > ParseNumber(list[i - 1].Labels["le"]), $"{family}: le not ascending");
                    Assert.True(list[i].Value >= list[i - 1].Value, $"{family}{{{buckets.Key}}}: bucket counts fall at le={list[i].Labels["le"]}");
                }
                var count = _samples.Single(s => s.Name == family + "_count" && SameSeries(s, list[0]));
                Assert.Equal(count.Value, list[^1].Value);
                Assert.Single(_samples, s => s.Name == family + "_sum" && SameSeries(s, list[0]));
            }
        }
    }

    private static bool SameSeries(PrometheusSample sample, PrometheusSample bucket) =>
        sample.Labels.Count == bucket.Labels.Count - 1 && sample.Labels.All(l => bucket.Labels.TryGetValue(l.Key, out var v) && v == l.Value);

    private static PrometheusSample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
        var name = line[..i];
        Assert.True(IsMetricName(name), $"Bad metric name in: {line}");
        var labels = new Dictionary<string, string>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var key = line[i..eq];
                Assert.True(IsLabelName(key), $"Bad label name '{key}' in: {line}");
                Assert.True(line[eq + 1] == '"', $"Unquoted label value in: {line}");
                var value = new StringBuilder();
                for (i = eq + 2; line[i] != '"'; i++)
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch
                        {
                            'n' => '\n',
                            '\\' => '\\',
                            '"' => '"',
                            _ => throw new FormatException($"Bad escape \\{line[i]} in: {line}"),
                        });
                    }
                    else value.Append(line[i]);
                }
                Assert.True(labels.TryAdd(key, value.ToString()), $"Label {key} twice in: {line}");
                i++;
                if (line[i] == ',') i++;
            }
            i++;
        }
        Assert.True(i < line.Length && line[i] == ' ', $"No value in: {line}");
        var fields = line[(i + 1)..].Split(' ');
        Assert.True(fields.Length is 1 or 2, $"Bad value in: {line}");
        return new PrometheusSample(name, labels, ParseNumber(fields[0]));
    }

    private static double ParseNumber(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static bool IsMetricName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    private static bool IsLabelName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
