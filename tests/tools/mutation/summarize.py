"""Stryker's mutation-report.json as markdown: the score per file and every surviving (or uncovered) mutant.

    python3 summarize.py path/to/mutation-report.json engine/Optimizers
"""
import json
import sys

report, title = sys.argv[1], sys.argv[2]
with open(report) as f:
    files = json.load(f)["files"]
killed_states = {"Killed", "Timeout"}
counted_states = killed_states | {"Survived", "NoCoverage"}
rows, survivors = [], []
total_killed = total_counted = 0
for path, data in sorted(files.items()):
    source = data["source"].splitlines()
    mutants = [m for m in data["mutants"] if m["status"] in counted_states]
    killed = sum(m["status"] in killed_states for m in mutants)
    total_killed += killed
    total_counted += len(mutants)
    if mutants:
        rows.append("| %s | %d | %d | %.1f %% |" % (path.split("/src/")[-1], killed, len(mutants), 100.0 * killed / len(mutants)))
    for m in data["mutants"]:
        if m["status"] in ("Survived", "NoCoverage"):
            line = m["location"]["start"]["line"]
            code = source[line - 1].strip() if line <= len(source) else ""
            survivors.append("- %s `%s:%d` %s: `%s` -> `%s`" % (
                m["status"], path.split("/src/")[-1], line, m["mutatorName"], code[:100], m.get("replacement", "")[:80]))
score = 100.0 * total_killed / total_counted if total_counted else 0.0
print("## %s: %.1f %% (%d of %d mutants killed)\n" % (title, score, total_killed, total_counted))
print("| File | Killed | Mutants | Score |\n|---|---|---|---|")
print("\n".join(rows))
print("\n### Survivors\n")
print("\n".join(survivors) if survivors else "None.")
