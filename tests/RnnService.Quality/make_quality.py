"""Makes docs/quality.md: each built-in dataset's default engine model next to a PyTorch model of the same size
trained the same way on the same split, and a simple baseline.

Run from the repository root with Debian's python3-torch (1.13.x):

    /usr/bin/python3 tests/RnnService.Quality/make_quality.py

It first runs the engine side (dotnet run -c Release --project tests/RnnService.Quality), which trains the
default models and writes their metrics, chosen settings and the exact token ids of every split; PyTorch then
trains on those ids (so both see the same vocabulary, truncation and splits) with the same sizes, pooling,
dropouts, optimiser, batch size, clipping, epoch budget and early stopping. Seeds differ between the two
(different RNGs), so a difference of a point or two on 200 sentences is noise.

It also reruns the cross-validation that chose the sentiment defaults (sentiment_cv.py: the same program with
--cv, 10 folds of the imdb-sentences training part, 5 seeds each, never the held-out fifth).
"""

import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sentiment_cv import ROOT, cross_validation, cv_section

torch.set_num_threads(2)


def engine_report():
    out = os.path.join(tempfile.mkdtemp(prefix="rnn-quality-"), "engine.json")
    subprocess.run(["dotnet", "run", "-c", "Release", "--project", os.path.join(ROOT, "tests", "RnnService.Quality"), "--", out],
                   check=True, cwd=ROOT)
    with open(out) as f:
        return json.load(f)


def clip_and_step(model, opt, clip):
    if clip > 0:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    opt.zero_grad()


def optimiser(model, hp):
    trained = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.AdamW(trained, lr=hp["learningRate"], weight_decay=hp["weightDecay"])


def hp_seed(d, seed):
    return d["hyperparameters"]["seed"] if seed is None else seed


def train_early_stopping(model, hp, run_epoch, validation_loss):
    """Up to hp epochs; with a patience, stop after that many epochs without a better validation loss and keep the best weights."""
    best, best_state, since = float("inf"), None, 0
    patience = hp.get("earlyStoppingPatience")
    epochs = 0
    for _ in range(hp["epochs"]):
        model.train()
        run_epoch()
        epochs += 1
        model.eval()
        with torch.no_grad():
            loss = validation_loss()
        if loss < best:
            best, since = loss, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            since += 1
        if patience is not None and since >= patience:
            break
    if patience is not None and best_state is not None:
        model.load_state_dict(best_state)
    return epochs, best


# ------------------------------------------------------------------ sentiment

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


# ------------------------------------------------------------------ char models

class CharModel(nn.Module):
    def __init__(self, V, hp):
        super().__init__()
        self.embedding = nn.Embedding(V, hp["embeddingSize"])
        self.rnn = nn.LSTM(hp["embeddingSize"], hp["hiddenSize"], num_layers=hp["layers"], batch_first=True)
        self.head = nn.Linear(hp["hiddenSize"], V)

    def forward(self, ids, state=None):
        out, state = self.rnn(self.embedding(ids), state)
        return self.head(out), state


def line_batch(lines):
    """Inputs line[:-1], targets line[1:]; pads are -100 targets (ignored)."""
    t = max(len(l) - 1 for l in lines)
    ids = torch.zeros(len(lines), t, dtype=torch.long)
    targets = torch.full((len(lines), t), -100, dtype=torch.long)
    for i, l in enumerate(lines):
        ids[i, :len(l) - 1] = torch.tensor(l[:-1])
        targets[i, :len(l) - 1] = torch.tensor(l[1:])
    return ids, targets


def torch_names(d):
    hp = d["hyperparameters"]
    torch.manual_seed(hp["seed"])
    V = d["vocabularySize"]
    model = CharModel(V, hp)
    opt = optimiser(model, hp)
    train, validation = d["train"], d["validation"]

    def run_epoch():
        order = torch.randperm(len(train)).tolist()
        for s in range(0, len(order), hp["batchSize"]):
            ids, targets = line_batch([train[i] for i in order[s:s + hp["batchSize"]]])
            logits, _ = model(ids)  # padded steps only feed ignored targets, so no packing is needed
            F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1)).backward()
            clip_and_step(model, opt, hp["clipNorm"])

    def validation_loss():
        total, count = 0.0, 0
        for s in range(0, len(validation), 256):
            ids, targets = line_batch(validation[s:s + 256])
            logits, _ = model(ids)
            total += F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), reduction="sum").item()
            count += int((targets >= 0).sum())
        return total / count

    clock = time.perf_counter()
    epochs, best = train_early_stopping(model, hp, run_epoch, validation_loss)
    return math.exp(best), time.perf_counter() - clock, epochs


def bigram_perplexity(train, validation, V):
    counts = torch.ones(V, V)  # add-one smoothing
    for l in train:
        for a, b in zip(l[:-1], l[1:]):
            counts[a, b] += 1
    logp = (counts / counts.sum(1, keepdim=True)).log()
    total, n = 0.0, 0
    for l in validation:
        for a, b in zip(l[:-1], l[1:]):
            total -= logp[a, b].item()
            n += 1
    return math.exp(total / n)


def torch_hamlet(d):
    hp = d["hyperparameters"]
    torch.manual_seed(hp["seed"])
    V, s = d["vocabularySize"], hp["sequenceLength"]
    model = CharModel(V, hp)
    opt = optimiser(model, hp)
    stream = torch.tensor(d["stream"])
    clock = time.perf_counter()
    for _ in range(hp["epochs"]):  # one stream, windows of s, state carried and detached (truncated BPTT)
        state = None
        for o in range(0, len(stream) - 1, s):
            ids, targets = stream[o:o + s], stream[o + 1:o + 1 + s]
            ids = ids[:len(targets)]
            logits, state = model(ids.unsqueeze(0), state)
            state = tuple(x.detach() for x in state)
            F.cross_entropy(logits[0], targets).backward()
            clip_and_step(model, opt, hp["clipNorm"])
    seconds = time.perf_counter() - clock
    return recite(lambda ids, st: model(ids, st), d), seconds, hp["epochs"]


