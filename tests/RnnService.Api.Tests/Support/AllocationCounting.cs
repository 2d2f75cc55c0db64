namespace RnnService.Api.Tests;

/// <summary>Tests that bound a request's allocations read the process-wide counter, so they run alone: test classes
/// running alongside would add theirs (2.5 MB and 1 MB over the bounds were seen under CI).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCounting
{
    public const string Name = "Allocation counting";
}
