using System.Text.Json;
using RnnService.Api.Infrastructure;
using RnnService.Engine.Models;
using RnnService.Engine.Training;

namespace RnnService.Api.Sweeps;

/// <summary>
/// The built-in search spaces of a sweep that names none (README "Sweeps" lists them). They search around the fitted
/// defaults: the learning rate on a log scale over a decade and a half either side, the width, and what the task's
/// cross-validation found closest (weight decay and pooling for classifiers; depth, cell and dropout for char models).
/// Larger data gets wider models.
/// </summary>
public static class AutoSweep
{
    /// <summary>Samples (texts, lines or characters/100) from which the widths shift up one step.</summary>
    public const int LargeData = 5000;

    public static Dictionary<string, JsonElement> SpaceFor(TaskKind task, DataShape shape)
    {
        var large = (shape.Continuous ? shape.Samples / 100 : shape.Samples) >= LargeData;
        int[] widths = large ? [64, 128, 256] : [32, 64, 128];
        object space = task == TaskKind.Sentiment
            ? new Dictionary<string, object>
            {
                ["learningRate"] = new { min = 0.001, max = 0.03, log = true },
                ["weightDecay"] = new[] { 0, 0.1, 1 },
                ["hiddenSize"] = widths,
                ["pooling"] = new[] { "max", "mean" },
            }
            : new Dictionary<string, object>
            {
                ["learningRate"] = new { min = 0.001, max = 0.03, log = true },
                ["hiddenSize"] = large ? widths : [64, 128, 256],
                ["layers"] = new[] { 1, 2 },
                ["architecture"] = new[] { "lstm", "gru" },
            };
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(JsonSerializer.Serialize(space, ApiJson.Options), ApiJson.Options)!;
    }
}
