using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Api.Data;

namespace RnnService.Api.Tests;

/// <summary>Fails the next <see cref="Refuse"/> commits whose changes <paramref name="refuses"/> picks, as a database that
/// breaks at the last moment would; other commits (renewals, the worker's rescue pass) go through. Install it on a host
/// with <c>builder.ConfigureTestServices(commits.AddTo)</c>.</summary>
public sealed class RefusingCommits(Func<ChangeTracker, bool> refuses) : DbTransactionInterceptor
{
    private int _left;
    private int _refused;

    /// <summary>Commits refused so far.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Commits still to refuse.</summary>
    public int Left => Volatile.Read(ref _left);

    public void Refuse(int commits) => Volatile.Write(ref _left, commits);

    /// <summary>Adds this interceptor to the service's database context, whichever provider it runs on.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.ConfigureDbContext<SqliteRnnDbContext>(options => options.AddInterceptors(this));
        services.ConfigureDbContext<PostgresRnnDbContext>(options => options.AddInterceptors(this));
    }

    public override ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData,
        InterceptionResult result, CancellationToken ct = default)
    {
        if (eventData.Context is { } context && refuses(context.ChangeTracker) && TakeOne())
        {
            Interlocked.Increment(ref _refused);
            throw new InvalidOperationException("Commit refused by the test.");
        }
        return ValueTask.FromResult(result);
    }

    private bool TakeOne()
    {
        for (var left = Volatile.Read(ref _left); left > 0; left = Volatile.Read(ref _left))
            if (Interlocked.CompareExchange(ref _left, left - 1, left) == left) return true;
        return false;
    }
}
