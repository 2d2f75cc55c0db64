"""Generate PyTorch golden files for the RnnService engine tests.

Run from the repository root with Debian's python3-torch (1.13.x):

    /usr/bin/python3 tests/RnnService.Engine.Tests/Golden/make_golden.py

It writes the *.json golden files beside itself (into
tests/RnnService.Engine.Tests/Golden/), then reloads every file and checks it
(recomputes forward/backward from the stored inputs and parameters, and
cross-checks the recurrent layers against an independent hand-written
step-by-step implementation with per-sequence lengths).

Everything is float32, single-threaded and seeded, so re-running reproduces
the same files. All arrays are flat, row-major; see README.md for the layouts.
"""

import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(1234)
torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)

HERE = os.path.dirname(os.path.abspath(__file__))

ARCH_CLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


# ----------------------------------------------------------------- helpers

def flat(t):
    """Flat row-major list of Python floats (exact float32 values)."""
    return [float(v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def flat_int(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def write(name, obj):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    size = os.path.getsize(path)
    assert size < 300 * 1024, (name, size)
    print("wrote %-28s %7d bytes" % (name, size))


def load(name):
    with open(os.path.join(HERE, name)) as f:
        return json.load(f)


def T(lst, *shape):
    return torch.tensor(lst, dtype=torch.float32).reshape(*shape)


def rerandomize(module):
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.5, 0.5)


def pad_mask(lengths, seq_len):
    """[B, T] float mask: 1 at real positions, 0 at pads."""
    t = torch.arange(seq_len).unsqueeze(0)
    return (t < torch.tensor(lengths).unsqueeze(1)).to(torch.float32)


def close(a, b, tol=1e-5, what=""):
    a = torch.as_tensor(a, dtype=torch.float32).reshape(-1)
    b = torch.as_tensor(b, dtype=torch.float32).reshape(-1)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    err = (a - b).abs().max().item() if a.numel() else 0.0
    # Scaled by the tensor once its values exceed 1 (the long batch sums 320 rows into each weight gradient).
    scale = max(1.0, b.abs().max().item()) if b.numel() else 1.0
    assert err <= tol * scale, "%s: max abs diff %g (scale %g)" % (what, err, scale)


def run_rnn_packed(rnn, x, lengths, hx):
    """Run rnn over a batch_first padded batch using packing; returns padded output and final state."""
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out, hn = rnn(packed, hx)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out, hn


# ----------------------------------- independent reference (no packing, no cuDNN)

def manual_rnn(arch, params, x, lengths, h0, c0=None):
    """Step-by-step reference with per-sequence lengths. Returns out [B,T,H], h_n, c_n."""
    B, Tn, _ = x.shape
    L = h0.shape[0]
    mask = pad_mask(lengths, Tn)
    inp = x
    hs, cs = [], []
    for l in range(L):
        w_ih = params["weight_ih_l%d" % l]
        w_hh = params["weight_hh_l%d" % l]
        b_ih = params["bias_ih_l%d" % l]
        b_hh = params["bias_hh_l%d" % l]
        h = h0[l]
        c = c0[l] if c0 is not None else None
        outs = []
        for t in range(Tn):
            xt = inp[:, t]
            gi = xt @ w_ih.t() + b_ih
            gh = h @ w_hh.t() + b_hh
            if arch == "lstm":
                i, f, g, o = (gi + gh).chunk(4, 1)
                i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
                c_new = f * c + i * g
                h_new = o * torch.tanh(c_new)
            elif arch == "gru":
                ir, iz, inn = gi.chunk(3, 1)
                hr, hz, hn_ = gh.chunk(3, 1)
                r = torch.sigmoid(ir + hr)
                z = torch.sigmoid(iz + hz)
                n = torch.tanh(inn + r * hn_)
                h_new = (1 - z) * n + z * h
                c_new = None
            else:
                h_new = torch.tanh(gi + gh)
                c_new = None
            m = mask[:, t].unsqueeze(1)
            h = m * h_new + (1 - m) * h
            if c is not None:
                c = m * c_new + (1 - m) * c
            outs.append(m * h)
        inp = torch.stack(outs, 1)
        hs.append(h)
        if c is not None:
            cs.append(c)
    return inp, torch.stack(hs), (torch.stack(cs) if cs else None)


# ------------------------------------------------------------ 1. layers

I, H, B, SEQ, LENS = 5, 4, 3, 6, [6, 4, 2]
# Long batch: T·B = 320 rows >= RecurrentLayer.TransposedWeightGradientRows (256), the path char-model
# training takes for its weight gradients.
LONG_I, LONG_H, LONG_B, LONG_SEQ, LONG_LENS = 3, 4, 8, 40, [40, 33, 40, 7, 1, 40, 20, 39]


def layer_file(arch, L, long=False):
    return "%s_long.json" % arch if long else "%s_l%d.json" % (arch, L)


def make_layer(arch, L, long=False):
    if long:
        I, H, B, SEQ, LENS = LONG_I, LONG_H, LONG_B, LONG_SEQ, LONG_LENS
    else:
        I, H, B, SEQ, LENS = globals()["I"], globals()["H"], globals()["B"], globals()["SEQ"], globals()["LENS"]
    rnn = ARCH_CLS[arch](I, H, num_layers=L, batch_first=True)
    rerandomize(rnn)
    mask = pad_mask(LENS, SEQ)
    x = torch.randn(B, SEQ, I)
    h0 = torch.randn(L, B, H) * 0.5
    c0 = torch.randn(L, B, H) * 0.5 if arch == "lstm" else None
    dout = torch.randn(B, SEQ, H) * mask.unsqueeze(2)
    dh_n = torch.randn(L, B, H)
    dc_n = torch.randn(L, B, H) if arch == "lstm" else None

    x.requires_grad_(True)
    h0.requires_grad_(True)
    if c0 is not None:
        c0.requires_grad_(True)
    out, hn = run_rnn_packed(rnn, x, LENS, (h0, c0) if arch == "lstm" else h0)
    if arch == "lstm":
        h_n, c_n = hn
    else:
        h_n, c_n = hn, None
    loss = (out * dout).sum() + (h_n * dh_n).sum()
    if c_n is not None:
        loss = loss + (c_n * dc_n).sum()
    loss.backward()

    d = {"arch": arch, "input_size": I, "hidden_size": H, "layers": L, "batch": B,
         "seq_len": SEQ, "lengths": LENS, "x": flat(x), "h0": flat(h0)}
    if c0 is not None:
        d["c0"] = flat(c0)
    d["params"] = {k: flat(v) for k, v in rnn.state_dict().items()}
    d["dout"] = flat(dout)
    d["dh_n"] = flat(dh_n)
    if dc_n is not None:
        d["dc_n"] = flat(dc_n)
    d["output"] = flat(out)
    d["h_n"] = flat(h_n)
    if c_n is not None:
        d["c_n"] = flat(c_n)
    grads = {"x": flat(x.grad), "h0": flat(h0.grad)}
    if c0 is not None:
        grads["c0"] = flat(c0.grad)
    for k, p in rnn.named_parameters():
        grads[k] = flat(p.grad)
    d["grads"] = grads
    write(layer_file(arch, L, long), d)


def verify_layer(arch, L, long=False):
    d = load(layer_file(arch, L, long))
    Ii, Hh, Bb, Tn, lens = d["input_size"], d["hidden_size"], d["batch"], d["seq_len"], d["lengths"]
    G = GATES[arch]
    assert len(d["params"]) == 4 * L
    for l in range(L):
        il = Ii if l == 0 else Hh
        assert len(d["params"]["weight_ih_l%d" % l]) == G * Hh * il
        assert len(d["params"]["weight_hh_l%d" % l]) == G * Hh * Hh
    mask = pad_mask(lens, Tn)
    is_lstm = arch == "lstm"

    # (a) re-run torch from the file
    rnn = ARCH_CLS[arch](Ii, Hh, num_layers=L, batch_first=True)
    sd = {k: T(v, *rnn.state_dict()[k].shape) for k, v in d["params"].items()}
    rnn.load_state_dict(sd)
    x = T(d["x"], Bb, Tn, Ii).requires_grad_(True)
    h0 = T(d["h0"], L, Bb, Hh).requires_grad_(True)
    c0 = T(d["c0"], L, Bb, Hh).requires_grad_(True) if is_lstm else None
    dout = T(d["dout"], Bb, Tn, Hh)
    assert (dout * (1 - mask).unsqueeze(2)).abs().sum() == 0
    dh_n = T(d["dh_n"], L, Bb, Hh)
    dc_n = T(d["dc_n"], L, Bb, Hh) if is_lstm else None
    out, hn = run_rnn_packed(rnn, x, lens, (h0, c0) if is_lstm else h0)
    h_n, c_n = hn if is_lstm else (hn, None)
    close(out, d["output"], 0, "output")
    close(h_n, d["h_n"], 0, "h_n")
    if is_lstm:
        close(c_n, d["c_n"], 0, "c_n")
    assert (out * (1 - mask).unsqueeze(2)).abs().sum() == 0, "pad outputs not zero"

    # (b) independent step-by-step reference incl. gradients
    params = {k: v.clone().requires_grad_(True) for k, v in sd.items()}
    x2 = x.detach().clone().requires_grad_(True)
    h02 = h0.detach().clone().requires_grad_(True)
    c02 = c0.detach().clone().requires_grad_(True) if is_lstm else None
    out2, hn2, cn2 = manual_rnn(arch, params, x2, lens, h02, c02)
    close(out2, d["output"], 1e-5, "manual output")
    close(hn2, d["h_n"], 1e-5, "manual h_n")
    loss = (out2 * dout).sum() + (hn2 * dh_n).sum()
    if is_lstm:
        close(cn2, d["c_n"], 1e-5, "manual c_n")
        loss = loss + (cn2 * dc_n).sum()
    loss.backward()
    g = d["grads"]
    close(x2.grad, g["x"], 1e-5, "grad x")
    close(h02.grad, g["h0"], 1e-5, "grad h0")
    if is_lstm:
        close(c02.grad, g["c0"], 1e-5, "grad c0")
    for k in params:
        close(params[k].grad, g[k], 1e-5, "grad " + k)
    assert set(g) == set(params) | {"x", "h0"} | ({"c0"} if is_lstm else set())
    # pad positions of x get zero gradient
    gx = T(g["x"], Bb, Tn, Ii)
    assert (gx * (1 - mask).unsqueeze(2)).abs().sum() == 0
    print("verified " + layer_file(arch, L, long))


# ------------------------------------------------------------ 2. models

class Sentiment(nn.Module):
    def __init__(self, arch, V, E, Hh, L):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = ARCH_CLS[arch](E, Hh, num_layers=L, batch_first=True)
        self.head = nn.Linear(Hh, 1)
        self.arch = arch

    def forward(self, tokens, lengths):
        e = self.embedding(tokens)
        packed = pack_padded_sequence(e, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        _, hn = self.rnn(packed)  # h0 = zeros
        h = hn[0] if self.arch == "lstm" else hn
        return self.head(h[-1]).squeeze(1)


class CharLM(nn.Module):
    def __init__(self, arch, V, E, Hh, L=1):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = ARCH_CLS[arch](E, Hh, num_layers=L, batch_first=True)
        self.head = nn.Linear(Hh, V)

    def forward(self, tokens, lengths):
        e = self.embedding(tokens)
        packed = pack_padded_sequence(e, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)  # h0 = zeros
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])
        return self.head(out)  # [B, T, V]


def random_tokens(V, Bb, Tn, lens):
    tok = torch.randint(1, V, (Bb, Tn))
    return tok * pad_mask(lens, Tn).to(torch.long)  # pads -> id 0


def model_dict(model, kind, arch, V, E, Hh, L, Bb, Tn, lens, tokens):
    return {"arch": arch, "vocab_size": V, "embedding_size": E, "hidden_size": Hh, "layers": L,
            "batch": Bb, "seq_len": Tn, "lengths": lens, "tokens": flat_int(tokens)}


def make_sentiment(arch):
    V, E, Hh, L, Bb, Tn, lens = 11, 6, 5, 2, 4, 7, [7, 5, 3, 1]
    m = Sentiment(arch, V, E, Hh, L)
    rerandomize(m)
    tokens = random_tokens(V, Bb, Tn, lens)
    labels = torch.tensor([1.0, 0.0, 0.0, 1.0])
    logits = m(tokens, lens)
    loss = F.binary_cross_entropy_with_logits(logits, labels)
    loss.backward()
    d = model_dict(m, "sentiment", arch, V, E, Hh, L, Bb, Tn, lens, tokens)
    d["labels"] = flat(labels)
    d["params"] = {k: flat(v) for k, v in m.state_dict().items()}
    d["logits"] = flat(logits)
    d["loss"] = float(loss.item())
    d["grads"] = {k: flat(p.grad) for k, p in m.named_parameters()}
    write("model_sentiment_%s.json" % arch, d)


def charlm_file(arch, L):
    return "model_charlm_%s%s.json" % (arch, "" if L == 1 else "_l%d" % L)


def make_charlm(arch, L=1):
    V, E, Hh, Bb, Tn, lens = 9, 6, 5, 3, 6, [6, 4, 3]
    m = CharLM(arch, V, E, Hh, L)
    rerandomize(m)
    tokens = random_tokens(V, Bb, Tn, lens)
    mask = pad_mask(lens, Tn)
    targets = torch.randint(0, V, (Bb, Tn))
    targets = torch.where(mask > 0, targets, torch.full_like(targets, -100))
    logits = m(tokens, lens)
    loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), ignore_index=-100, reduction="mean")
    loss.backward()
    d = model_dict(m, "charlm", arch, V, E, Hh, L, Bb, Tn, lens, tokens)
    d["targets"] = [t if t >= 0 else -1 for t in flat_int(targets)]
    d["params"] = {k: flat(v) for k, v in m.state_dict().items()}
    d["logits"] = flat(logits * mask.unsqueeze(2))
    d["loss"] = float(loss.item())
    d["grads"] = {k: flat(p.grad) for k, p in m.named_parameters()}
    write(charlm_file(arch, L), d)


