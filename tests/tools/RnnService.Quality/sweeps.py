"""The sweeps that chose the learning rate, weight decay and epoch rule of the defaults, for make_quality.py: a small
grid per task run on every dataset of that task (never on a held-out part), and the leave-one-dataset-out check that
settings chosen without a dataset still come within its tolerance of that dataset's best.

Sentiment: toy-sentiment scored on its 20 test sentences (which it also validates on, as a job does); imdb-sentences
by 10-fold cross-validation of its training part, seeds 42-44; spam-assassin (data/README.md) by the first 2 of 5
folds of its training part, seeds 42-43 (runs of a few seconds each, where imdb-sentences' take one). Char models:
us-names by its best validation perplexity and hamlet by the characters it recites, seeds 42-43. Each setting is JSON
overrides on DefaultsFor(task, DataShape) of the run's own data; the engine's default is scored beside them.
"""

import json
import os
import subprocess
import tempfile

from sentiment_cv import ROOT

PROJECT = os.path.join(ROOT, "tests", "tools", "RnnService.Quality")

# "minEpochs" raises the fitted epochs to at least that many (CrossValidation.Apply): the epoch rule this sweep chose.
SENTIMENT_GRID = [{"learningRate": lr, "weightDecay": wd, "minEpochs": 30} for lr in (0.0025, 0.005, 0.01) for wd in (0, 0.1, 1)]
CHAR_GRID = [o for lr in (0.005, 0.01, 0.02) for o in ({"learningRate": lr}, {"learningRate": lr, "minEpochs": 30})] + [
    {"learningRate": 0.01, "minEpochs": 30, "earlyStoppingPatience": 3}]

# dataset: (task, program arguments, metric, higher is better, tolerance, relative tolerance)
DATASETS = {
    "toy-sentiment": ("sentiment", ["--sweep", "toy-sentiment", "--seeds", "42,43"], "test accuracy", True, 0.01, False),
    "imdb-sentences": ("sentiment", ["--cv", "--dataset", "imdb-sentences", "--folds", "10", "--seeds", "42,43,44,45,46,47,48,49,50,51"],
                       "cv accuracy", True, 0.01, False),
    "spam-assassin": ("sentiment", ["--cv", "--dataset", "spam-assassin", "--folds", "5", "--folds-used", "2", "--seeds", "42,43"],
                      "cv accuracy", True, 0.01, False),
    "us-names": ("charlm", ["--sweep", "us-names", "--seeds", "42,43"], "validation perplexity", False, 0.02, True),
    "hamlet": ("charlm", ["--sweep", "hamlet", "--seeds", "42,43"], "characters recited", True, 0, False),
}


def key(overrides):
    return json.dumps(overrides, sort_keys=True, separators=(",", ":"))


def eligible(overrides):
    """What a default may be: no weight decay (AdamW's lr x decay shrinks the weights every step, so its effect per
    epoch grows with the steps an epoch has) and epochs enough for early stopping to end the run."""
    return overrides.get("weightDecay", 0) == 0 and "minEpochs" in overrides


# Settings the other datasets cannot tell apart keep the previous learning rate (sentiment 0.005, char models 0.01).
PREVIOUS = {"sentiment": key({"learningRate": 0.005, "weightDecay": 0, "minEpochs": 30}), "charlm": key({"learningRate": 0.01, "minEpochs": 30})}


def label(overrides):
    """A setting's name in the tables, from its overrides ({} is the engine's default when the sweep ran)."""
    if not overrides:
        return "default"
    parts = ["lr %g" % overrides["learningRate"]]
    if "weightDecay" in overrides:
        parts.append("decay %g" % overrides["weightDecay"])
    parts.append("at least %d epochs" % overrides["minEpochs"] if "minEpochs" in overrides else "epochs for 600 steps")
    if "earlyStoppingPatience" in overrides:
        parts.append("patience %d" % overrides["earlyStoppingPatience"])
    return ", ".join(parts)


def run_sweeps(record_dir):
    """Each dataset's scores by setting (key of its overrides; key({}) is the engine's default). A dataset's sweep runs
    only when record_dir has no JSON for it yet, and its JSON is kept there."""
    os.makedirs(record_dir, exist_ok=True)
    results = {}
    for name, (task, args, *_rest) in DATASETS.items():
        out = os.path.join(record_dir, name + ".json")
        if not os.path.exists(out):
            grid = SENTIMENT_GRID if task == "sentiment" else CHAR_GRID
            candidates = ["%s=%s" % (label(o), json.dumps(o, separators=(",", ":"))) for o in grid]
            subprocess.run(["dotnet", "run", "-c", "Release", "--project", PROJECT, "--"] + args + ["--json", out] + candidates,
                           check=True, cwd=ROOT)
        with open(out) as f:
            rows = json.load(f)["candidates"]
        results[name] = {key(r["overrides"]): {"score": r.get("accuracy", r.get("mean")), "overrides": r["overrides"],
                                               "epochs": r["epochsPerRun"] if "epochsPerRun" in r else sum(r["epochs"]) / len(r["epochs"])}
                         for r in rows}
    return results


def shortfall(dataset, score, best):
    """How far a score is below the dataset's best, in units of its tolerance (<= 1 is within it)."""
    _, _, _, higher, tolerance, relative = DATASETS[dataset]
    gap = (best - score) if higher else (score - best)
    if relative:
        gap /= best
    return gap / tolerance if tolerance > 0 else (0 if gap <= 0 else float("inf"))


