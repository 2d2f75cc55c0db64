// Trains the default model (Hyperparameters.DefaultsFor(task, DataShape)) of every built-in dataset and writes,
// as JSON, its held-out metric, the settings it chose, its wall time and the exact token ids of each split, so
// that make_quality.py can train a PyTorch model of the same size the same way on the same data.
//   dotnet run -c Release --project tests/tools/RnnService.Quality -- OUT.json
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
    double Accuracy(RnnModel trained) => ((SentimentClassifier)trained).Classify(test.Select(e => e.Text).ToList())
        .Zip(test).Count(p => p.First.Label == p.Second.Label) / (double)test.Count;
    double accuracy = Accuracy(model);
    // One seeded run is noisy on 200 sentences, so the held-out fifth also scores the defaults with the next four seeds
    // (measured after the defaults were chosen by cross-validation; never used to choose them).
    var seedAccuracies = holdOut
        ? Enumerable.Range(hp.Seed, 5).Select(seed => seed == hp.Seed ? accuracy
            : Accuracy(Trainer.Train(TaskKind.Sentiment, Architecture.Lstm, hp with { Seed = seed }, train).Model)).ToList()
        : [accuracy];

    var tokenizer = new WordTokenizer(model.Config.Vocabulary, model.Network.Embedding.Pretrained);
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
        task = "sentiment", metric = "held-out accuracy", value = accuracy, seedAccuracies, seconds, epochsRun = result.History.Count,
        hyperparameters = hp, vocabularySize = model.Config.VocabularySize, pretrained = PretrainedRows(model, tokenizer, fit.Concat(validation).Concat(test)),
        train = Rows(fit), validation = Rows(validation), test = Rows(test),
        trainTexts = fit.Select(e => e.Text).ToList(), testTexts = test.Select(e => e.Text).ToList(),
    };
}

// What PyTorch needs to build the same frozen embedding: which vocabulary rows came from the table and their values
// (the others are random at initialisation, as PyTorch's own), and the table rows that ids past the vocabulary read.
static object? PretrainedRows(SentimentClassifier model, WordTokenizer tokenizer, IEnumerable<SentimentExample> examples)
{
    var embedding = model.Network.Embedding;
    if (embedding.Pretrained is not { } table) return null;
    int v = model.Config.VocabularySize, e = embedding.EmbeddingSize;
    var weights = model.Network.Parameters.Value(embedding.Weight).ToArray();
    var fromTable = model.Config.Vocabulary.Select(w => table.RowOf(w) >= 0).ToArray();
    var extension = examples.SelectMany(x => tokenizer.Encode(x.Text, model.Config.Hyperparameters.MaxSequenceLength))
        .Where(id => id >= v).Distinct().Order().ToArray();
    return new
    {
        vocabularyRows = Enumerable.Range(0, v).Select(i => fromTable[i] ? weights[(i * e)..((i + 1) * e)] : null).ToList(),
        extensionIds = extension,
        extensionRows = extension.Select(id => { var row = new float[e]; table.CopyRow(id - v, row); return row; }).ToList(),
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
