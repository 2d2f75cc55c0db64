using System.Text;

namespace RnnService.Engine.Data;

/// <summary>One CSV record: its fields and the 1-based line it starts on.</summary>
internal sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

/// <summary>
/// RFC 4180 record splitter: comma-separated fields; a field in double quotes may hold commas, line breaks
/// and "" for a literal quote. Line breaks are \n, \r\n or \r. Blank lines are skipped.
/// </summary>
internal static class CsvRecords
{
    /// <exception cref="FormatException">A quote is misplaced or never closed; the message names the line.</exception>
    public static IEnumerable<CsvRecord> Read(string content)
    {
        int line = 1;
        int i = 0;
        var field = new StringBuilder(); // one for all records: a builder per record was most of what parsing allocated
        while (i < content.Length)
        {
            int recordLine = line;
            var fields = new List<string>(2);
            field.Clear();
            bool recordEnded = false;
            bool anyContent = false;
            while (i < content.Length && !recordEnded)
            {
                char c = content[i];
                if (c == '"' && field.Length == 0)
                {
                    i = ReadQuoted(content, i + 1, field, ref line, recordLine);
                    anyContent = true;
                    // After a closing quote only a separator or the end of the record may follow.
                    if (i < content.Length && content[i] is not (',' or '\n' or '\r'))
                        throw new FormatException($"Line {line}: unexpected character after a closing quote.");
                    continue;
                }
                switch (c)
                {
                    case ',':
                        fields.Add(field.ToString());
                        field.Clear();
                        anyContent = true;
                        i++;
                        break;
                    case '\n' or '\r':
                        i += c == '\r' && i + 1 < content.Length && content[i + 1] == '\n' ? 2 : 1;
                        line++;
                        recordEnded = true;
                        break;
                    case '"':
                        throw new FormatException($"Line {line}: a quote inside an unquoted field (quote the field and double the quote).");
                    default:
                        field.Append(c);
                        anyContent = true;
                        i++;
                        break;
                }
            }
            if (!anyContent)
                continue;   // blank line
            fields.Add(field.ToString());
            yield return new CsvRecord(recordLine, fields);
        }
    }

    // Reads a quoted field's content starting just after the opening quote; returns the index after the closing quote.
    private static int ReadQuoted(string content, int i, StringBuilder field, ref int line, int recordLine)
    {
        while (i < content.Length)
        {
            char c = content[i];
            if (c == '"')
            {
                if (i + 1 < content.Length && content[i + 1] == '"')
                {
                    field.Append('"');
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            if (c == '\n' || (c == '\r' && !(i + 1 < content.Length && content[i + 1] == '\n')))
                line++;
            field.Append(c);
            i++;
        }
        throw new FormatException($"Line {recordLine}: a quoted field is never closed.");
    }
}
