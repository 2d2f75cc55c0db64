using System.Text.Json;
using RnnService.Api.Infrastructure;
using RnnService.Engine.Models;

namespace RnnService.Api.Sweeps;

/// <summary>One trial of a sweep: its index (which fixes its point of the space), its job, and its objective at each rung
/// it reached, recorded once by the scheduler.</summary>
public sealed class SweepTrial
{
    public Guid SweepId { get; set; }
    public int Index { get; set; }
    public Guid JobId { get; set; }
    public Architecture Architecture { get; set; }
    /// <summary>The searched settings of this trial (name to value), as JSON.</summary>
    public required string PointJson { get; set; }
    /// <summary>The objective at rungs 0, 1, ... as a JSON array of numbers (null: NaN).</summary>
    public string RungMetricsJson { get; set; } = "[]";
    public DateTime CreatedAt { get; set; }

    public List<double> GetRungMetrics() =>
        JsonSerializer.Deserialize<List<double?>>(RungMetricsJson, ApiJson.Options)!.Select(m => m ?? double.NaN).ToList();

    public void SetRungMetrics(IEnumerable<double> metrics) =>
        RungMetricsJson = JsonSerializer.Serialize(metrics.Select(m => double.IsFinite(m) ? m : (double?)null), ApiJson.Options);

    public Dictionary<string, JsonElement> GetPoint() => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(PointJson, ApiJson.Options)!;
}
