"""PyTorch golden files for the engine's model features (pooling, bidirectional layers, AdamW, frozen pretrained embeddings,
hidden sizes past one 8-lane vector, SGD steps under a clip that every step exceeds).

Run from the repository root with Debian's python3-torch (1.13.x):

    /usr/bin/python3 tests/RnnService.Engine.Tests/Golden/make_golden_features.py

It writes features_*.json beside itself, then reloads each file and recomputes it from the stored
inputs and parameters. Kept apart from make_golden.py so each script owns its own files.
Everything is float32, single-threaded and seeded; arrays are flat and row-major.
"""

import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(4321)
torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
ARCH_CLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


def flat(t):
    return [float(v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def write(name, obj):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %-32s %7d bytes" % (name, os.path.getsize(path)))


def load(name):
    with open(os.path.join(HERE, name)) as f:
        return json.load(f)


class PooledClassifier(nn.Module):
    """embedding -> RNN over the real steps -> pool (last / mean / max over real steps) -> linear.
    Bidirectional "last" reads cat(h_n[-2], h_n[-1]): the forward state at the last real token and the
    backward state at the first."""

    def __init__(self, arch, V, E, H, L, pooling, bidirectional=False):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = ARCH_CLS[arch](E, H, num_layers=L, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(2 * H if bidirectional else H, 1)
        self.pooling = pooling
        self.bidirectional = bidirectional

    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(self.embedding(tokens), torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        out, hn = self.rnn(packed)
        if isinstance(hn, tuple):
            hn = hn[0]
        if self.pooling == "last" and self.bidirectional:
            return self.head(torch.cat([hn[-2], hn[-1]], dim=1)).squeeze(1)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])  # [B, T, H], zeros past each length
        real = (torch.arange(tokens.shape[1]).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)).unsqueeze(2)
        if self.pooling == "mean":
            pooled = out.sum(dim=1) / torch.tensor(lengths, dtype=torch.float32).unsqueeze(1)
        elif self.pooling == "max":
            pooled = out.masked_fill(~real, float("-inf")).max(dim=1).values
        else:
            pooled = out[torch.arange(len(lengths)), torch.tensor(lengths) - 1]
        return self.head(pooled).squeeze(1)


POOLING_CASES = [("lstm", 1, "mean"), ("lstm", 2, "max"), ("gru", 2, "mean"), ("gru", 1, "max"), ("rnn", 1, "max")]
BIDIRECTIONAL_CASES = [("lstm", 1, "last", True), ("lstm", 2, "last", True), ("gru", 1, "last", True), ("gru", 2, "mean", True),
                       ("rnn", 2, "max", True)]


# Hidden sizes 19 = 2·8 + 3 and 37 = 4·8 + 5: the layers' 8-lane loops and their scalar tails.
WIDE_CASES = [("lstm", 2, "last", True, 19), ("lstm", 2, "mean", True, 37), ("gru", 2, "max", True, 19), ("gru", 2, "last", True, 37)]


def pooling_name(arch, layers, pooling, bidirectional=False, hidden=5):
    if hidden != 5:
        return "features_bidirectional_%s_%s_l%d_h%d.json" % (pooling, arch, layers, hidden)
    if bidirectional:
        return "features_bidirectional_%s_%s_l%d.json" % (pooling, arch, layers)
    return "features_pooling_%s_%s_l%d.json" % (pooling, arch, layers)


def run_pooling(d):
    m = PooledClassifier(d["arch"], d["vocab_size"], d["embedding_size"], d["hidden_size"], d["layers"], d["pooling"],
                         d.get("bidirectional", False))
    m.load_state_dict({k: torch.tensor(v).reshape(m.state_dict()[k].shape) for k, v in d["params"].items()})
    tokens = torch.tensor(d["tokens"]).reshape(d["batch"], d["seq_len"])
    logits = m(tokens, d["lengths"])
    loss = F.binary_cross_entropy_with_logits(logits, torch.tensor(d["labels"]))
    loss.backward()
    return m, logits, loss


def make_pooling(arch, layers, pooling, bidirectional=False, hidden=5):
    V, E, H, B, T, lengths = 11, 6, hidden, 3, 6, [6, 4, 2]
    m = PooledClassifier(arch, V, E, H, layers, pooling, bidirectional)
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-0.5, 0.5)
    tokens = torch.randint(1, V, (B, T))
    tokens = tokens * (torch.arange(T).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)).long()
    d = {"arch": arch, "layers": layers, "pooling": pooling, "bidirectional": bidirectional, "vocab_size": V, "embedding_size": E, "hidden_size": H,
         "batch": B, "seq_len": T, "lengths": lengths, "tokens": [int(x) for x in tokens.reshape(-1)],
         "labels": [1.0, 0.0, 1.0], "params": {k: flat(v) for k, v in m.state_dict().items()}}
    m, logits, loss = run_pooling(d)
    d["logits"] = flat(logits)
    d["loss"] = float(loss.item())
    d["grads"] = {k: flat(p.grad) for k, p in m.named_parameters()}
    write(pooling_name(arch, layers, pooling, bidirectional, hidden), d)