def load_model(m, d):
    sd = {k: T(v, *m.state_dict()[k].shape) for k, v in d["params"].items()}
    assert set(sd) == set(m.state_dict())
    m.load_state_dict(sd)


def manual_embed_rnn(arch, d, prefix, Hh, L):
    """Independent forward (embedding + manual recurrence) with grad-tracking params."""
    params = {k: T(v, -1).clone() for k, v in d["params"].items()}
    Bb, Tn = d["batch"], d["seq_len"]
    V, E = d["vocab_size"], d["embedding_size"]
    P = {}
    P["embedding.weight"] = params["embedding.weight"].reshape(V, E).requires_grad_(True)
    G = GATES[arch]
    rp = {}
    for l in range(L):
        il = E if l == 0 else Hh
        for nm, shp in (("weight_ih", (G * Hh, il)), ("weight_hh", (G * Hh, Hh)),
                        ("bias_ih", (G * Hh,)), ("bias_hh", (G * Hh,))):
            k = "%s_l%d" % (nm, l)
            P["rnn." + k] = params["rnn." + k].reshape(*shp).requires_grad_(True)
            rp[k] = P["rnn." + k]
    tokens = torch.tensor(d["tokens"]).reshape(Bb, Tn)
    x = P["embedding.weight"][tokens]
    h0 = torch.zeros(L, Bb, Hh)
    c0 = torch.zeros(L, Bb, Hh) if arch == "lstm" else None
    out, hn, _ = manual_rnn(arch, rp, x, d["lengths"], h0, c0)
    return P, params, out, hn


