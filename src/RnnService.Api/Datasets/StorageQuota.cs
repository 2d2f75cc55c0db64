using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;

namespace RnnService.Api.Datasets;

/// <summary>One of the largest stored things, named as its DELETE takes it.</summary>
public sealed record StoredItem(string Kind, string Reference, long Bytes);

/// <summary>Limits:MaxStoredBytes: what uploaded datasets and trained models' weights may take together. A write that
/// would go over it is answered 507 with what is stored and the largest things to delete.</summary>
public static class StorageQuota
{
    private const long LockKey = 0x526e6e53746f72; // "RnnStor": serialises quota checks with their writes on PostgreSQL

    /// <summary>Inside a transaction: holds off other quota-checked writes until it ends, so two uploads cannot both
    /// fit in the same free space. SQLite's transactions (BEGIN IMMEDIATE) are serialised anyway.</summary>
    public static async Task LockAsync(RnnDbContext db, CancellationToken ct)
    {
        if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockKey})", ct);
    }

    /// <summary>Null when <paramref name="adding"/> more bytes fit; else the 507 saying what <paramref name="what"/> needs.</summary>
    public static async Task<ProblemHttpResult?> CheckAsync(RnnDbContext db, long adding, long limit, string what, CancellationToken ct)
    {
        var datasetBytes = await db.Datasets.SumAsync(d => d.Bytes, ct);
        var modelBytes = await db.ModelWeights.SumAsync(w => (long)w.Bytes.Length, ct);
        var stored = datasetBytes + modelBytes;
        if (stored + adding <= limit) return null;

        var datasets = await db.Datasets.AsNoTracking().OrderByDescending(d => d.Bytes).Take(3)
            .Select(d => new StoredItem("dataset", d.Name, d.Bytes)).ToListAsync(ct);
        var models = (await db.ModelWeights.AsNoTracking().OrderByDescending(w => w.Bytes.Length).Take(3)
                .Join(db.Models, w => w.ModelId, m => m.Id, (w, m) => new { m.Id, m.Name, m.Version, Bytes = (long)w.Bytes.Length })
                .ToListAsync(ct))
            .Select(m => new StoredItem("model", m.Name is { } name ? $"{name}@{m.Version}" : m.Id.ToString(), m.Bytes));
        var largest = datasets.Concat(models).OrderByDescending(i => i.Bytes).Take(3).ToList();
        var detail = $"{what} needs {adding:N0} bytes; {stored:N0} of {limit:N0} bytes are stored ({datasetBytes:N0} in datasets, " +
            $"{modelBytes:N0} in models; Limits:MaxStoredBytes). Delete datasets (DELETE /datasets/{{name}}) or models " +
            $"(DELETE /models/{{reference}}) to make room" +
            (largest.Count > 0 ? $"; the largest: {string.Join(", ", largest.Select(i => $"{i.Kind} {i.Reference} ({i.Bytes:N0} bytes)"))}." : ".");
        return TypedResults.Problem(statusCode: StatusCodes.Status507InsufficientStorage, title: "Storage limit reached", detail: detail,
            extensions: new Dictionary<string, object?>
            {
                ["storedBytes"] = stored, ["limitBytes"] = limit, ["neededBytes"] = adding, ["largest"] = largest,
            });
    }
}
