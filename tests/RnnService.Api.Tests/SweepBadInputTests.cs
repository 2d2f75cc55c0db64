using System.Net;

namespace RnnService.Api.Tests;

/// <summary>Every refused sweep request is a 400 ProblemDetails naming its field, and starts nothing.</summary>
public sealed class SweepBadInputTests : ServiceTest
{
    private static Dictionary<string, object?> With(string key, object? value)
    {
        var request = Sweeps.Toy();
        request[key] = value;
        return request;
    }

    private static Dictionary<string, object?> WithSpace(string name, object dimension) =>
        With("space", new Dictionary<string, object> { ["learningRate"] = new[] { 0.01 }, [name] = dimension });

    public static TheoryData<string, Dictionary<string, object?>> BadRequests => new()
    {
        { "space.learningRate", With("space", new Dictionary<string, object> { ["learningRate"] = new { min = 0.1, max = 0.01 } }) },
        { "space.colour", WithSpace("colour", new[] { "red" }) },
        { "space.dropout", WithSpace("dropout", Array.Empty<double>()) },
        { "space.weightDecay", WithSpace("weightDecay", new { min = 0, max = 1, log = true }) },
        { "space.layers", WithSpace("layers", new { min = 1.2, max = 1.8 }) },
        { "space.hiddenSize", WithSpace("hiddenSize", new { min = 8, max = 16, step = 2 }) },
        { "space.epochs", WithSpace("epochs", new[] { 3 }) },
        { "space", WithSpace("layers", new[] { 4, 5 }) },
        { "space", WithSpace("hiddenSize", new[] { 100_000 }) },
        { "budget.maxTrials", With("budget", new { maxTrials = 0 }) },
        { "budget.maxConcurrent", With("budget", new { maxConcurrent = 0 }) },
        { "budget.maxSeconds", With("budget", new { maxSeconds = 0 }) },
        { "objective", With("objective", "perplexity") },
        { "dataset", With("dataset", "no-such-data") },
        { "dataset", With("task", "charlm") },
        { "minEpochs", With("minEpochs", 12) },
        { "eta", With("eta", 1) },
        { "name", With("name", "a@b") },
        { "alias", With("alias", "x/y") },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ABadSweepRequestIs400NamingTheFieldAndStartsNothing(string field, Dictionary<string, object?> request)
    {
        await (await _client.PostJsonAsync("/sweeps", request)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
        await (await _client.PostJsonAsync("/sweeps/estimate", request)).AssertProblemAsync(HttpStatusCode.BadRequest, field);

        var sweeps = await (await _client.GetAsync("/sweeps")).OkJsonAsync();
        Assert.Equal(0, sweeps.GetProperty("total").GetInt32());
        Assert.Equal(0, (await (await _client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ASpaceWhoseEveryPointBreaksALimitNamesTheLimitedSettingToo()
    {
        var problem = await (await _client.PostJsonAsync("/sweeps", WithSpace("hiddenSize", new[] { 100_000 })))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "space");
        Assert.Contains("MaxHiddenSize", problem.GetProperty("errors").GetProperty("hyperparameters.hiddenSize")[0].GetString());
    }

    [Fact]
    public async Task AnUnknownSweepIs404AndAListWithAnUnknownStatusIs400()
    {
        await (await _client.GetAsync($"/sweeps/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _client.PostEmptyJsonAsync($"/sweeps/{Guid.NewGuid()}/pause")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/sweeps?status=sleeping")).AssertProblemAsync(HttpStatusCode.BadRequest, "status");
    }
}
