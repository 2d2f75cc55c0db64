using System.Text.Json;
using RnnService.Engine.Models;
using RnnService.Engine.Tokenizers;
using RnnService.Engine.Training;

namespace RnnService.Engine.Data;

/// <summary>
/// Parses an uploaded dataset. Sentiment: "csv" (header text,label) or "jsonl" ({"text": string, "label": 0|1}
/// per line), giving <see cref="SentimentData"/> with no test set. CharLm: "text", giving a <see cref="TextCorpus"/>.
/// </summary>
public static class DatasetParser
{
    public const string Csv = "csv";
    public const string JsonLines = "jsonl";
    public const string Text = "text";

    /// <param name="lineMode">CharLm only: one sample per line instead of one continuous text.</param>
    /// <exception cref="FormatException">The content is malformed or empty; the message names the 1-based line.</exception>
    /// <exception cref="ArgumentException">The format is unknown or does not fit the task (paramName "format").</exception>
    public static TrainingData Parse(TaskKind task, string format, string content, bool lineMode)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(content);
        string normalizedFormat = format.Trim().ToLowerInvariant();
        if (normalizedFormat is not (Csv or JsonLines or Text))
            throw new ArgumentException($"Unknown dataset format \"{format}\"; expected {Csv}, {JsonLines} or {Text}.", nameof(format));

        // A byte-order mark from a text editor is not part of the data.
        content = content.TrimStart('\uFEFF');
        return (task, normalizedFormat) switch
        {
            (TaskKind.Sentiment, Csv) => new SentimentData(ParseCsv(content)),
            (TaskKind.Sentiment, JsonLines) => new SentimentData(ParseJsonLines(content)),
            (TaskKind.CharLm, Text) => ParseText(content, lineMode),
            (TaskKind.Sentiment or TaskKind.CharLm, _) => throw new ArgumentException(
                $"Format \"{format}\" does not fit task {task}: use {Csv} or {JsonLines} for {TaskKind.Sentiment}, {Text} for {TaskKind.CharLm}.",
                nameof(format)),
            _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown task."),
        };
    }

    private static List<SentimentExample> ParseCsv(string content)
    {
        using var records = CsvRecords.Read(content).GetEnumerator();
        if (!records.MoveNext())
            throw new FormatException("The dataset is empty: expected a header line \"text,label\".");
        var header = records.Current;
        if (header.Fields.Count != 2
            || !header.Fields[0].Trim().Equals("text", StringComparison.OrdinalIgnoreCase)
            || !header.Fields[1].Trim().Equals("label", StringComparison.OrdinalIgnoreCase))
            throw new FormatException($"Line {header.Line}: the header must be \"text,label\", found \"{string.Join(',', header.Fields)}\".");

        var examples = new List<SentimentExample>();
        while (records.MoveNext())
        {
            var record = records.Current;
            if (record.Fields.Count != 2)
                throw new FormatException($"Line {record.Line}: expected 2 fields (text,label), found {record.Fields.Count}.");
            int label = record.Fields[1].Trim() switch
            {
                "0" => 0,
                "1" => 1,
                var other => throw new FormatException($"Line {record.Line}: label must be 0 or 1, found \"{other}\"."),
            };
            examples.Add(Example(record.Fields[0], label, record.Line));
        }
        return NonEmpty(examples);
    }

    private static readonly JsonDocumentOptions StrictLine = new() { AllowDuplicateProperties = false };

    private static List<SentimentExample> ParseJsonLines(string content)
    {
        var examples = new List<SentimentExample>();
        string[] lines = content.Split('\n');
        for (int index = 0; index < lines.Length; index++)
        {
            int line = index + 1;
            string json = lines[index].Trim();
            if (json.Length == 0)
                continue;

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json, StrictLine);
            }
            catch (JsonException e)
            {
                // Our words, not the parser's: a duplicate would otherwise mean whichever value a reader keeps.
                throw new FormatException(e.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)
                    ? $"Line {line}: a property appears more than once."
                    : $"Line {line}: invalid JSON at character {e.BytePositionInLine + 1}.", e);
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    throw new FormatException($"Line {line}: expected a JSON object {{\"text\": ..., \"label\": 0|1}}.");
                if (!root.TryGetProperty("text", out var text))
                    throw new FormatException($"Line {line}: missing field \"text\".");
                if (text.ValueKind != JsonValueKind.String)
                    throw new FormatException($"Line {line}: field \"text\" must be a string.");
                if (!root.TryGetProperty("label", out var labelElement))
                    throw new FormatException($"Line {line}: missing field \"label\".");
                if (labelElement.ValueKind != JsonValueKind.Number || !labelElement.TryGetInt32(out int label) || label is not (0 or 1))
                    throw new FormatException($"Line {line}: label must be 0 or 1, found {labelElement.GetRawText()}.");
                examples.Add(Example(text.GetString()!, label, line));
            }
        }
        return NonEmpty(examples);
    }

    private static TextCorpus ParseText(string content, bool lineMode)
    {
        // Windows line endings would otherwise become '\r' symbols in the character vocabulary.
        string text = content.Replace("\r\n", "\n");
        if (string.IsNullOrWhiteSpace(text) || (lineMode && CharTokenizer.CountLines(text) == 0))
            throw new FormatException("The dataset is empty: no text.");
        return new TextCorpus(text, lineMode);
    }

    private static SentimentExample Example(string text, int label, int line) =>
        string.IsNullOrWhiteSpace(text) ? throw new FormatException($"Line {line}: text is empty.")
        : text.Contains('\0') ? throw new FormatException($"Line {line}: text contains a NUL character (\\u0000).")
        : new SentimentExample(text, label);

    private static List<SentimentExample> NonEmpty(List<SentimentExample> examples) =>
        examples.Count > 0 ? examples : throw new FormatException("The dataset is empty: no examples.");
}
