using Microsoft.Extensions.Options;

namespace RnnService.Api.Inference;

/// <summary>
/// Caps the /predict and /generate requests that run at once (Inference:MaxConcurrentRequests, default one
/// per core), so inference cannot take every core from training and from the endpoints that do not pass
/// through here (/health, /jobs, static files). A request waits at most Inference:QueueWait for a slot.
/// Light requests (at most Inference:LightRequestCharacters of work, bounded by the rate limit) need none.
/// </summary>
public sealed class InferenceSlots : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _queueWait;
    private readonly int _lightCharacters;
    private int _running;

    public InferenceSlots(IOptions<InferenceOptions> options)
    {
        var o = options.Value;
        Limit = o.MaxConcurrentRequests > 0 ? o.MaxConcurrentRequests : Environment.ProcessorCount;
        _queueWait = o.QueueWait > TimeSpan.Zero ? o.QueueWait : TimeSpan.Zero;
        _lightCharacters = o.LightRequestCharacters;
        _slots = new SemaphoreSlim(Limit, Limit);
    }

    public int Limit { get; }

    /// <summary>Requests holding a slot now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>A slot to dispose when the work is done (a no-op one for a light request), or null when none
    /// freed up within the queue wait.</summary>
    public async Task<IDisposable?> TryEnterAsync(long characters, CancellationToken cancellationToken)
    {
        if (characters <= _lightCharacters) return NoSlot.Instance;
        if (!await _slots.WaitAsync(_queueWait, cancellationToken)) return null;
        Interlocked.Increment(ref _running);
        return new Slot(this);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class NoSlot : IDisposable
    {
        public static readonly NoSlot Instance = new();
        public void Dispose() { }
    }

    private sealed class Slot(InferenceSlots owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            Interlocked.Decrement(ref owner._running);
            owner._slots.Release();
        }
    }
}