def verify_sentiment(arch):
    d = load("model_sentiment_%s.json" % arch)
    V, E, Hh, L, Bb, Tn, lens = (d["vocab_size"], d["embedding_size"], d["hidden_size"], d["layers"],
                                 d["batch"], d["seq_len"], d["lengths"])
    tokens = torch.tensor(d["tokens"]).reshape(Bb, Tn)
    assert (tokens * (1 - pad_mask(lens, Tn)).long()).sum() == 0
    labels = torch.tensor(d["labels"])
    m = Sentiment(arch, V, E, Hh, L)
    load_model(m, d)
    logits = m(tokens, lens)
    loss = F.binary_cross_entropy_with_logits(logits, labels)
    close(logits, d["logits"], 0, "logits")
    assert float(loss.item()) == d["loss"]
    # independent reference
    P, params, out, hn = manual_embed_rnn(arch, d, "rnn.", Hh, L)
    P["head.weight"] = params["head.weight"].reshape(1, Hh).requires_grad_(True)
    P["head.bias"] = params["head.bias"].reshape(1).requires_grad_(True)
    lg = (hn[-1] @ P["head.weight"].t() + P["head.bias"]).squeeze(1)
    # BCE with logits written out by hand: mean(max(z,0) - z*y + log(1+exp(-|z|)))
    l2 = (lg.clamp(min=0) - lg * labels + torch.log1p(torch.exp(-lg.abs()))).mean()
    close(lg, d["logits"], 1e-5, "manual logits")
    assert abs(l2.item() - d["loss"]) < 1e-5
    l2.backward()
    assert set(P) == set(d["grads"])
    for k in P:
        close(P[k].grad, d["grads"][k], 1e-5, "grad " + k)
    # pad token rows untouched: embedding row 0 gradient only from real id-0 tokens (none: ids >= 1)
    close(T(d["grads"]["embedding.weight"], V, E)[0], torch.zeros(E), 0, "pad row grad")
    print("verified model_sentiment_%s.json" % arch)


