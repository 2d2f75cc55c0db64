"""Plants Stryker's surviving mutants by hand, one at a time, and runs the tests on each.

Stryker misses what tests do on worker threads (docs/testing.md, "Mutation testing"): a mutant in code run by the
GEMM pool or the step partner can be listed as survived although the tests fail on it. This script takes a Stryker
report, writes each chosen mutant's replacement into the source, builds the test project, runs the tests and puts the
file back, and prints a markdown table of what happened to each.

    python3 tests/tools/mutation/plant-survivors.py artifacts/mutation/engine-Kernels-Sgemm/.../mutation-report.json \\
        [--status Survived,NoCoverage] [--files Kernels/Sgemm.cs,Kernels/StepTeam.cs] [--ids 803,804] \\
        [--filter 'FullyQualifiedName~.Kernels.'] [--root .] [--timeout 120] [--out planted.md]

Run it in a scratch clone or a work tree of your own: it edits the sources there (each file is restored after each
mutant, also on Ctrl-C or SIGTERM) and leaves the test project built from the restored sources. A file whose text on
disk differs from the report's is refused: re-run Stryker on it first.
"""
import argparse
import fnmatch
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

KILLED = ("Killed", "Timeout")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("report", help="Stryker's mutation-report.json")
    p.add_argument("--status", default="Survived,NoCoverage", help="Stryker statuses to plant (comma-separated)")
    p.add_argument("--files", default="", help="only these files: globs matched against the path's end, comma-separated")
    p.add_argument("--ids", default="", help="only these mutant ids (comma-separated)")
    p.add_argument("--filter", default="FullyQualifiedName~.Kernels.", help="dotnet test --filter")
    p.add_argument("--project", default="tests/RnnService.Engine.Tests", help="test project, relative to the root")
    p.add_argument("--root", default=".", help="repository root whose sources are mutated")
    p.add_argument("--timeout", type=float, default=120, help="seconds a test run may take; a longer one counts as killed")
    p.add_argument("--out", default="", help="markdown file to write (rewritten after each mutant); default stdout")
    p.add_argument("--list", action="store_true", help="only list the chosen mutants (original and replacement)")
    return p.parse_args()


def relative_path(path, project_root):
    """The report's absolute path (in the clone Stryker ran in) as a path under the repository root: the mutated
    project's folder (projectRoot) is src/<project>."""
    if project_root:
        return os.path.relpath(path, os.path.dirname(os.path.dirname(project_root.rstrip("/"))))
    return path[path.rfind("/src/") + 1:]


def matches(rel, globs):
    return not globs or any(fnmatch.fnmatch(rel, "*" + g) or rel.endswith(g) for g in globs)


def offset(text, line_starts, position):
    """Stryker's 1-based line and column (UTF-16 code units, as Roslyn counts) as an index into text."""
    start = line_starts[position["line"] - 1]
    units, i = position["column"] - 1, start
    while units > 0:
        units -= 2 if ord(text[i]) > 0xFFFF else 1
        i += 1
    return i


def span(text, mutant):
    """The [begin, end) indexes in text of the code the mutant replaces."""
    line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    return offset(text, line_starts, mutant["location"]["start"]), offset(text, line_starts, mutant["location"]["end"])


