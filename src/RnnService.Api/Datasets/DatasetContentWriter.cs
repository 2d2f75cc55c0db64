using System.Buffers;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using RnnService.Api.Data;

namespace RnnService.Api.Datasets;

/// <summary>Stores an upload's content beside its dataset row, inside the caller's transaction.</summary>
public static class DatasetContentWriter
{
    private const int CharsPerPiece = 16 * 1024; // at most 3 UTF-8 bytes each

    /// <param name="utf8Bytes">The content's UTF-8 size (<see cref="Encoding.UTF8"/>'s count).</param>
    public static async Task InsertAsync(RnnDbContext db, string name, string content, long utf8Bytes, CancellationToken ct)
    {
        if (!db.Database.IsSqlite())
        {
            db.DatasetContents.Add(new DatasetContent { Name = name, Content = content });
            await db.SaveChangesAsync(ct);
            return;
        }
        // SQLite binds a string parameter through a UTF-8 copy of it on the heap (8 MB for an 8 MB upload). Instead the row
        // gets a zeroblob of the content's size, the content is encoded into it a piece at a time, and SQLite turns it into text.
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var transaction = (SqliteTransaction?)db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("The content is written inside the upload's transaction.");
        long rowId;
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """INSERT INTO "DatasetContents" ("Name", "Content") VALUES ($name, zeroblob($bytes)) RETURNING rowid""";
            insert.Parameters.AddWithValue("$name", name);
            insert.Parameters.AddWithValue("$bytes", utf8Bytes);
            rowId = (long)(await insert.ExecuteScalarAsync(ct))!;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(3 * CharsPerPiece);
        try
        {
            using var blob = new SqliteBlob(connection, "DatasetContents", "Content", rowId);
            var encoder = Encoding.UTF8.GetEncoder();
            for (var rest = content.AsSpan(); !rest.IsEmpty;)
            {
                var piece = rest[..Math.Min(rest.Length, CharsPerPiece)];
                encoder.Convert(piece, buffer, flush: piece.Length == rest.Length, out var used, out var written, out _);
                blob.Write(buffer, 0, written);
                rest = rest[used..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        await using var asText = connection.CreateCommand();
        asText.Transaction = transaction;
        asText.CommandText = """UPDATE "DatasetContents" SET "Content" = CAST("Content" AS TEXT) WHERE rowid = $rowId""";
        asText.Parameters.AddWithValue("$rowId", rowId);
        await asText.ExecuteNonQueryAsync(ct);
    }
}