def verify_pooling(arch, layers, pooling, bidirectional=False, hidden=5):
    d = load(pooling_name(arch, layers, pooling, bidirectional, hidden))
    m, logits, loss = run_pooling(d)
    assert torch.allclose(logits, torch.tensor(d["logits"]), atol=1e-6)
    for k, p in m.named_parameters():
        assert torch.allclose(p.grad.reshape(-1), torch.tensor(d["grads"][k]), atol=1e-6), k
    print("verified", pooling_name(arch, layers, pooling, bidirectional, hidden))


def make_adamw():
    n, steps = 37, 4
    p0 = torch.randn(n)
    grads = [torch.randn(n) for _ in range(steps)]
    p = p0.clone().requires_grad_(True)
    opt = torch.optim.AdamW([p], lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
    after = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        after.append(flat(p))
    write("features_adamw.json", {"lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1,
                                   "p0": flat(p0), "grads": [flat(g) for g in grads], "after": after})


def verify_adamw():
    d = load("features_adamw.json")
    p = torch.tensor(d["p0"]).requires_grad_(True)
    opt = torch.optim.AdamW([p], lr=d["lr"], betas=(d["beta1"], d["beta2"]), eps=d["eps"], weight_decay=d["weight_decay"])
    for g, expected in zip(d["grads"], d["after"]):
        p.grad = torch.tensor(g)
        opt.step()
        assert torch.equal(p.detach(), torch.tensor(expected))
    print("verified features_adamw.json")


def run_frozen(d):
    """nn.Embedding.from_pretrained(freeze=True) over the model's rows followed by the shared table's (ids >= V read the
    table), max pooling, AdamW steps after clip_grad_norm_ over model.parameters() (the frozen weight has no grad)."""
    V, E, H = d["vocab_size"], d["embedding_size"], d["hidden_size"]
    table = torch.tensor(d["table_int8"], dtype=torch.float32).reshape(-1, E) * torch.tensor(d["table_scales"]).unsqueeze(1)
    m = PooledClassifier("lstm", V, E, H, 1, "max")
    m.load_state_dict({k: torch.tensor(v).reshape(m.state_dict()[k].shape) for k, v in d["params"].items()})
    m.embedding = nn.Embedding.from_pretrained(torch.cat([m.embedding.weight.detach(), table]), freeze=True)
    opt = torch.optim.AdamW(m.parameters(), lr=d["lr"], weight_decay=d["weight_decay"])
    tokens = torch.tensor(d["tokens"]).reshape(d["batch"], d["seq_len"])
    logits, after = [], []
    for _ in range(d["steps"]):
        out = m(tokens, d["lengths"])
        logits.append(flat(out))
        F.binary_cross_entropy_with_logits(out, torch.tensor(d["labels"])).backward()
        nn.utils.clip_grad_norm_(m.parameters(), d["clip"])
        opt.step()
        opt.zero_grad()
        after.append({k: flat(v) for k, v in m.state_dict().items() if k != "embedding.weight"})
    return logits, after


def make_frozen():
    V, E, H, B, T, lengths = 7, 4, 3, 3, 5, [5, 3, 2]
    m = PooledClassifier("lstm", V, E, H, 1, "max")
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-0.5, 0.5)
    table_int8 = torch.randint(-127, 128, (4, E))
    tokens = torch.randint(1, V + 4, (B, T))
    tokens = tokens * (torch.arange(T).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)).long()
    d = {"vocab_size": V, "embedding_size": E, "hidden_size": H, "batch": B, "seq_len": T, "lengths": lengths,
         "tokens": [int(x) for x in tokens.reshape(-1)], "labels": [1.0, 0.0, 1.0], "lr": 0.05, "weight_decay": 0.1, "clip": 0.5,
         "steps": 3, "table_int8": [int(x) for x in table_int8.reshape(-1)], "table_scales": [0.01, 0.004, 0.02, 0.008],
         "params": {k: flat(v) for k, v in m.state_dict().items()}}
    d["logits"], d["after"] = run_frozen(d)
    write("features_frozen_embedding.json", d)


