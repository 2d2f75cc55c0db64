namespace RnnService.Api.Tests;

/// <summary>Training requests sized for a fast test run on two shared cores.</summary>
public static class Jobs
{
    /// <summary>The engine's defaults train toy-sentiment to 100% in about two seconds. Patience 0 turns early
    /// stopping (on by default) off, so tests see every epoch and the model keeps the last one's weights.</summary>
    public static object Sentiment(int epochs = 40, string? name = null) =>
        new { task = "sentiment", dataset = "toy-sentiment", name, hyperparameters = new { epochs, earlyStoppingPatience = 0 } };

    public static object Names(int epochs = 2) =>
        new { task = "charlm", dataset = "us-names", hyperparameters = new { hiddenSize = 32, embeddingSize = 16, epochs, seed = 3 } };

    /// <summary>A one-epoch continuous char model (no end marker): the smallest model a test of /score or /generate on continuous text needs.</summary>
    public static object TinyHamlet() =>
        new { task = "charlm", dataset = "hamlet", hyperparameters = new { hiddenSize = 8, embeddingSize = 4, epochs = 1 } };

    /// <summary>A job that runs until cancelled (each epoch is short, so it checkpoints often).</summary>
    public static object Endless() =>
        new { task = "charlm", dataset = "us-names", hyperparameters = new { hiddenSize = 16, embeddingSize = 8, epochs = 10000, earlyStoppingPatience = 0 } };
}
