using Microsoft.EntityFrameworkCore;

namespace RnnService.Api.Data;

/// <summary>Hands out the configured provider's context as the <see cref="RnnDbContext"/> the rest of the service uses.</summary>
public sealed class RnnDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<RnnDbContext>
    where TContext : RnnDbContext
{
    public RnnDbContext CreateDbContext() => inner.CreateDbContext();

    public async Task<RnnDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await inner.CreateDbContextAsync(cancellationToken);
}
