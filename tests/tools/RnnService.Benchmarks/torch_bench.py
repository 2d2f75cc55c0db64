#!/usr/bin/python3
"""PyTorch side of the RnnService benchmarks (tests/tools/RnnService.Benchmarks).

The C# program writes one workload (record Workload in Workloads.cs, snake_case JSON) and the
measurement settings (record MeasureSettings in Measure.cs) to a file and runs

    /usr/bin/python3 torch_bench.py --spec-file SPEC.json      (or --spec '{"workload": ..., "settings": ...}')
    /usr/bin/python3 torch_bench.py --serve                    (one spec per stdin line, one result line each)

This script builds the same model and data with torch, times the same operation with the same
procedure (measure() mirrors Measure.Run: warm-up, then the median of timed runs) at 1 and at 2
intra-op threads, and prints one JSON line:

    {"name": "W4 lstm", "seconds": <best median s/call>, "threads": <its thread count>,
     "seconds_by_threads": {"1": ..., "2": ...}, "torch": "1.13.0"}
"""
import argparse
import json
import math
import os
import re
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def measure(op, s):
    """Median seconds per call of op after a warm-up; the same procedure as Measure.Run in C#."""
    start = time.perf_counter()
    n = 0
    while n < s["warmup_iterations"] or (time.perf_counter() - start < s["warmup_seconds"] and n < 100_000):
        op()
        n += 1
    estimate = max((time.perf_counter() - start) / n, 1e-9)
    inner = max(1, math.ceil(s["min_sample_seconds"] / estimate))
    runs = min(max(round(s["target_seconds"] / (estimate * inner)), s["min_runs"]), s["max_runs"])
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(inner):
            op()
        samples.append((time.perf_counter() - t0) / inner)
    return statistics.median(samples)


class Net(nn.Module):
    """Embedding -> one LSTM/GRU layer -> linear head, the engine's RecurrentNetwork with 1 layer."""

    def __init__(self, w):
        super().__init__()
        self.lstm = w["architecture"] == "Lstm"
        self.embedding = nn.Embedding(w["vocabulary_size"], w["embedding_size"])
        cell = nn.LSTM if self.lstm else nn.GRU
        self.rnn = cell(w["embedding_size"], w["hidden_size"], batch_first=True)
        self.head = nn.Linear(w["hidden_size"], w["output_size"])

    def classify(self, x):
        """Logit [B, 1] from the last state of each row (all rows are full length)."""
        _, state = self.rnn(self.embedding(x))
        h = state[0] if self.lstm else state
        return self.head(h[-1])

    def language_model(self, x):
        """Logits [B, T, V] at every step."""
        y, _ = self.rnn(self.embedding(x))
        return self.head(y)


def make_optimizer(w, model):
    if w["optimizer"] == "sgd":
        return torch.optim.SGD(model.parameters(), lr=w["learning_rate"])
    if w["optimizer"] == "adam":
        return torch.optim.Adam(model.parameters(), lr=w["learning_rate"])
    raise ValueError(f"unknown optimizer {w['optimizer']}")


def classifier_epoch(w):
    """W1: every sequence as a batch of one: forward, BCE, backward, step."""
    model = Net(w)
    opt = make_optimizer(w, model)
    xs = [torch.tensor([seq], dtype=torch.long) for seq in w["sequences"]]
    ys = [torch.tensor([[label]], dtype=torch.float32) for label in w["labels"]]

    def op():
        for x, y in zip(xs, ys):
            opt.zero_grad(set_to_none=True)
            loss = F.binary_cross_entropy_with_logits(model.classify(x), y)
            loss.backward()
            opt.step()
    return op


def language_model_step(w):
    """W2, W3: [B, T] batch, softmax cross-entropy at every step, backward, step."""
    model = Net(w)
    opt = make_optimizer(w, model)
    b, t, v = w["batch"], w["steps"], w["output_size"]
    x = torch.tensor(w["tokens"], dtype=torch.long).view(b, t)
    y = torch.tensor(w["targets"], dtype=torch.long).view(b * t)

    def op():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model.language_model(x).reshape(b * t, v), y)
        loss.backward()
        opt.step()
    return op


def classifier_step(w):
    """W4: [B, T] batch, BCE on each row's last state, backward, step."""
    model = Net(w)
    opt = make_optimizer(w, model)
    b, t = w["batch"], w["steps"]
    x = torch.tensor(w["tokens"], dtype=torch.long).view(b, t)
    y = torch.tensor(w["labels"], dtype=torch.float32).view(b, 1)

    def op():
        opt.zero_grad(set_to_none=True)
        loss = F.binary_cross_entropy_with_logits(model.classify(x), y)
        loss.backward()
        opt.step()
    return op


WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def predict(w):
    """W5a: tokenize one sentence, forward in eval mode without autograd, sigmoid."""
    model = Net(w).eval()
    ids = {word: i for i, word in enumerate(w["words"])}
    text = w["text"]

    def op():
        with torch.no_grad():
            tokens = [ids.get(word, 1) for word in WORD.findall(text.lower())] or [1]
            x = torch.tensor([tokens], dtype=torch.long)
            p = torch.sigmoid(model.classify(x)).item()
            return (1 if p >= 0.5 else 0), p
    return op


def generate(w):
    """W5b: one forward step and one multinomial sample per character, state carried between steps."""
    model = Net(w).eval()
    mask = torch.zeros(w["output_size"])
    mask[w["disallowed"]] = float("-inf")
    chars = w["words"]
    temperature = w["temperature"]
    length = w["generate_length"]
    prompt = w["prompt_token"]
    gen = torch.Generator().manual_seed(7)

    def op():
        with torch.no_grad():
            x = torch.tensor([[prompt]], dtype=torch.long)
            state = None
            out = []
            for _ in range(length):
                y, state = model.rnn(model.embedding(x), state)
                logits = model.head(y[:, -1])
                probs = torch.softmax(logits / temperature + mask, dim=-1)
                x = torch.multinomial(probs, 1, generator=gen)
                out.append(chars[x.item()])
            return w["text"] + "".join(out)
    return op


def gemm(w):
    """C[M,N] (+)= op(A)[M,K] op(B)[K,N] with transposed views (no copies), into a preallocated C."""
    m, n, k = w["m"], w["n"], w["k"]
    a = torch.rand(k, m).t() if w["trans_a"] else torch.rand(m, k)
    b = torch.rand(n, k).t() if w["trans_b"] else torch.rand(k, n)
    c = torch.zeros(m, n)
    if w["accumulate"]:
        return lambda: c.addmm_(a, b)
    return lambda: torch.mm(a, b, out=c)


KINDS = {
    "ClassifierEpoch": classifier_epoch,
    "LanguageModelEpoch": language_model_step,
    "LanguageModelStep": language_model_step,
    "ClassifierStep": classifier_step,
    "Predict": predict,
    "Generate": generate,
    "Gemm": gemm,
}


def run_spec(w, settings, threads, ops):
    """Times one workload at each thread count; ops caches the built operation per (name, threads), so a
    later round of the same workload reuses the warmed-up model (as the C# side reuses its runner)."""
    build = KINDS.get(w["kind"])
    if build is None:
        raise SystemExit(f"no PyTorch baseline for workload kind {w['kind']}")
    by_threads = {}
    for t in threads:
        if t > (os.cpu_count() or 1):
            continue
        torch.set_num_threads(t)
        key = (w["name"], t)
        if key not in ops:
            torch.manual_seed(1)
            ops[key] = build(w)
        by_threads[str(t)] = measure(ops[key], settings)
    best = min(by_threads, key=by_threads.get)
    return {"name": w["name"], "seconds": by_threads[best], "threads": int(best),
            "seconds_by_threads": by_threads, "torch": torch.__version__}


def serve(threads):
    """One request per stdin line ({"workload": ..., "settings": ...}), one JSON result line per request,
    so the C# side can alternate engine and PyTorch runs without re-importing torch each time."""
    ops = {}
    print(json.dumps({"ready": torch.__version__}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        try:
            result = run_spec(spec["workload"], spec["settings"], threads, ops)
        except Exception as e:  # reported to the caller, which prints it and goes on
            result = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(result), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", help="workload and settings as JSON")
    parser.add_argument("--spec-file", help="file holding that JSON")
    parser.add_argument("--serve", action="store_true", help="read one spec per stdin line, answer one JSON line each")
    parser.add_argument("--threads", default="1,2", help="intra-op thread counts to try (default 1,2)")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    if args.serve:
        serve(threads)
        return 0
    if args.spec_file:
        with open(args.spec_file, encoding="utf-8") as f:
            spec = json.load(f)
    elif args.spec:
        spec = json.loads(args.spec)
    else:
        parser.error("give --spec, --spec-file or --serve")
    print(json.dumps(run_spec(spec["workload"], spec["settings"], threads, {})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
