using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;

namespace RnnService.Engine.Training;

/// <summary>
/// What a fine-tuning job keeps from its base model: the task, the architecture, the sizes (embedding, hidden, layers),
/// the pretrained embeddings and, for char models, whether it reads lines or one continuous text (its alphabet says
/// which) and the alphabet itself: data with characters the base never saw is refused (<see cref="NewCharacters"/>),
/// where a sentiment model's unknown words simply read as &lt;unk&gt;. The API checks a request with <see cref="Errors"/>
/// before it queues the job; the trainer checks again with <see cref="Check"/> before it starts from the base's weights.
/// </summary>
public static class FineTuneRules
{
    /// <summary>Every way the job differs from its base, keyed by "Task", "Architecture", a <see cref="Hyperparameters"/>
    /// property name ("HiddenSize") or "LineMode" (checked when <paramref name="lineMode"/>, the data's kind, is known);
    /// empty when the base can start the job.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Errors(ModelConfig baseModel, TaskKind task, Architecture architecture,
        Hyperparameters hp, bool? lineMode = null)
    {
        var errors = new List<KeyValuePair<string, string>>();
        if (baseModel.Task != task)
            errors.Add(new("Task", $"The base model is a {Name(baseModel.Task)} model; this job's task is {Name(task)}."));
        if (baseModel.Architecture != architecture)
            errors.Add(new("Architecture", $"The base model (initFrom) is {Name(baseModel.Architecture)}; fine-tuning keeps the architecture " +
                $"(omit it, or give {Name(baseModel.Architecture)})."));
        void Same(string field, object? asked, object? kept)
        {
            if (!Equals(asked, kept))
                errors.Add(new(field, $"The base model (initFrom) has {char.ToLowerInvariant(field[0])}{field[1..]} {kept}; fine-tuning keeps it " +
                    $"(omit it, or give {kept})."));
        }
        Same(nameof(Hyperparameters.EmbeddingSize), hp.EmbeddingSize, baseModel.EmbeddingSize);
        Same(nameof(Hyperparameters.HiddenSize), hp.HiddenSize, baseModel.HiddenSize);
        Same(nameof(Hyperparameters.Layers), hp.Layers, baseModel.Layers);
        Same(nameof(Hyperparameters.PretrainedEmbeddings), hp.PretrainedEmbeddings ?? NoVectors, baseModel.Hyperparameters.PretrainedEmbeddings ?? NoVectors);
        if (baseModel.Task == TaskKind.CharLm && task == TaskKind.CharLm && lineMode is { } lines && lines != baseModel.LineMode)
            errors.Add(new("LineMode", $"The base model was trained on {Kind(baseModel.LineMode)}; this data is {Kind(lines)}. " +
                $"Fine-tune it on {Kind(baseModel.LineMode)} (an upload's lineMode says which)."));
        return errors;
    }

    /// <summary>Throws ArgumentException (ParamName "initFrom") for the first of <see cref="Errors"/>; nothing without a base.</summary>
    public static void Check(RnnModel? initFrom, TaskKind task, Architecture architecture, Hyperparameters hp, TrainingData data)
    {
        if (initFrom is null) return;
        foreach (var (_, message) in Errors(initFrom.Config, task, architecture, hp, (data as TextCorpus)?.LineMode))
            throw new ArgumentException(message, "initFrom");
        if (data is TextCorpus corpus && NewCharacters(initFrom.Config, corpus) is { Count: > 0 } unseen)
            throw new ArgumentException(NewCharactersMessage(unseen), "initFrom");
    }

    /// <summary>The characters of a char model's new data (of its own kind, lines or continuous) that its base never saw, in
    /// order: a fine-tune keeps the base's alphabet, so it would read each as &lt;unk&gt; and could never write one.</summary>
    public static IReadOnlyList<string> NewCharacters(ModelConfig baseModel, TextCorpus data)
    {
        if (baseModel.Task != TaskKind.CharLm || baseModel.LineMode != data.LineMode) return [];
        var known = baseModel.Vocabulary.ToHashSet();
        return CharTokenizer.Build(data.Text, data.LineMode).Vocabulary.Where(c => !known.Contains(c)).ToList();
    }

    public static string NewCharactersMessage(IReadOnlyList<string> unseen) =>
        $"The base model (initFrom) never saw {unseen.Count} of this data's characters ({string.Join(" ", unseen.Take(20).Select(c => $"'{c}'"))}" +
        $"{(unseen.Count > 20 ? " ..." : "")}); a fine-tune keeps its alphabet, so it could never write them. " +
        "Fine-tune on text in its alphabet (lowercased, for example), or train a new model on this data.";

    /// <summary>How a request says "no pretrained embeddings".</summary>
    private const string NoVectors = "none";

    private static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string Kind(bool lines) => lines ? "lines (one sample per line)" : "continuous text";
}