def grid_keys(dataset):
    return [key(o) for o in (SENTIMENT_GRID if DATASETS[dataset][0] == "sentiment" else CHAR_GRID)]


def best_of(results, dataset):
    higher = DATASETS[dataset][3]
    name = (max if higher else min)(grid_keys(dataset), key=lambda n: results[dataset][n]["score"])
    return name, results[dataset][name]["score"]


def choose(results, datasets):
    """The eligible settings whose worst shortfall from these datasets' best (of every setting) is least, then whose
    mean shortfall is least; all that tie."""
    bests = {d: best_of(results, d)[1] for d in datasets}
    falls = {n: [shortfall(d, results[d][n]["score"], bests[d]) for d in datasets] for n in grid_keys(datasets[0])
             if eligible(results[datasets[0]][n]["overrides"])}
    rank = {n: (max(f), sum(f) / len(f)) for n, f in falls.items()}
    least = min(rank.values())
    return [n for n in rank if rank[n] == least]


def leave_one_out(results):
    """Per dataset: the settings chosen on the other datasets of its task, and how the worst of them does on it."""
    rows = []
    for dataset, (task, *_rest) in DATASETS.items():
        others = [d for d, spec in DATASETS.items() if spec[0] == task and d != dataset]
        chosen = choose(results, others)
        best_name, best = best_of(results, dataset)
        pick = PREVIOUS[task] if PREVIOUS[task] in chosen else max(chosen, key=lambda n: shortfall(dataset, results[dataset][n]["score"], best))
        worst = max(chosen, key=lambda n: shortfall(dataset, results[dataset][n]["score"], best))
        score = results[dataset][pick]["score"]
        rows.append((dataset, others, chosen, pick, score, worst, best_name, best, shortfall(dataset, score, best) <= 1))
    return rows


def fmt(dataset, value):
    return ("%.1f" if dataset == "hamlet" else "%.3f") % value


def sweeps_section(results):
    lodo = leave_one_out(results)
    lines = [
        "",
        "## How the learning rate, weight decay and epochs were chosen",
        "",
        "A small grid per task on every dataset of that task, never on a held-out part (tests/tools/RnnService.Quality/sweeps.py:",
        "toy-sentiment on its own test sentences, imdb-sentences by 10-fold cross-validation of its training part with",
        "seeds 42-51, spam-assassin by 2 of 5 folds of its training part with seeds 42-43, us-names by its best validation",
        "perplexity and hamlet by the characters it recites, seeds 42-43). Each run has `DefaultsFor(task, DataShape)` for",
        "its own data and the setting on top. The sweeps ran with the engine before this choice, so \"default\" is the",
        "previous default (sentiment: lr 0.005, decay 1; char models: lr 0.01; epochs for 600 steps); their JSON is kept in",
        "tests/tools/RnnService.Quality/sweeps/ and read from there (delete a file to run that sweep again). A setting",
        "holds for a dataset when it is within 1 point of that dataset's best accuracy, 2 % of its best perplexity, or",
        "recites as many characters.",
    ]
    for task, grid in (("sentiment", SENTIMENT_GRID), ("charlm", CHAR_GRID)):
        datasets = [d for d, spec in DATASETS.items() if spec[0] == task]
        lines += ["", "| %s setting | %s |" % (task, " | ".join("%s %s (epochs per run)" % (d, DATASETS[d][2]) for d in datasets)),
                  "| --- |" + " --- |" * len(datasets)]
        for overrides in [{}] + grid:
            cells = []
            for d in datasets:
                r = results[d][key(overrides)]
                best = key(overrides) == best_of(results, d)[0]
                cells.append(("**%s**" if best else "%s") % fmt(d, r["score"]) + " (%.1f)" % r["epochs"])
            lines.append("| %s | %s |" % (label(overrides), " | ".join(cells)))
    lines += ["", "Best in bold. A default may not decay the weights (AdamW's lr x decay shrinks them every step, so its effect per",
              "epoch grows with the steps an epoch has: 90 on the 800 imdb-sentences, 531 on the 4,716 e-mails) and must leave early",
              "stopping room to end the run (at least 30 epochs); the others show what those rules cost. Leave one dataset out: the",
              "allowed setting chosen on the other datasets of its task (the least worst shortfall from their best, in tolerances,",
              "then the least mean one) against the left-out dataset's best setting of all.", "",
              "| left out | chosen on | chosen setting | its score there | best there | within tolerance |",
              "| --- | --- | --- | --- | --- | --- |"]
    for dataset, others, chosen, pick, score, worst, best_name, best, ok in lodo:
        tied = "" if len(chosen) == 1 else " (%d settings tied there, the previous rate kept; the worst of them scores %s here)" % (
            len(chosen), fmt(dataset, results[dataset][worst]["score"])) if pick == PREVIOUS[DATASETS[dataset][0]] else \
            " (the worst of %d tied there)" % len(chosen)
        lines.append("| %s | %s | %s%s | %s | %s (%s) | %s |" % (dataset, ", ".join(others), label(results[dataset][pick]["overrides"]), tied,
                                                              fmt(dataset, score), fmt(dataset, best), label(results[dataset][best_name]["overrides"]),
                                                              "yes" if ok else "no"))
    for task in ("sentiment", "charlm"):
        datasets = [d for d, spec in DATASETS.items() if spec[0] == task]
        lines.append("")
        lines.append("Chosen on every %s dataset (the defaults): %s." % (task, " or ".join(label(results[datasets[0]][n]["overrides"]) for n in choose(results, datasets))))
    return lines, lodo
