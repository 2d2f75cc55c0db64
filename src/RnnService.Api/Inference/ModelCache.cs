using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RnnService.Api.Data;
using RnnService.Api.Monitoring;
using RnnService.Engine.Models;

namespace RnnService.Api.Inference;

/// <summary>A bounded least-recently-used cache of loaded models for /predict and /generate. A cached model is
/// checked against the database again once it is Inference:ModelRevalidateInterval old, so a delete made on any
/// replica stops it everywhere within that time. Models deleted here are remembered, so a request that read the
/// weights just before the delete cannot put them back.</summary>
public sealed class ModelCache(IOptions<InferenceOptions> options, RnnMetrics metrics)
{
    private sealed record Entry(Guid Id, RnnModel Model)
    {
        public long ValidatedAt { get; set; } = Stopwatch.GetTimestamp();
    }

    private readonly Lock _lock = new();
    private readonly LinkedList<Entry> _order = new();
    private readonly Dictionary<Guid, LinkedListNode<Entry>> _entries = new();
    private readonly HashSet<Guid> _deleted = new();
    private int Capacity => Math.Max(1, options.Value.ModelCacheSize);

    public int Count { get { lock (_lock) return _entries.Count; } }

    public async Task<RnnModel?> GetAsync(Guid id, RnnDbContext db, CancellationToken ct)
    {
        Entry? cached = null;
        lock (_lock)
        {
            if (_deleted.Contains(id)) return null;
            if (_entries.TryGetValue(id, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                cached = node.Value;
                metrics.CacheHit();
                if (Stopwatch.GetElapsedTime(cached.ValidatedAt) < options.Value.ModelRevalidateInterval) return cached.Model;
            }
        }
        if (cached is not null)
        {
            if (!await db.Models.AnyAsync(m => m.Id == id, ct))
            {
                Evict(id);
                return null;
            }
            cached.ValidatedAt = Stopwatch.GetTimestamp();
            return cached.Model;
        }

        metrics.CacheMiss();
        var weights = await db.ModelWeights.Where(w => w.ModelId == id).Select(w => w.Bytes).FirstOrDefaultAsync(ct);
        if (weights is null) return null;
        var model = RnnModel.FromSafetensors(weights);
        lock (_lock)
        {
            if (_deleted.Contains(id)) return model; // serve this in-flight request, cache nothing
            // A concurrent first request loaded it too: serve the cached instance, so the two share one batcher.
            if (_entries.TryGetValue(id, out var loaded)) return loaded.Value.Model;
            _entries[id] = _order.AddFirst(new Entry(id, model));
            while (_entries.Count > Capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _entries.Remove(last.Value.Id);
                metrics.CacheEvicted("capacity");
            }
        }
        return model;
    }

    public void Evict(Guid id)
    {
        lock (_lock)
        {
            _deleted.Add(id);
            if (_entries.Remove(id, out var node))
            {
                _order.Remove(node);
                metrics.CacheEvicted("deleted");
            }
        }
    }
}