def verify_frozen():
    d = load("features_frozen_embedding.json")
    logits, after = run_frozen(d)
    assert logits == d["logits"] and after == d["after"]
    print("verified features_frozen_embedding.json")


def run_sgd_clip(d):
    """SGD with momentum after clip_grad_norm_ over every parameter (the embedding trains): the returned total norms
    are all above the clip, so each step is scaled by one global factor."""
    m = PooledClassifier("gru", d["vocab_size"], d["embedding_size"], d["hidden_size"], 2, "last")
    m.load_state_dict({k: torch.tensor(v).reshape(m.state_dict()[k].shape) for k, v in d["params"].items()})
    opt = torch.optim.SGD(m.parameters(), lr=d["lr"], momentum=d["momentum"])
    tokens = torch.tensor(d["tokens"]).reshape(d["batch"], d["seq_len"])
    logits, norms, after = [], [], []
    for _ in range(d["steps"]):
        out = m(tokens, d["lengths"])
        logits.append(flat(out))
        F.binary_cross_entropy_with_logits(out, torch.tensor(d["labels"])).backward()
        norms.append(float(nn.utils.clip_grad_norm_(m.parameters(), d["clip"])))
        opt.step()
        opt.zero_grad()
        after.append({k: flat(v) for k, v in m.state_dict().items()})
    return logits, norms, after


def make_sgd_clip():
    V, E, H, B, T, lengths = 9, 4, 6, 4, 5, [5, 3, 1, 4]
    m = PooledClassifier("gru", V, E, H, 2, "last")
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-0.5, 0.5)
    tokens = torch.randint(1, V, (B, T))
    tokens = tokens * (torch.arange(T).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)).long()
    d = {"vocab_size": V, "embedding_size": E, "hidden_size": H, "batch": B, "seq_len": T, "lengths": lengths,
         "tokens": [int(x) for x in tokens.reshape(-1)], "labels": [1.0, 0.0, 0.0, 1.0], "lr": 0.5, "momentum": 0.9, "clip": 0.02,
         "steps": 4, "params": {k: flat(v) for k, v in m.state_dict().items()}}
    d["logits"], d["total_norms"], d["after"] = run_sgd_clip(d)
    assert min(d["total_norms"]) > 2 * d["clip"], d["total_norms"]
    write("features_sgd_clip.json", d)


def verify_sgd_clip():
    d = load("features_sgd_clip.json")
    assert run_sgd_clip(d) == (d["logits"], d["total_norms"], d["after"])
    print("verified features_sgd_clip.json")


if __name__ == "__main__":
    for case in POOLING_CASES:
        make_pooling(*case)
    make_adamw()
    for case in BIDIRECTIONAL_CASES:  # after the existing cases, so their files stay byte for byte the same
        make_pooling(*case)
    make_frozen()  # after the cases above, for the same reason
    for case in WIDE_CASES:
        make_pooling(*case)
    make_sgd_clip()
    for case in POOLING_CASES + BIDIRECTIONAL_CASES + WIDE_CASES:
        verify_pooling(*case)
    verify_adamw()
    verify_frozen()
    verify_sgd_clip()
