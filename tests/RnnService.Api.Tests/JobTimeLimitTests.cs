using System.Net;

namespace RnnService.Api.Tests;

/// <summary>POST /train refuses a job that cannot finish within Worker:JobTimeLimit; POST /train/estimate times each
/// job shape once.</summary>
public sealed class JobTimeLimitTests
{
    [Fact]
    public async Task AJobWhoseSizeAloneNeedsHoursIsRefusedWithoutTimingItNamingTheFieldsToReduce()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();
        var response = await client.PostJsonAsync("/train", new
        {
            task = "charlm", dataset = "us-names", hyperparameters = new { hiddenSize = 1024, layers = 2, epochs = 10000 },
        });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "hyperparameters.epochs");
        foreach (var field in new[] { "hyperparameters.epochs", "hyperparameters.hiddenSize", "hyperparameters.layers" })
            Assert.Contains("at the least, from the model's size", problem.GetProperty("errors").GetProperty(field)[0].GetString());
        Assert.True(problem.GetProperty("estimatedSeconds").GetDouble() > 3600, problem.ToString());
        Assert.Equal(3600, problem.GetProperty("limitSeconds").GetDouble());
        Assert.Equal(0, (await (await client.GetAsync("/jobs")).OkJsonAsync()).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ABigJobOnASmallTextIsTimedAndRefusedWhileEveryBuiltInDatasetsDefaultJobIsQueued()
    {
        await using var factory = new RnnServiceFactory();
        using var client = factory.CreateClient();

        // Hamlet is 866 characters: the lower bound (about 1,650 s) is under the hour, what the engine does is not.
        var problem = await (await client.PostJsonAsync("/train", new
        {
            task = "charlm", dataset = "hamlet", hyperparameters = new { hiddenSize = 1024, layers = 2, epochs = 10000 },
        })).AssertProblemAsync(HttpStatusCode.BadRequest, "hyperparameters.hiddenSize");
        Assert.Contains("timed here", problem.GetProperty("errors").GetProperty("hyperparameters.epochs")[0].GetString());
        Assert.True(problem.GetProperty("estimatedSeconds").GetDouble() > 3600, problem.ToString());

        foreach (var (task, dataset) in new[] { ("charlm", "hamlet"), ("charlm", "us-names"), ("sentiment", "imdb-sentences"), ("sentiment", "toy-sentiment") })
            await client.TrainAsync(new { task, dataset });
    }

    [Fact]
    public async Task OnceAShapeWasTimedTrainUsesThatEstimateAndEstimatingItAgainTimesNothing()
    {
        await using var factory = new RnnServiceFactory(new() { ["Worker:JobTimeLimit"] = "00:00:01" });
        using var client = factory.CreateClient();
        // 2,000 epochs of toy-sentiment at 128 units take tens of seconds here (at 32 units a quiet machine can come close
        // to the 1 s limit); the lower bound from its size is under a second.
        var request = new { task = "sentiment", dataset = "toy-sentiment", hyperparameters = new { epochs = 2000, hiddenSize = 128 } };

        var first = await (await client.PostJsonAsync("/train/estimate", request)).OkJsonAsync();
        var again = await (await client.PostJsonAsync("/train/estimate", request with { hyperparameters = new { epochs = 4000, hiddenSize = 128 } })).OkJsonAsync();

        // The estimate is per epoch: twice the epochs, twice the seconds.
        Assert.Equal(2 * first.GetProperty("estimatedSeconds").GetDouble(), again.GetProperty("estimatedSeconds").GetDouble(), 0.2);
        var refused = await (await client.PostJsonAsync("/train", request)).AssertProblemAsync(HttpStatusCode.BadRequest, "hyperparameters.epochs");
        Assert.Equal(first.GetProperty("estimatedSeconds").GetDouble(), refused.GetProperty("estimatedSeconds").GetDouble(), 0.2);
        Assert.Contains("timed here", refused.GetProperty("errors").GetProperty("hyperparameters.epochs")[0].GetString());
        // A shape that was never timed and whose lower bound is far below the limit is queued without timing it.
        await client.TrainAsync(request with { hyperparameters = new { epochs = 40, hiddenSize = 16 } });
    }
}
