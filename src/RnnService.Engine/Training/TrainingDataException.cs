namespace RnnService.Engine.Training;

/// <summary>The data cannot train the model (a corpus without lines, a text of one character); the message says why,
/// for the user who chose the dataset.</summary>
public sealed class TrainingDataException(string message) : ArgumentException(message);
