using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using RnnService.Api.Inference;
using RnnService.Api.Monitoring;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;

namespace RnnService.Api.OpenAi;

/// <summary>One admitted completion request: its runs (one per prompt, n samples each, all in one batch) and their answer,
/// whole or as OpenAI's stream of chunks.</summary>
public sealed class Completion(CharLanguageModel model, string modelReference, CompletionOptions options)
{
    private readonly string _id = "cmpl-" + Guid.NewGuid().ToString("N");
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public async Task<CompletionResponse> RunAsync(InferenceRunner runner, CancellationToken ct)
    {
        var generating = options.MaxTokens > 0 ? runner.RunAsync(model, Jobs(onChunk: null), ct) : null;
        var echoed = await PromptLogprobsAsync(runner, ct);
        var runs = generating is null ? null : await generating;
        var choices = new List<CompletionChoice>();
        int completed = 0;
        for (int p = 0; p < options.Prompts.Count; p++)
        {
            var prompt = options.Prompts[p];
            for (int i = 0; i < options.N; i++)
            {
                var text = runs is null ? "" : runs[p].Samples[i][prompt.Length..];
                completed += text.Length;
                var logprobs = options.Logprobs is { } top ? ToLogprobs([.. echoed[p], .. runs?[p].Logprobs![i] ?? []], top) : null;
                choices.Add(new CompletionChoice(options.Echo ? prompt + text : text, p * options.N + i, logprobs,
                    runs is null ? "length" : Finish(runs[p].Finish[i]!.Value)));
            }
        }
        return new CompletionResponse(_id, "text_completion", _created, modelReference, choices, Usage(completed));
    }

    /// <summary>data: chunks as the choices grow (each choice's last one carries its finish_reason), the usage when asked for,
    /// then data: [DONE]. The slot is held until the engine has stopped; leaving stops it within a step.</summary>
    public async IAsyncEnumerable<SseItem<string>> StreamAsync(Admission<CharLanguageModel> admission, InferenceRunner runner,
        RnnMetrics metrics, [EnumeratorCancellation] CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var chunks = Channel.CreateUnbounded<(int Prompt, SampleChunk Chunk)>();
        var running = options.MaxTokens > 0
            ? runner.RunAsync(model, Jobs((p, chunk) => chunks.Writer.TryWrite((p, chunk))), ct)
            : Task.FromResult<IReadOnlyList<GenerationRun>>([]);
        _ = running.ContinueWith(_ => chunks.Writer.TryComplete(), TaskScheduler.Default);
        try
        {
            var echoed = await PromptLogprobsAsync(runner, ct);
            for (int p = 0; p < options.Prompts.Count && (options.Echo || options.MaxTokens == 0); p++)
            {
                var prompt = options.Prompts[p];
                var logprobs = options.Logprobs is { } top ? ToLogprobs(echoed[p], top) : null;
                for (int i = 0; i < options.N; i++)
                    yield return Chunk(new CompletionChoice(options.Echo ? prompt : "", p * options.N + i, logprobs,
                        options.MaxTokens == 0 ? "length" : null));
            }
            int completed = 0;
            while (await chunks.Reader.WaitToReadAsync(ct))
                while (chunks.Reader.TryRead(out var item))
                {
                    var (p, chunk) = item;
                    completed += chunk.Text.Length;
                    yield return Chunk(new CompletionChoice(chunk.Text, p * options.N + chunk.Sample,
                        options.Logprobs is { } top ? ToLogprobs(chunk.Logprobs!, top) : null, chunk.Finish is { } f ? Finish(f) : null));
                }
            await running;
            // Counted as a plain answer is, before the last chunk: a client that has read the whole answer finds it counted.
            metrics.Generated("completions", completed, Stopwatch.GetElapsedTime(started));
            if (options.IncludeUsage)
                yield return new SseItem<string>(Serialize(new CompletionResponse(_id, "text_completion", _created, modelReference, [], Usage(completed))));
            yield return new SseItem<string>("[DONE]");
        }
        finally
        {
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
            admission.Dispose();
        }
    }

    private List<GenerationJob> Jobs(Action<int, SampleChunk>? onChunk) =>
        options.Prompts.Select((prompt, p) => new GenerationJob(options.For(prompt), options.Logprobs is { } top ? Math.Max(1, top) : 0,
            onChunk is null ? null : chunk => onChunk(p, chunk))).ToList();

    /// <summary>Each prompt's own characters as the model scores them when echo asks for logprobs (else none), all prompts read
    /// as one batch beside the model's other reads; the first character has no logprob when nothing precedes it (a continuous
    /// model's first character), and a line model's end marker is left out (the prompt need not end its line).</summary>
    private async Task<IReadOnlyList<List<ScoredCharacter>>> PromptLogprobsAsync(InferenceRunner runner, CancellationToken ct)
    {
        if (!options.Echo || options.Logprobs is null) return options.Prompts.Select(_ => new List<ScoredCharacter>()).ToList();
        // A prompt with characters the model cannot read (it may still start a completion) lists them unscored.
        var readable = options.Prompts.Where(p => model.TextError(p) is null).Distinct().ToList();
        var scores = readable.Count > 0 ? await runner.ReadAsync(model, ScoreApi.Scores, readable, ct) : [];
        var byPrompt = readable.Zip(scores).ToDictionary(r => r.First, r => r.Second.ToDictionary(s => s.Index));
        return options.Prompts.Select(prompt => Enumerable.Range(0, prompt.Length)
            .Select(i => byPrompt.GetValueOrDefault(prompt)?.GetValueOrDefault(i) ?? new ScoredCharacter(i, prompt[i].ToString(), null, []))
            .ToList()).ToList();
    }

    private static CompletionLogprobs ToLogprobs(IReadOnlyList<ScoredCharacter> characters, int top) => new(
        characters.Select(c => c.Character).ToList(),
        characters.Select(c => Ln(c.Probability)).ToList(),
        characters.Select(c => top == 0 ? null : (IReadOnlyDictionary<string, double>)c.Alternatives.Take(top)
            .Where(a => Ln(a.Probability) is not null).ToDictionary(a => a.Character, a => Ln(a.Probability)!.Value)).ToList(),
        characters.Select(c => c.Index).ToList());

    // JSON has no -Infinity: a probability of 0 (or none) has no logprob.
    private static double? Ln(float? probability) => probability is { } p && p > 0 ? Math.Log(p) : null;

    /// <summary>OpenAI's reasons: stop when a stop string or the model itself ended the text, length at max_tokens.</summary>
    private static string Finish(FinishReason reason) => reason == FinishReason.Length ? "length" : "stop";

    private CompletionUsage Usage(int completed)
    {
        int prompted = options.Prompts.Sum(p => p.Length);
        return new CompletionUsage(prompted, completed, prompted + completed);
    }

    private SseItem<string> Chunk(CompletionChoice choice) =>
        new(Serialize(new CompletionResponse(_id, "text_completion", _created, modelReference, [choice], Usage: null)));

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, OpenAiJson.Options);
}