def verify_charlm(arch, L=1):
    d = load(charlm_file(arch, L))
    V, E, Hh, Bb, Tn, lens = (d["vocab_size"], d["embedding_size"], d["hidden_size"],
                              d["batch"], d["seq_len"], d["lengths"])
    assert d["layers"] == L
    tokens = torch.tensor(d["tokens"]).reshape(Bb, Tn)
    mask = pad_mask(lens, Tn)
    targets = torch.tensor(d["targets"]).reshape(Bb, Tn)
    assert ((targets == -1) == (mask == 0)).all()
    t100 = torch.where(targets >= 0, targets, torch.full_like(targets, -100))
    m = CharLM(arch, V, E, Hh, L)
    load_model(m, d)
    logits = m(tokens, lens)
    loss = F.cross_entropy(logits.reshape(-1, V), t100.reshape(-1), ignore_index=-100)
    close(logits * mask.unsqueeze(2), d["logits"], 0, "logits")
    assert float(loss.item()) == d["loss"]
    # independent reference: manual recurrence + hand-written log-softmax over real positions
    P, params, out, _ = manual_embed_rnn(arch, d, "rnn.", Hh, L)
    P["head.weight"] = params["head.weight"].reshape(V, Hh).requires_grad_(True)
    P["head.bias"] = params["head.bias"].reshape(V).requires_grad_(True)
    lg = out @ P["head.weight"].t() + P["head.bias"]
    close(lg * mask.unsqueeze(2), d["logits"], 1e-5, "manual logits")
    mx = lg.max(2, keepdim=True).values.detach()
    lse = torch.log(torch.exp(lg - mx).sum(2)) + mx.squeeze(2)
    picked = lg.gather(2, targets.clamp(min=0).unsqueeze(2)).squeeze(2)
    l2 = ((lse - picked) * mask).sum() / mask.sum()
    assert abs(l2.item() - d["loss"]) < 1e-5
    l2.backward()
    assert set(P) == set(d["grads"])
    for k in P:
        close(P[k].grad, d["grads"][k], 1e-5, "grad " + k)
    print("verified " + charlm_file(arch, L))


