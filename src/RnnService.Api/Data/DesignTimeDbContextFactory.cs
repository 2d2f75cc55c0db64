using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace RnnService.Api.Data;

/// <summary>Lets `dotnet ef migrations add` build the context without starting the web host.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<RnnDbContext>
{
    public RnnDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<RnnDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