def recite(step, d):
    with torch.no_grad():
        logits, state = step(torch.tensor([d["prompt"]]), None)
        correct = 0
        for want in d["expected"]:
            nxt = int(logits[0, -1].argmax())
            if nxt != want:
                break
            correct += 1
            logits, state = step(torch.tensor([[nxt]]), state)
    return correct


def bigram_recital(d):
    V = d["vocabularySize"]
    counts = torch.zeros(V, V)
    for a, b in zip(d["stream"][:-1], d["stream"][1:]):
        counts[a, b] += 1
    prev, correct = d["prompt"][-1], 0
    for want in d["expected"]:
        nxt = int(counts[prev].argmax())
        if nxt != want:
            break
        correct += 1
        prev = nxt
    return correct


def main():
    report = engine_report()
    cv = cross_validation()
    rows = []
    for name in ["imdb-sentences", "toy-sentiment"]:
        d = remap_ids(report[name])
        acc, secs, epochs = torch_sentiment(d)
        d["torchSeedAccuracies"] = [acc] + [torch_sentiment(d, d["hyperparameters"]["seed"] + k)[0] for k in range(1, len(d["seedAccuracies"]))]
        base, l2 = bag_of_words_baseline(d)
        rows.append((name, "accuracy on %d held-out sentences" % len(d["test"]), "%.3f" % d["value"], d["seconds"], d["epochsRun"],
                     "%.3f" % acc, secs, epochs, "%.3f (bag-of-words logistic regression, L2 %g chosen on validation)" % (base, l2), d))
    d = report["us-names"]
    ppl, secs, epochs = torch_names(d)
    rows.append(("us-names", "per-character perplexity on %d validation names (best epoch)" % len(d["validation"]),
                 "%.3f" % d["value"], d["seconds"], d["epochsRun"], "%.3f" % ppl, secs, epochs,
                 "%.3f (add-one smoothed character bigram)" % bigram_perplexity(d["train"], d["validation"], d["vocabularySize"]), d))
    d = report["hamlet"]
    correct, secs, epochs = torch_hamlet(d)
    rows.append(("hamlet", "characters recited greedily from \"To be, or not\" before the first mistake (of 100)", str(d["value"]),
                 d["seconds"], d["epochsRun"], str(correct), secs, epochs, "%d (most frequent next character)" % bigram_recital(d), d))
    write(rows, cv)


def write(rows, cv):
    lines = [
        "# Model quality with the defaults",
        "",
        "Made by `/usr/bin/python3 tests/RnnService.Quality/make_quality.py` (do not edit by hand). For each built-in",
        "dataset the engine trains its default model (`Hyperparameters.DefaultsFor(task, DataShape)`: what a user who",
        "gives only the data gets); PyTorch %s then trains a model of the same size the same way (same token ids," % torch.__version__,
        "splits, pooling, dropouts, optimiser, batch size, clipping, epoch budget and early stopping on the same validation",
        "split) and a simple baseline is fitted. imdb-sentences loses a fixed 20 % (seed 2026) before anything else;",
        "validation comes out of the rest (how its defaults were chosen without that fifth is below). toy-sentiment",
        "keeps the seeds' own 20 test sentences, on which the engine (and so PyTorch here) also validates, as it does for",
        "any dataset with its own test set. us-names is scored on its validation split (the issue's measure). Seeds and",
        "RNGs differ between the two sides, so a few points on 200 sentences are noise.",
        "",
        "Machine: %s, %d CPU threads visible, shared with other work while this ran (times are noisy)." % (platform.machine(), os.cpu_count()),
        "",
        "| dataset | metric | engine default | engine s (epochs) | PyTorch same model | PyTorch s (epochs) | baseline |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, metric, ev, es, ee, tv, ts, te, base, _ in rows:
        lines.append("| %s | %s | %s | %.1f (%d) | %s | %.1f (%d) | %s |" % (name, metric, ev, es, ee, tv, ts, te, base))
    imdb = rows[0][-1]
    seeds = imdb["seedAccuracies"]
    seed0 = imdb["hyperparameters"]["seed"]
    mean = sum(seeds) / len(seeds)
    torch_seeds = imdb["torchSeedAccuracies"]
    lines += ["", "Issue 12 asks for at least 0.80 on imdb-sentences' held-out fifth: %s (%.3f, the default job's seed %d)."
              % ("met" if imdb["value"] >= 0.80 else "not met", imdb["value"], seed0),
              "One run on 200 sentences is noisy, so after the defaults were chosen the held-out fifth also scored them with seeds",
              "%d-%d: engine %s (mean %.3f); PyTorch's same model %s (mean %.3f)." % (
                  seed0, seed0 + len(seeds) - 1, ", ".join("%.3f" % a for a in seeds), mean,
                  ", ".join("%.3f" % a for a in torch_seeds), sum(torch_seeds) / len(torch_seeds))]
    lines += ["", "Settings the defaults chose (JSON as the API shows them):", ""]
    for name, *_, d in rows:
        hp = {k: v for k, v in d["hyperparameters"].items()}
        lines.append("- **%s**: `%s`" % (name, json.dumps(hp, separators=(",", ":"))))
    lines += cv_section(cv)
    path = os.path.join(ROOT, "docs", "quality.md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