# ------------------------------------------------------------ 3. optimizers

def make_optim(kind):
    p = nn.Parameter(torch.randn(10))
    p0 = p.detach().clone()
    grads = [torch.randn(10) for _ in range(3)]
    if kind == "adam":
        opt = torch.optim.Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
        d = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    else:
        opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0, nesterov=False)
        d = {"lr": 0.1, "momentum": 0.9}
    after = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        after.append(flat(p))
    d.update({"p0": flat(p0), "grads": [flat(g) for g in grads], "after": after})
    write("optim_%s.json" % ("adam" if kind == "adam" else "sgd_momentum"), d)


def verify_optim(kind):
    d = load("optim_%s.json" % ("adam" if kind == "adam" else "sgd_momentum"))
    p = nn.Parameter(torch.tensor(d["p0"]))
    if kind == "adam":
        opt = torch.optim.Adam([p], lr=d["lr"], betas=(d["beta1"], d["beta2"]), eps=d["eps"])
    else:
        opt = torch.optim.SGD([p], lr=d["lr"], momentum=d["momentum"])
    # hand-written reference in float64, must agree to float32 rounding
    q = torch.tensor(d["p0"], dtype=torch.float64)
    m = torch.zeros(10, dtype=torch.float64)
    v = torch.zeros(10, dtype=torch.float64)
    for step, (g, a) in enumerate(zip(d["grads"], d["after"]), 1):
        p.grad = torch.tensor(g)
        opt.step()
        close(p, a, 0, "after step %d" % step)
        gd = torch.tensor(g, dtype=torch.float64)
        if kind == "adam":
            m = d["beta1"] * m + (1 - d["beta1"]) * gd
            v = d["beta2"] * v + (1 - d["beta2"]) * gd * gd
            mhat = m / (1 - d["beta1"] ** step)
            vhat = v / (1 - d["beta2"] ** step)
            q = q - d["lr"] * mhat / (vhat.sqrt() + d["eps"])
        else:
            m = gd if step == 1 else d["momentum"] * m + gd
            q = q - d["lr"] * m
        close(q, a, 1e-6, "manual after step %d" % step)
    print("verified optim_%s.json" % kind)


