namespace RnnService.Engine.Models;

/// <summary>
/// How a classifier turns the top layer's outputs [T, B, H] into one vector per sequence, over each
/// sequence's real steps only: Last = the state at its last real token (PyTorch's h_n), Mean = the
/// average, Max = the element-wise maximum.
/// </summary>
public enum Pooling { Last, Mean, Max }