def run(cmd, cwd, timeout=None):
    """Runs cmd in its own process group; on timeout kills that group (the test host included). Returns (rc, output)."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None, ""
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise


def build(args):
    rc, out = run(["dotnet", "build", args.project, "-nologo", "-v", "q", "-clp:ErrorsOnly", "-nodeReuse:false"], args.root)
    errors = [l.strip() for l in out.splitlines() if "error" in l]
    return rc == 0, (errors[0] if errors else out.strip()[-200:])


def failed_tests(trx):
    """The failed tests in a TRX file, as Class.Method(arguments)."""
    if not os.path.exists(trx):
        return []
    names = []
    for result in ET.parse(trx).getroot().iter():
        if result.tag.endswith("UnitTestResult") and result.get("outcome") == "Failed":
            name, paren, arguments = result.get("testName", "").partition("(")
            names.append(".".join(name.split(".")[-2:]) + paren + arguments)
    return names


def interrupt(signum, frame):
    raise KeyboardInterrupt()


def test(args, scratch):
    trx = os.path.join(scratch, "run.trx")
    if os.path.exists(trx):
        os.remove(trx)
    started = time.monotonic()
    rc, out = run(["dotnet", "test", args.project, "--no-build", "-nologo", "--filter", args.filter,
                   "--logger", "trx;LogFileName=" + trx], args.root, timeout=args.timeout)
    seconds = time.monotonic() - started
    if rc is None:
        return "killed (timeout)", ["no answer in %d s" % args.timeout], seconds
    failures = failed_tests(trx)
    if rc == 0:
        return "survived", [], seconds
    if failures:
        return "killed", failures, seconds
    aborted = [l.strip() for l in out.splitlines() if "abort" in l.lower() or "crash" in l.lower()]
    return "killed (test run failed)", aborted[:1] or ["exit %d" % rc], seconds


def cell(text, limit=90):
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    return "`%s`" % text.replace("|", "\\|").replace("`", "'") if text else "(nothing)"


def markdown(title, rows, summary):
    lines = ["## %s\n" % title,
             "| File | Stryker killed | Stryker survived + not covered | Planted: killed | Still surviving | Compile errors | Score (Stryker) | Score (with hand kills) |",
             "|---|---|---|---|---|---|---|---|"]
    for rel, s in summary.items():
        testable = s["killed"] + s["left"]
        planted = [r for r in rows if r["file"] == rel and r["status"] in ("Survived", "NoCoverage")]
        hand = sum(1 for r in planted if r["outcome"].startswith("killed"))
        alive = sum(1 for r in planted if r["outcome"] == "survived")
        broken = sum(1 for r in planted if r["outcome"] == "compile error")
        tested = testable - broken
        lines.append("| %s | %d | %d | %d | %d | %d | %.1f %% | %.1f %% (%d of %d) |" % (
            rel, s["killed"], s["left"], hand, alive, broken, 100.0 * s["killed"] / max(testable, 1),
            100.0 * (s["killed"] + hand) / max(tested, 1), s["killed"] + hand, tested))
    lines += ["", "| Mutant | Where | Mutator | Stryker | Original → replacement | Planted | First failing tests |",
              "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| %s | %s:%d | %s | %s | %s → %s | %s | %s |" % (
            r["id"], r["file"].split("/")[-1], r["line"], r["mutator"], r["status"], cell(r["original"]),
            cell(r["replacement"]), r["outcome"], "; ".join(r["tests"][:3]).replace("|", "\\|") + (
                " (%d in all)" % len(r["tests"]) if len(r["tests"]) > 3 else "")))
    return "\n".join(lines) + "\n"


def main():
    args = parse_args()
    args.root = os.path.abspath(args.root)
    statuses = set(args.status.split(","))
    globs = [g for g in args.files.split(",") if g]
    ids = set(i for i in args.ids.split(",") if i)
    with open(args.report, encoding="utf-8") as f:
        report = json.load(f)

    # Choose the mutants, and refuse a file whose text is not the text Stryker mutated.
    plan, summary = [], {}
    for path, data in sorted(report["files"].items()):
        rel = relative_path(path, report.get("projectRoot", ""))
        chosen = [m for m in data["mutants"] if m["status"] in statuses and (not ids or m["id"] in ids)]
        if not chosen or not matches(rel, globs):
            continue
        with open(os.path.join(args.root, rel), "rb") as f:
            original = f.read()
        text = original.decode("utf-8-sig")
        if text != data["source"]:
            sys.exit("%s on disk differs from the report's source: re-run Stryker on it (or check out the commit it ran on)" % rel)
        summary[rel] = {"killed": sum(m["status"] in KILLED for m in data["mutants"]),
                        "left": sum(m["status"] in ("Survived", "NoCoverage") for m in data["mutants"])}
        plan += [(rel, original, text, m) for m in sorted(chosen, key=lambda m: (m["location"]["start"]["line"], m["location"]["start"]["column"]))]
    if not plan:
        sys.exit("no mutant with status %s in %s" % (args.status, args.report))
    if args.list:
        for rel, _, text, m in plan:
            begin, end = span(text, m)
            print("%s %s:%d %s: %s -> %s" % (m["id"], rel, m["location"]["start"]["line"], m["mutatorName"],
                                             " ".join(text[begin:end].split()), m.get("replacement", "")))
        return

    # SIGTERM restores the sources as Ctrl-C does.
    signal.signal(signal.SIGTERM, interrupt)
    title = "Planted by hand: %s (%s; tests %s)" % (os.path.basename(args.report), args.status, args.filter)
    rows = []
    with tempfile.TemporaryDirectory(prefix="plant-") as scratch:
        ok, error = build(args)
        if not ok:
            sys.exit("the unmutated sources do not build: " + error)
        outcome, failures, seconds = test(args, scratch)
        if outcome != "survived":
            sys.exit("the unmutated sources fail the tests (%s): %s" % (outcome, "; ".join(failures[:3])))
        print("baseline: tests pass in %.0f s; %d mutants to plant" % (seconds, len(plan)), file=sys.stderr)
        try:
            for n, (rel, original, text, m) in enumerate(plan, 1):
                begin, end = span(text, m)
                row = {"id": m["id"], "file": rel, "line": m["location"]["start"]["line"], "mutator": m["mutatorName"],
                       "status": m["status"], "original": text[begin:end], "replacement": m.get("replacement", ""),
                       "tests": []}
                try:
                    with open(os.path.join(args.root, rel), "w", encoding="utf-8", newline="") as f:
                        f.write(text[:begin] + row["replacement"] + text[end:])
                    ok, error = build(args)
                    if ok:
                        row["outcome"], row["tests"], seconds = test(args, scratch)
                    else:
                        row["outcome"], row["tests"], seconds = "compile error", [error], 0
                finally:
                    with open(os.path.join(args.root, rel), "wb") as f:
                        f.write(original)
                rows.append(row)
                print("[%d/%d] %s %s:%d %s -> %s: %s (%.0f s) %s" % (
                    n, len(plan), m["id"], rel.split("/")[-1], row["line"], " ".join(row["original"].split())[:40],
                    row["replacement"][:40], row["outcome"], seconds, "; ".join(row["tests"][:2])), file=sys.stderr)
                if args.out:
                    with open(args.out, "w", encoding="utf-8") as f:
                        f.write(markdown(title, rows, summary))
        finally:
            for rel, original in {rel: original for rel, original, _, _ in plan}.items():
                with open(os.path.join(args.root, rel), "wb") as f:
                    f.write(original)
            build(args)   # the test project's bin/ holds the restored sources again
    if not args.out:
        print(markdown(title, rows, summary))


if __name__ == "__main__":
    main()
