// Trains the default model (Hyperparameters.DefaultsFor(task, DataShape)) of every built-in dataset and writes,
// as JSON, its held-out metric, the settings it chose, its wall time and the exact token ids of each split, so
// that make_quality.py can train a PyTorch model of the same size the same way on the same data.
//   dotnet run -c Release --project tests/RnnService.Quality -- OUT.json
// With --cv it cross-validates sentiment settings on the imdb-sentences training part only (CrossValidation.cs).
using System.Diagnostics;
using System.Text.Json;
using RnnService.Engine.Data;
using RnnService.Engine.Models;
using RnnService.Engine.Sampling;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

const int HoldOutSeed = 2026;
if (args.Length > 0 && args[0] == "--cv")
    return RnnService.Quality.CrossValidation.Run(args[1..], HoldOutSeed);
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: RnnService.Quality OUT.json | --cv [--folds K] [--seeds A,B] NAME=JSON ...");
    return 2;
}
const string HamletPrompt = "To be, or not";
var report = new Dictionary<string, object>
{
    ["imdb-sentences"] = Sentiment((SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ImdbSentences), holdOut: true),
    ["toy-sentiment"] = Sentiment((SentimentData)BuiltInDatasets.Load(BuiltInDatasets.ToySentiment), holdOut: false),
    ["us-names"] = Names((TextCorpus)BuiltInDatasets.Load(BuiltInDatasets.UsNames)),
    ["hamlet"] = Hamlet((TextCorpus)BuiltInDatasets.Load(BuiltInDatasets.Hamlet)),
};
File.WriteAllText(args[0], JsonSerializer.Serialize(report, ModelConfig.JsonOptions));
return 0;

// A data set without a test split loses a fixed 20 % first; toy-sentiment keeps the seeds' split, whose test
// sentences the engine also validates on (as it does for any dataset that brings its own test set).
static object Sentiment(SentimentData data, bool holdOut)
{
    var (train, test) = holdOut ? data.HoldOut(0.2f, HoldOutSeed) : (data, data.Test!);
    var hp = Hyperparameters.DefaultsFor(TaskKind.Sentiment, DataShape.Of(train));
    var clock = Stopwatch.StartNew();
    var result = Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp, train);
    double seconds = clock.Elapsed.TotalSeconds;
    var model = (SentimentClassifier)result.Model;
    var predictions = model.Classify(test.Select(e => e.Text).ToList());
    double accuracy = predictions.Zip(test).Count(p => p.First.Label == p.Second.Label) / (double)test.Count;

    var tokenizer = new WordTokenizer(model.Config.Vocabulary);
    int[] Encode(SentimentExample e) => tokenizer.Encode(e.Text, hp.MaxSequenceLength) is { Length: > 0 } ids ? ids : [tokenizer.UnknownId];
    object Rows(IEnumerable<SentimentExample> examples) => examples.Select(e => new { ids = Encode(e), label = e.Label }).ToList();
    IReadOnlyList<SentimentExample> fit, validation;
    if (train.Test is { Count: > 0 }) (fit, validation) = (train.Train, train.Test);
    else
    {
        var (t, v) = hp.ValidationSplit(train.Train.Count);
        (fit, validation) = (t.Select(i => train.Train[i]).ToList(), v.Select(i => train.Train[i]).ToList());
    }
    return new
    {
        task = "sentiment", metric = "held-out accuracy", value = accuracy, seconds, epochsRun = result.History.Count,
        hyperparameters = hp, vocabularySize = model.Config.VocabularySize,
        train = Rows(fit), validation = Rows(validation), test = Rows(test),
        trainTexts = fit.Select(e => e.Text).ToList(), testTexts = test.Select(e => e.Text).ToList(),
    };
}

static object Names(TextCorpus corpus)
{
    var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm, DataShape.Of(corpus));
    var clock = Stopwatch.StartNew();
    var result = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus);
    double seconds = clock.Elapsed.TotalSeconds;
    var tokenizer = CharTokenizer.Build(corpus.Text, lineMode: true);
    var lines = CharTokenizer.SplitLines(corpus.Text)
        .Select(l => (int[])[tokenizer.BeginId, .. tokenizer.Encode(l.Length < hp.SequenceLength ? l : l[..(hp.SequenceLength - 1)]), tokenizer.EndId])
        .ToArray();
    var (train, validation) = hp.ValidationSplit(lines.Length);
    return new
    {
        task = "charlm", metric = "validation perplexity (best epoch)", value = result.History.Min(m => m.Perplexity!.Value), seconds,
        epochsRun = result.History.Count, hyperparameters = hp, vocabularySize = tokenizer.Count,
        train = train.Select(i => lines[i]).ToList(), validation = validation.Select(i => lines[i]).ToList(),
    };
}

static object Hamlet(TextCorpus corpus)
{
    var hp = Hyperparameters.DefaultsFor(TaskKind.CharLm, DataShape.Of(corpus));
    var clock = Stopwatch.StartNew();
    var result = Trainer.Train(TaskKind.CharLm, Architecture.Lstm, hp, corpus);
    double seconds = clock.Elapsed.TotalSeconds;
    var model = (CharLanguageModel)result.Model;
    string recited = model.Generate(new GenerationOptions { Prompt = HamletPrompt, Temperature = 0, MaxLength = 100 })[0][HamletPrompt.Length..];
    string expected = corpus.Text.Substring(HamletPrompt.Length, 100);
    int correct = recited.Zip(expected).TakeWhile(p => p.First == p.Second).Count();
    var tokenizer = CharTokenizer.Build(corpus.Text, lineMode: false);
    return new
    {
        task = "charlm", metric = "characters recited greedily from \"To be, or not\" before the first mistake (of 100)", value = correct,
        seconds, epochsRun = result.History.Count, hyperparameters = hp, vocabularySize = tokenizer.Count,
        stream = tokenizer.Encode(corpus.Text), prompt = tokenizer.Encode(HamletPrompt), expected = tokenizer.Encode(expected),
    };
}
