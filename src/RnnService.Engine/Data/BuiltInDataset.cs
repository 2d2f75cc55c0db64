using RnnService.Engine.Models;

namespace RnnService.Engine.Data;

/// <summary>
/// A dataset shipped inside the engine. <see cref="Samples"/>: labelled sentences (train + test) for sentiment,
/// lines for a line-mode corpus, characters for continuous text. <see cref="Bytes"/>: size of the embedded file.
/// </summary>
public sealed record BuiltInDataset(string Name, TaskKind Task, string Description, int Samples, long Bytes);
