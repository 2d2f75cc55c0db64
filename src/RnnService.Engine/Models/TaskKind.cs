namespace RnnService.Engine.Models;

/// <summary>What a model does: classify sentences (binary sentiment) or predict the next character.</summary>
public enum TaskKind
{
    Sentiment,
    CharLm,
}