def make_clip():
    g1, g2 = torch.randn(3, 4), torch.randn(5)
    p1, p2 = nn.Parameter(torch.zeros(3, 4)), nn.Parameter(torch.zeros(5))
    p1.grad, p2.grad = g1.clone(), g2.clone()
    total = nn.utils.clip_grad_norm_([p1, p2], max_norm=1.0)
    d = {"max_norm": 1.0, "grads": [flat(g1), flat(g2)], "total_norm": float(total.item()),
         "clipped": [flat(p1.grad), flat(p2.grad)]}
    assert total.item() > 1.0
    write("clip_grad_norm.json", d)


def verify_clip():
    d = load("clip_grad_norm.json")
    g1, g2 = T(d["grads"][0], 3, 4), T(d["grads"][1], 5)
    p1, p2 = nn.Parameter(torch.zeros(3, 4)), nn.Parameter(torch.zeros(5))
    p1.grad, p2.grad = g1.clone(), g2.clone()
    total = nn.utils.clip_grad_norm_([p1, p2], max_norm=d["max_norm"])
    assert float(total.item()) == d["total_norm"]
    close(p1.grad, d["clipped"][0], 0, "clipped 0")
    close(p2.grad, d["clipped"][1], 0, "clipped 1")
    allg = torch.cat([g1.reshape(-1), g2]).double()
    n = allg.norm().item()
    assert abs(n - d["total_norm"]) < 1e-5
    coef = min(1.0, d["max_norm"] / (n + 1e-6))
    close(allg * coef, d["clipped"][0] + d["clipped"][1], 1e-6, "manual clipped")
    print("verified clip_grad_norm.json")


# ------------------------------------------------------------ main

def main():
    for arch in ("lstm", "gru", "rnn"):
        for L in (1, 2):
            make_layer(arch, L)
    for arch in ("lstm", "gru"):
        make_sentiment(arch)
    for arch in ("lstm", "gru", "rnn"):
        make_charlm(arch)
    make_optim("adam")
    make_optim("sgd")
    make_clip()
    # Added later; made after the original files so those keep their random draws.
    for arch in ("lstm", "gru", "rnn"):
        make_layer(arch, 1, long=True)
    make_sentiment("rnn")
    make_charlm("lstm", 2)

    for arch in ("lstm", "gru", "rnn"):
        for L in (1, 2):
            verify_layer(arch, L)
    for arch in ("lstm", "gru"):
        verify_sentiment(arch)
    for arch in ("lstm", "gru", "rnn"):
        verify_charlm(arch)
    verify_optim("adam")
    verify_optim("sgd")
    verify_clip()
    for arch in ("lstm", "gru", "rnn"):
        verify_layer(arch, 1, long=True)
    verify_sentiment("rnn")
    verify_charlm("lstm", 2)
    print("torch", torch.__version__, "- all golden files written and verified")


if __name__ == "__main__":
    main()
