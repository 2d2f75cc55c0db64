"""make_quality.py's char-model side: the engine's char LSTM in PyTorch on the engine's token ids (us-names
perplexity, Hamlet recital), and the baselines: an add-one smoothed character bigram and the most frequent next character."""

import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_training import clip_and_step, optimiser, train_early_stopping


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
