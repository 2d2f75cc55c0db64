using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using RnnService.Api.Infrastructure;
using RnnService.Api.Monitoring;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

namespace RnnService.Api.Inference;

/// <summary>"text" event: characters a sample wrote since its last event (the prefix comes first, the prompt never).</summary>
public sealed record SampleTextEvent(int Sample, string Text);

/// <summary>"end" event: a sample is complete; finish says why (length: maxLength reached, stop: a stop string, cut off,
/// endofline: a line model ended its line).</summary>
public sealed record SampleEndEvent(int Sample, FinishReason Finish);

/// <summary>The last event, "usage": what /generate answers without stream (but the samples), and the characters generated
/// after the prompt (prefixes included) and the time taken.</summary>
public sealed record GenerateUsageEvent(Guid ModelId, int Seed, int MaxLength, IReadOnlyList<string> UnknownCharacters,
    int PromptCharacters, int GeneratedCharacters, double Milliseconds);

/// <summary>POST /generate with "stream": true, as server-sent events.</summary>
public static class GenerateStream
{
    /// <summary>Runs the admitted request and yields its events; the slot is held until the samples end or the client leaves
    /// (its token then stops the generation within a step). A stream that ends is counted in the inference metrics as a plain
    /// answer is (<see cref="InferenceMetricsFilter"/> sees only its start). Whatever the engine wrote between two writes to the client goes
    /// out as one event per sample.</summary>
    public static async IAsyncEnumerable<SseItem<string>> EventsAsync(Admission<CharLanguageModel> admission, Guid modelId,
        GenerationOptions generation, InferenceRunner runner, RnnMetrics metrics, [EnumeratorCancellation] CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var chunks = Channel.CreateUnbounded<SampleChunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var running = runner.RunAsync(admission.Model!, [new GenerationJob(generation, OnChunk: chunk => chunks.Writer.TryWrite(chunk))], ct);
        _ = running.ContinueWith(_ => chunks.Writer.TryComplete(), TaskScheduler.Default);
        try
        {
            var drained = new List<SampleChunk>();
            while (await chunks.Reader.WaitToReadAsync(ct))
            {
                drained.Clear();
                while (chunks.Reader.TryRead(out var chunk)) drained.Add(chunk);
                foreach (var sample in drained.GroupBy(c => c.Sample))
                {
                    var text = string.Concat(sample.Select(c => c.Text));
                    if (text.Length > 0) yield return Event("text", new SampleTextEvent(sample.Key, text));
                    if (sample.Last().Finish is { } finish) yield return Event("end", new SampleEndEvent(sample.Key, finish));
                }
            }
            var run = (await running)[0];
            var (generated, elapsed) = (run.Samples.Sum(s => s.Length - generation.Prompt.Length), Stopwatch.GetElapsedTime(started));
            // Recorded before the last event, so a client that has read the whole answer finds it counted.
            metrics.Generated("generate", generated, elapsed);
            yield return Event("usage", new GenerateUsageEvent(modelId, generation.Seed, generation.MaxLength,
                admission.Model!.UnknownCharacters(generation.Prompt + generation.Prefix), generation.Prompt.Length,
                generated, elapsed.TotalMilliseconds));
        }
        finally
        {
            // The slot is the work's: it frees once the engine has stopped, not when the client left.
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
            admission.Dispose();
        }
    }

    private static SseItem<string> Event<T>(string type, T data) => new(JsonSerializer.Serialize(data, ApiJson.Options), type);
}
