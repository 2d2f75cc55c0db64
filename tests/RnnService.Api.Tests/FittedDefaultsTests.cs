namespace RnnService.Api.Tests;

/// <summary>Omitted hyper-parameters are the engine's defaults fitted to the dataset's size, shown on the job.</summary>
public sealed class FittedDefaultsTests : ServiceTest
{
    [Fact]
    public async Task AOnePageTextTrainsInOneStreamWithoutValidationOrEarlyStoppingForAboutSixHundredSteps()
    {
        var job = await _client.TrainAsync(new { task = "charlm", dataset = "hamlet" });

        var hp = job.GetProperty("hyperparameters");
        Assert.Equal(1, hp.GetProperty("batchSize").GetInt32());
        Assert.Equal(0, hp.GetProperty("validationFraction").GetDouble());
        Assert.Equal(0, hp.GetProperty("earlyStoppingPatience").GetInt32());   // off, said as the request would say it (not null)
        Assert.Equal(67, hp.GetProperty("epochs").GetInt32());
        Assert.Equal(67, job.GetProperty("progress").GetProperty("totalEpochs").GetInt32());
    }

    [Fact]
    public async Task ALineCorpusStopsEarlyOnValidationAndItsEpochsFollowTheRequestedBatchSize()
    {
        var defaults = (await _client.TrainAsync(new { task = "charlm", dataset = "us-names" })).GetProperty("hyperparameters");
        var smallBatches = (await _client.TrainAsync(new { task = "charlm", dataset = "us-names", hyperparameters = new { batchSize = 16 } }))
            .GetProperty("hyperparameters");

        // Early stopping decides: at least 30 epochs, or 12,000 steps if fewer.
        Assert.Equal((64, 30, 2), (defaults.GetProperty("batchSize").GetInt32(), defaults.GetProperty("epochs").GetInt32(),
            defaults.GetProperty("earlyStoppingPatience").GetInt32()));
        // 7,200 training lines in batches of 16: 450 steps an epoch, so 27 epochs come closest to 12,000 steps from above.
        Assert.Equal(27, smallBatches.GetProperty("epochs").GetInt32());
    }

    [Fact]
    public async Task GivenEpochsAreKept()
    {
        var job = await _client.TrainAsync(new { task = "charlm", dataset = "us-names", hyperparameters = new { epochs = 3 } });

        Assert.Equal(3, job.GetProperty("hyperparameters").GetProperty("epochs").GetInt32());
    }
}
