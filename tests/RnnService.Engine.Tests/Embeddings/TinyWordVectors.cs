using System.IO.Compression;
using System.Text;
using RnnService.Engine.Embeddings;

namespace RnnService.Engine.Tests.Embeddings;

/// <summary>Writes a small table in the engine's "RNNWV1" format (make_glove_table.py), so tests choose its words and values.</summary>
internal static class TinyWordVectors
{
    /// <summary>Row i of <paramref name="values"/> is stored as int8 with scale <paramref name="scales"/>[i]: it reads back as values[i][j] · scales[i].</summary>
    public static WordVectors Create(string[] words, sbyte[][] values, float[] scales)
    {
        using var raw = new MemoryStream();
        using (var gzip = new GZipStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new BinaryWriter(gzip))
        {
            var block = Encoding.UTF8.GetBytes(string.Join('\n', words));
            writer.Write("RNNWV1"u8);
            writer.Write(words.Length);
            writer.Write(values[0].Length);
            writer.Write(block.Length);
            writer.Write(block);
            foreach (float scale in scales) writer.Write(scale);
            foreach (var row in values) foreach (sbyte v in row) writer.Write(v);
        }
        raw.Position = 0;
        return WordVectors.Read("tiny", raw);
    }
}
