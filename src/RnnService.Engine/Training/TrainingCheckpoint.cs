using System.Text;
using System.Text.Json;
using RnnService.Engine.Models;

namespace RnnService.Engine.Training;

/// <summary>
/// The full state of a run after an epoch: weights, optimizer state, RNG state, early-stopping state
/// and history. Training resumed from it continues exactly as the uninterrupted run would have.
/// </summary>
public sealed class TrainingCheckpoint
{
    private const string Magic = "RNNCKPT1";

    public required int Epoch { get; init; }
    public required ModelConfig Config { get; init; }
    public required float[] Weights { get; init; }
    public required long OptimizerSteps { get; init; }
    public required IReadOnlyList<float[]> OptimizerState { get; init; }
    public required ulong[] RngState { get; init; }
    public required IReadOnlyList<EpochMetrics> History { get; init; }
    /// <summary>Best validation loss so far and the weights that reached it (early stopping).</summary>
    public double BestLoss { get; init; } = double.PositiveInfinity;
    public float[]? BestWeights { get; init; }
    public int EpochsSinceBest { get; init; }

    private sealed record Header(int Epoch, ModelConfig Config, long OptimizerSteps, ulong[] RngState,
        List<EpochMetrics> History, double? BestLoss, int EpochsSinceBest, int StateBuffers, bool HasBestWeights);

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Encoding.ASCII.GetBytes(Magic));
            var header = new Header(Epoch, Config, OptimizerSteps, RngState, [.. History],
                double.IsFinite(BestLoss) ? BestLoss : null, EpochsSinceBest, OptimizerState.Count, BestWeights != null);
            w.Write(JsonSerializer.Serialize(header, ModelConfig.JsonOptions));
            WriteFloats(w, Weights);
            foreach (var buffer in OptimizerState) WriteFloats(w, buffer);
            if (BestWeights != null) WriteFloats(w, BestWeights);
        }
        return stream.ToArray();
    }

    public static TrainingCheckpoint FromBytes(ReadOnlySpan<byte> bytes)
    {
        try
        {
            using var stream = new MemoryStream(bytes.ToArray());
            using var r = new BinaryReader(stream, Encoding.UTF8);
            if (Encoding.ASCII.GetString(r.ReadBytes(Magic.Length)) != Magic)
                throw new InvalidDataException("Not a training checkpoint.");
            var header = JsonSerializer.Deserialize<Header>(r.ReadString(), ModelConfig.JsonOptions)
                ?? throw new InvalidDataException("Checkpoint header is empty.");
            var weights = ReadFloats(r);
            var state = new List<float[]>();
            for (int i = 0; i < header.StateBuffers; i++) state.Add(ReadFloats(r));
            var best = header.HasBestWeights ? ReadFloats(r) : null;
            return new TrainingCheckpoint
            {
                Epoch = header.Epoch, Config = header.Config, Weights = weights, OptimizerSteps = header.OptimizerSteps,
                OptimizerState = state, RngState = header.RngState, History = header.History,
                BestLoss = header.BestLoss ?? double.PositiveInfinity, BestWeights = best, EpochsSinceBest = header.EpochsSinceBest,
            };
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or IOException)
        {
            throw new InvalidDataException($"The checkpoint is corrupt: {e.Message}", e);
        }
    }

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static float[] ReadFloats(BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n < 0 || (long)n * 4 > r.BaseStream.Length - r.BaseStream.Position) throw new InvalidDataException("Checkpoint buffer length is out of range.");
        var bytes = r.ReadBytes(n * 4);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
