using System.Text;
using RnnService.Engine.Core;
using RnnService.Engine.Models;

namespace RnnService.Engine.Sampling;

/// <summary>Why a sample ended: it reached MaxLength, wrote one of the Stop strings (cut off), or (line models) chose its end marker.</summary>
public enum FinishReason { Length, Stop, EndOfLine }

/// <summary>What one sample wrote since its last chunk: Text (the prefix arrives in the first chunk, the prompt never), one
/// Logprobs entry per generated character of Text when the run asked for them, and Finish on the sample's last chunk.</summary>
public sealed record SampleChunk(int Sample, string Text, IReadOnlyList<ScoredCharacter>? Logprobs, FinishReason? Finish);

/// <summary>
/// One request's samples in flight, stepped by a <see cref="GenerationBatch"/> alone or beside other requests' runs. The run
/// owns its random stream, so its text does not depend on what else shares the batch; each step every sample draws once
/// (finished samples too, so a sample's draws do not depend on when its siblings end). Text reaches the chunk handler as it
/// is written, holding back only characters that may still turn out to begin a stop string.
/// </summary>
public sealed class GenerationRun
{
    private readonly StringBuilder[] _outputs;
    private readonly FinishReason?[] _finish;
    private readonly int[] _emitted;
    private readonly List<ScoredCharacter>[]? _logprobs;
    private readonly Action<SampleChunk>? _onChunk;

    internal GenerationRun(GenerationOptions options, int count, Rng rng, int logprobs, Action<SampleChunk>? onChunk,
        CancellationToken cancellationToken)
    {
        Options = options;
        Count = count;
        Rng = rng;
        LogprobCount = logprobs;
        CancellationToken = cancellationToken;
        _onChunk = onChunk;
        _outputs = new StringBuilder[count];
        _finish = new FinishReason?[count];
        _emitted = new int[count];
        for (int i = 0; i < count; i++)
        {
            _outputs[i] = new StringBuilder(options.Prompt + options.Prefix);
            _emitted[i] = options.Prompt.Length;
        }
        if (logprobs > 0) _logprobs = Enumerable.Range(0, count).Select(_ => new List<ScoredCharacter>()).ToArray();
        StepsLeft = options.MaxLength - options.Prefix.Length;
    }

    public GenerationOptions Options { get; }
    public int Count { get; }
    public CancellationToken CancellationToken { get; }

    /// <summary>Each sample: the prompt, the prefix and what was generated after them.</summary>
    public IReadOnlyList<string> Samples => _outputs.Select(o => o.ToString()).ToList();

    /// <summary>Why each sample ended (null while it is still writing).</summary>
    public IReadOnlyList<FinishReason?> Finish => _finish;

    /// <summary>Per sample, one entry per generated character (the prefix has none): its probability under the model (temperature 1,
    /// like /score) and the top alternatives there; null when the run was not asked for them.</summary>
    public IReadOnlyList<IReadOnlyList<ScoredCharacter>>? Logprobs => _logprobs;

    /// <summary>True once every sample has ended (or the run was cancelled and dropped from its batch).</summary>
    public bool IsFinished { get; internal set; }

    /// <summary>Sampling steps this run has taken (one draw per sample each).</summary>
    public int Steps { get; internal set; }

    internal Rng Rng { get; }
    internal int LogprobCount { get; }
    internal int StepsLeft { get; set; }
    internal bool Prefilled { get; set; }
    /// <summary>[layers, Count, hidden] recurrent state after the last token fed, and [Count, vocabulary] logits of the next draw.</summary>
    internal float[] Hidden = [], Cell = [], Logits = [];
    /// <summary>The token each sample drew last, fed at the next forward pass.</summary>
    internal int[] Next = [];

    internal bool IsWriting(int sample) => _finish[sample] is null;
    internal int GeneratedLength(int sample) => _outputs[sample].Length - Options.Prompt.Length;

    internal void Append(int sample, string text, ScoredCharacter? scored)
    {
        _outputs[sample].Append(text);
        if (scored is not null) _logprobs![sample].Add(scored);
    }

    /// <summary>Ends a sample (stop strings cut off first) and sends what it had left to send.</summary>
    internal void End(int sample, FinishReason reason)
    {
        _finish[sample] = reason;
        Send(sample, _outputs[sample].Length, reason);
    }

    /// <summary>True (and the stop string cut off, with its logprobs) when the generated part, at least MinLength long without
    /// the stop string, ends with one of the Stop strings.</summary>
    internal bool CutStop(int sample)
    {
        var output = _outputs[sample];
        foreach (var stop in Options.Stop)
        {
            int at = output.Length - stop.Length;
            if (at < Options.Prompt.Length + Options.MinLength || !EndsWith(output, stop, stop.Length)) continue;
            output.Length = at;
            int kept = Math.Max(0, at - Written);
            _logprobs?[sample].RemoveRange(kept, _logprobs[sample].Count - kept);
            return true;
        }
        return false;
    }

    /// <summary>Sends a writing sample's new text, up to the longest ending that begins a stop string.</summary>
    internal void SendWritten(int sample)
    {
        var output = _outputs[sample];
        int held = 0, earliestStop = Options.Prompt.Length + Options.MinLength;
        foreach (var stop in Options.Stop)
            for (int k = Math.Min(stop.Length - 1, output.Length - earliestStop); k > held; k--)
                if (EndsWith(output, stop, k)) { held = k; break; }
        Send(sample, output.Length - held, null);
    }

    /// <summary>Where generated characters (with logprobs) start: after the prompt and the prefix.</summary>
    private int Written => Options.Prompt.Length + Options.Prefix.Length;

    private void Send(int sample, int upTo, FinishReason? finish)
    {
        int from = _emitted[sample];
        if (_onChunk is null || (upTo <= from && finish is null)) return;
        _emitted[sample] = Math.Max(from, upTo);
        var text = upTo > from ? _outputs[sample].ToString(from, upTo - from) : "";
        List<ScoredCharacter>? scored = null;
        if (_logprobs is not null)
        {
            int first = Math.Max(from, Written) - Written, last = Math.Max(upTo, Written) - Written;
            scored = _logprobs[sample].GetRange(first, last - first);
        }
        _onChunk(new SampleChunk(sample, text, scored, finish));
    }

    private static bool EndsWith(StringBuilder output, string stop, int length)
    {
        int at = output.Length - length;
        for (int k = 0; k < length; k++) if (output[at + k] != stop[k]) return false;
        return true;
    }
}
