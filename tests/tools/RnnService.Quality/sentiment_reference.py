"""make_quality.py's sentiment side: the engine's classifier rebuilt in PyTorch (the same frozen pretrained rows
when the engine used them) trained on the engine's token ids, and the bag-of-words logistic regression baseline."""

import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from torch_training import clip_and_step, hp_seed, optimiser, train_early_stopping


class Classifier(nn.Module):
    """The engine's classifier: embedding (embedding dropout) -> LSTM (dropout between layers) -> pooling -> dropout -> head.
    With pretrained rows the embedding is nn.Embedding.from_pretrained(freeze=True) over the vocabulary's rows (the
    table's vector where it has the word, PyTorch's N(0, 1) initialisation otherwise) and the table rows that ids past
    the vocabulary read (renumbered V, V+1, ... by remap_ids)."""

    def __init__(self, V, hp, pretrained=None):
        super().__init__()
        self.bidirectional = hp.get("bidirectional", False)
        self.embedding = nn.Embedding(V, hp["embeddingSize"])
        if pretrained is not None:
            with torch.no_grad():
                for i, row in enumerate(pretrained["vocabularyRows"]):
                    if row is not None:
                        self.embedding.weight[i] = torch.tensor(row)
            rows = [self.embedding.weight.detach()] + [torch.tensor(pretrained["extensionRows"]).reshape(-1, hp["embeddingSize"])]
            self.embedding = nn.Embedding.from_pretrained(torch.cat(rows), freeze=True)
        self.embedding_dropout = nn.Dropout(hp.get("embeddingDropout", 0))
        self.rnn = nn.LSTM(hp["embeddingSize"], hp["hiddenSize"], num_layers=hp["layers"], batch_first=True,
                           dropout=hp["dropout"] if hp["layers"] > 1 else 0, bidirectional=self.bidirectional)
        self.head_dropout = nn.Dropout(hp["dropout"])
        self.head = nn.Linear(hp["hiddenSize"] * (2 if self.bidirectional else 1), 1)
        self.pooling = hp["pooling"]

    def forward(self, ids, lengths):
        return self.head(self.head_dropout(self.features(ids, lengths))).squeeze(1)

    def features(self, ids, lengths):
        packed = pack_padded_sequence(self.embedding_dropout(self.embedding(ids)), lengths, batch_first=True, enforce_sorted=False)
        out, (hn, _) = self.rnn(packed)
        if self.pooling == "last":
            return torch.cat([hn[-2], hn[-1]], 1) if self.bidirectional else hn[-1]
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
        real = (torch.arange(ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(2)
        if self.pooling == "mean":
            return out.sum(1) / lengths.unsqueeze(1).float()
        return out.masked_fill(~real, float("-inf")).max(1).values


def remap_ids(d):
    """Ids past the vocabulary (pretrained table rows) renumbered V, V+1, ... in the order of the extension rows."""
    p = d.get("pretrained")
    if p is None:
        return d
    V = d["vocabularySize"]
    index = {id_: V + k for k, id_ in enumerate(p["extensionIds"])}
    for split in ("train", "validation", "test"):
        for r in d[split]:
            r["ids"] = [index.get(i, i) for i in r["ids"]]
    return d


def batch(rows):
    lengths = torch.tensor([len(r["ids"]) for r in rows])
    ids = torch.zeros(len(rows), int(lengths.max()), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r["ids"])] = torch.tensor(r["ids"])
    return ids, lengths, torch.tensor([float(r["label"]) for r in rows])


def torch_sentiment(d, seed=None):
    hp = dict(d["hyperparameters"], seed=hp_seed(d, seed))
    torch.manual_seed(hp["seed"])
    model = Classifier(d["vocabularySize"], hp, d.get("pretrained"))
    opt = optimiser(model, hp)
    train, validation, test = d["train"], d["validation"], d["test"]

    def run_epoch():
        order = torch.randperm(len(train)).tolist()
        for s in range(0, len(order), hp["batchSize"]):
            ids, lengths, labels = batch([train[i] for i in order[s:s + hp["batchSize"]]])
            F.binary_cross_entropy_with_logits(model(ids, lengths), labels).backward()
            clip_and_step(model, opt, hp["clipNorm"])

    def validation_loss():
        ids, lengths, labels = batch(validation)
        return F.binary_cross_entropy_with_logits(model(ids, lengths), labels).item()

    clock = time.perf_counter()
    epochs, _ = train_early_stopping(model, hp, run_epoch, validation_loss)
    seconds = time.perf_counter() - clock
    with torch.no_grad():
        ids, lengths, labels = batch(test)
        accuracy = ((model(ids, lengths) >= 0).float() == labels).float().mean().item()
    return accuracy, seconds, epochs


def bag_of_words_baseline(d):
    """Binary bag-of-words logistic regression on the same token ids (the training vocabulary's; words only the
    pretrained table knows carry no weight); L2 strength chosen on the validation split."""
    V = d["vocabularySize"]

    def features(rows):
        x = torch.zeros(len(rows), V)
        for i, r in enumerate(rows):
            x[i, torch.tensor([t for t in r["ids"] if t < V] or [1])] = 1.0
        x[:, 1] = 0.0  # <unk> carries no word
        return x, torch.tensor([float(r["label"]) for r in rows])

    xt, yt = features(d["train"])
    xv, yv = features(d["validation"])
    xs, ys = features(d["test"])
    best = None
    for l2 in [1e-4, 1e-3, 1e-2, 3e-2, 1e-1]:
        torch.manual_seed(0)
        w = torch.zeros(V, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        opt = torch.optim.LBFGS([w, b], max_iter=200, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(xt @ w + b, yt) + l2 * (w * w).sum()
            loss.backward()
            return loss

        opt.step(closure)
        with torch.no_grad():
            val = ((xv @ w + b >= 0).float() == yv).float().mean().item()
            test = ((xs @ w + b >= 0).float() == ys).float().mean().item()
        if best is None or val > best[0]:
            best = (val, test, l2)
    return best[1], best[2]
