using System.IO.MemoryMappedFiles;

namespace RnnService.Api.Infrastructure;

/// <summary>A request body copied to a temporary file (deleted on dispose) and mapped into memory: a large body is parsed
/// where it lies in the page cache, not from a heap buffer that doubles as it fills (System.Text.Json's async reading
/// kept about four copies of an 8 MB upload). The copy grows as bytes arrive, so a declared Content-Length reserves nothing.</summary>
public sealed class SpooledBody : IDisposable
{
    private readonly FileStream _file;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly unsafe byte* _start;

    private unsafe SpooledBody(FileStream file)
    {
        _file = file;
        Length = checked((int)file.Length);
        if (Length == 0) return; // an empty file cannot be mapped
        _map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _start);
        _start += _view.PointerOffset;
    }

    public int Length { get; }

    public unsafe ReadOnlySpan<byte> Bytes => Length == 0 ? [] : new(_start, Length);

    /// <summary>Reads <paramref name="body"/> to its end (the server's body-size limit still stops it).</summary>
    public static async Task<SpooledBody> ReadAsync(Stream body, CancellationToken ct)
    {
        var path = Path.Combine(Path.GetTempPath(), $"rnnservice-body-{Guid.NewGuid():N}");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await body.CopyToAsync(file, ct);
            return new SpooledBody(file);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
        _file.Dispose();
    }
}
