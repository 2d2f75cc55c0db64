namespace RnnService.Engine.Models;

/// <summary>The recurrent cell a model stacks.</summary>
public enum Architecture { Lstm, Gru, Rnn }
