using RnnService.Engine.Kernels;
using RnnService.Engine.Models;

namespace RnnService.Api;

/// <summary>Engine settings, bound from the "Engine" section and applied to the (process-wide) engine at startup.</summary>
public sealed class EngineOptions
{
    public const string Section = "Engine";

    /// <summary>
    /// Threads one big GEMM of a training job may use (input projections, weight gradients); 0 = the core
    /// count, at most <see cref="EngineThreads.DefaultCap"/>. Keep Worker:MaxConcurrentJobs × Threads ≤ cores:
    /// jobs share one pool, and a job that finds it busy runs its GEMM on one thread.
    /// </summary>
    public int Threads { get; set; }

    /// <summary>
    /// Memory, in MiB, that each network (a loaded model with its inference clones, or a training job's) may use to keep
    /// its first layer's input projection by token, so inference copies a token's row instead of computing it; 0 turns it off.
    /// </summary>
    public int TokenCacheMegabytes { get; set; } = DefaultTokenCacheMegabytes;

    public const int DefaultTokenCacheMegabytes = 16;
    public const int MaxTokenCacheMegabytes = 4096;
}

public static class EngineOptionsExtensions
{
    /// <summary>Binds "Engine", fails startup on a value out of range (naming the key), and applies it to the engine.</summary>
    public static IServiceCollection AddEngineOptions(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(EngineOptions.Section);
        var options = section.Get<EngineOptions>() ?? new EngineOptions();
        if (options.Threads < 0 || options.Threads > EngineThreads.Max)
            throw new InvalidOperationException(
                $"{EngineOptions.Section}:{nameof(EngineOptions.Threads)} must be between 0 (the core count) and {EngineThreads.Max}; it is {options.Threads}.");
        if (options.Threads > 0) EngineThreads.Count = options.Threads;
        if (options.TokenCacheMegabytes < 0 || options.TokenCacheMegabytes > EngineOptions.MaxTokenCacheMegabytes)
            throw new InvalidOperationException(
                $"{EngineOptions.Section}:{nameof(EngineOptions.TokenCacheMegabytes)} must be between 0 (off) and {EngineOptions.MaxTokenCacheMegabytes}; it is {options.TokenCacheMegabytes}.");
        RecurrentNetwork.TokenProjectionCacheBytes = (long)options.TokenCacheMegabytes << 20;
        services.AddOptions<EngineOptions>().Bind(section);
        return services;
    }
}
