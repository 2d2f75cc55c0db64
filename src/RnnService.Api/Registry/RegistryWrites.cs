using Microsoft.EntityFrameworkCore;
using RnnService.Api.Data;
using RnnService.Api.Webhooks;

namespace RnnService.Api.Registry;

/// <summary>The registry's writes that other transactions share (a job that stores a named model, a sweep that registers
/// its best trial, PUT of an alias); each runs inside its caller's transaction.</summary>
public static class RegistryWrites
{
    private const long VersionLockKey = 0x526e6e56657273; // "RnnVers": serialises version numbering across replicas on PostgreSQL

    /// <summary>The next version of <paramref name="name"/>. On PostgreSQL an advisory lock held to the end of the transaction
    /// serialises numbering across replicas; the unique (name, version) index backs it up.</summary>
    public static async Task<int> NextVersionAsync(RnnDbContext db, string name, CancellationToken ct)
    {
        if (db.Database.IsNpgsql()) await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({VersionLockKey})", ct);
        return (await db.Models.Where(m => m.Name == name).MaxAsync(m => m.Version, ct) ?? 0) + 1;
    }

    /// <summary>Creates or moves <paramref name="alias"/> of <paramref name="name"/> to a version, records the move in the
    /// name's history and queues the webhook event. Saves the changes; the caller commits.</summary>
    public static async Task MoveAliasAsync(RnnDbContext db, string name, string alias, int version, Guid modelId, DateTime now, CancellationToken ct)
    {
        var moved = await db.ModelAliases.Where(a => a.Name == name && a.Alias == alias)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.ModelId, modelId).SetProperty(a => a.Version, version)
                .SetProperty(a => a.UpdatedAt, now), ct);
        if (moved == 0) db.ModelAliases.Add(new ModelAlias { Name = name, Alias = alias, ModelId = modelId, Version = version, UpdatedAt = now });
        db.ModelAliasChanges.Add(new ModelAliasChange { Name = name, Alias = alias, Version = version, ModelId = modelId, At = now });
        await db.SaveChangesAsync(ct);
        await WebhookOutbox.AliasMovedAsync(db, name, alias, version, modelId, ct);
    }
}
