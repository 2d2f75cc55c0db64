using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RnnService.Engine.Models;

namespace RnnService.Api.Tests;

/// <summary>The "Engine" section: a value out of range stops the service naming its key; a valid one reaches the engine.</summary>
public sealed class EngineOptionsTests
{
    private static IConfiguration Configuration(string key, string value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

    [Theory]
    [InlineData("Engine:Threads", "-1")]
    [InlineData("Engine:Threads", "257")]
    [InlineData("Engine:TokenCacheMegabytes", "-1")]
    [InlineData("Engine:TokenCacheMegabytes", "4097")]
    public void AValueOutOfRangeStopsTheServiceNamingItsKey(string key, string value)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddEngineOptions(Configuration(key, value)));
        Assert.StartsWith($"{key} must be between", refused.Message);
        Assert.EndsWith($"it is {value}.", refused.Message);
    }

    [Fact]
    public void TheTokenCacheSettingReachesTheEngineAndItsDefaultIsSixteenMegabytes()
    {
        // Process-wide, as in the service; other tests' networks only change speed with it (the cache keeps the bits) and
        // their memory estimates by at most the cache, and it is set back to the default.
        try
        {
            new ServiceCollection().AddEngineOptions(Configuration("Engine:TokenCacheMegabytes", "1"));
            Assert.Equal(1L << 20, RecurrentNetwork.TokenProjectionCacheBytes);
            new ServiceCollection().AddEngineOptions(new ConfigurationBuilder().Build());
            Assert.Equal(16L << 20, RecurrentNetwork.TokenProjectionCacheBytes);
        }
        finally
        {
            RecurrentNetwork.TokenProjectionCacheBytes = (long)EngineOptions.DefaultTokenCacheMegabytes << 20;
        }
    }
}
