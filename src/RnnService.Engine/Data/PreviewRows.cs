using System.Text.Json;
using RnnService.Engine.Models;

namespace RnnService.Engine.Data;

/// <summary>One row of a preview: a sentiment example (label 0 or 1) or a line of text (label null).</summary>
public sealed record PreviewRow(string Text, int? Label);

/// <summary>
/// The first rows of an upload, read from the start of its content only, so that a preview costs the same for any
/// size of dataset. The content was checked whole by <see cref="DatasetParser"/> when it was uploaded; here a row
/// that runs past the end of a partial content is left out rather than reported.
/// </summary>
public static class PreviewRows
{
    /// <param name="content">The content, or its first characters.</param>
    /// <param name="complete">Whether <paramref name="content"/> is the whole content.</param>
    /// <param name="maxText">Each row's text is cut to this many characters.</param>
    public static IReadOnlyList<PreviewRow> FirstRows(TaskKind task, string format, string content, bool complete, int rows, int maxText)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(content);
        content = content.TrimStart('\uFEFF');
        // A partial content ends at its last line break: the line after it may go on past the end.
        if (!complete && content.LastIndexOf('\n') is var lastBreak and >= 0) content = content[..(lastBreak + 1)];
        var found = (task, format.Trim().ToLowerInvariant()) switch
        {
            (TaskKind.Sentiment, DatasetParser.Csv) => CsvRows(content),
            (TaskKind.Sentiment, DatasetParser.JsonLines) => JsonRows(content),
            _ => content.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Length > 0).Select(line => new PreviewRow(line, null)),
        };
        return found.Take(rows).Select(r => r.Text.Length > maxText ? r with { Text = r.Text[..maxText] } : r).ToList();
    }

    private static IEnumerable<PreviewRow> CsvRows(string content)
    {
        using var records = CsvRecords.Read(content).GetEnumerator();
        var header = true;
        while (true)
        {
            try
            {
                if (!records.MoveNext()) yield break;
            }
            catch (FormatException)
            {
                yield break; // a quoted field that goes on past the end of the partial content
            }
            if (header)
            {
                header = false;
                continue;
            }
            var fields = records.Current.Fields;
            yield return new PreviewRow(fields[0], fields[1].Trim() == "1" ? 1 : 0);
        }
    }

    private static IEnumerable<PreviewRow> JsonRows(string content)
    {
        foreach (var line in content.Split('\n'))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var document = JsonDocument.Parse(line);
            yield return new PreviewRow(document.RootElement.GetProperty("text").GetString()!, document.RootElement.GetProperty("label").GetInt32());
        }
    }
}
