namespace RnnService.Engine.Onnx;

/// <summary>The input, output and metadata names of an exported ONNX model.</summary>
public static class OnnxNames
{
    /// <summary>int64 [batch, sequence]: token ids, batch-first.</summary>
    public const string Tokens = "tokens";
    /// <summary>Sentiment, int32 [batch]: each sequence's real length (1..sequence); later positions are padding.</summary>
    public const string Lengths = "lengths";
    /// <summary>Sentiment, float [batch]: P(positive).</summary>
    public const string Probability = "probability";
    /// <summary>Char models, float [batch, sequence, vocabulary]: next-token logits after each position.</summary>
    public const string Logits = "logits";
    /// <summary>Char models, float [layers, batch, hidden]: optional start state (zeros when not fed).</summary>
    public const string InitialHidden = "initial_h";
    /// <summary>LSTM char models, float [layers, batch, hidden]: optional start cell state (zeros when not fed).</summary>
    public const string InitialCell = "initial_c";
    /// <summary>Char models, float [layers, batch, hidden]: the state after the last position, to feed back as initial_h.</summary>
    public const string FinalHidden = "final_h";
    /// <summary>LSTM char models, float [layers, batch, hidden]: the cell state to feed back as initial_c.</summary>
    public const string FinalCell = "final_c";

    /// <summary>metadata_props key: the model config as JSON (the same as the safetensors "config").</summary>
    public const string ConfigMetadata = "config";
    /// <summary>metadata_props key: the vocabulary as a JSON array of strings in id order.</summary>
    public const string VocabularyMetadata = "vocabulary";
    /// <summary>metadata_props key, models over pretrained embeddings: the table's words as a JSON array in row order. A
    /// word outside the vocabulary that is row r has id V + r; a word outside both ending in 's 'd 'll 're 've 'm reads the
    /// word before it; any other is &lt;unk&gt;.</summary>
    public const string PretrainedWordsMetadata = "pretrained_words";
    /// <summary>A model over pretrained embeddings: the table's rows [N, E] (dequantised from the int8 initializer
    /// pretrained_embeddings_int8 and the per-row pretrained_embeddings_scales), gathered after embedding.weight.</summary>
    public const string PretrainedEmbeddings = "pretrained_embeddings";
    /// <summary>metadata_props key: "sentiment" or "charlm".</summary>
    public const string TaskMetadata = "task";
}
