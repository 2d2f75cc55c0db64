#!/usr/bin/env bash
# Mutation testing with Stryker.NET (pinned in .config/dotnet-tools.json), one source folder at a time, so a run fits
# this machine (2 shared cores): coverage analysis per test runs only the tests that reach each mutant, and a test
# filter per folder leaves out the slow end-to-end training tests that reach everything and add nothing but time.
# Not part of `dotnet test` or CI.
#
#   tests/tools/mutation/run-mutation.sh engine Optimizers [minutes]   # Layers, Optimizers, Training, Kernels, Models
#   tests/tools/mutation/run-mutation.sh api Training [minutes]        # the API's Training folder (JobStore), Inference
#   tests/tools/mutation/run-mutation.sh engine Layers/LstmLayer.cs    # one file (or glob) of a folder, same tests
#   tests/tools/mutation/run-mutation.sh engine Kernels/StepTeam.cs,SgemmWorker.cs   # several (comma-separated), one run
#
# Writes artifacts/mutation/<side>-<folder>/ (Stryker's HTML and JSON reports and summary.md: the score and every
# surviving mutant with its file, line and replacement, to triage into docs/testing.md). Each run is stopped after
# [minutes] (default 60); STRYKER_CONCURRENCY sets the test processes (default 2); STRYKER_COVERAGE replaces
# the coverage analysis (see below); MUTATION_TESTS replaces the folder's
# test filter (a narrower one measures a lower bound, in far less time: every API test starts a host whose worker loop
# reaches the whole job store).
# Stryker misses what tests do on worker threads: plant-survivors.py plants a report's survivors by hand, one at a
# time (build, run the tests, restore), and tables which the tests actually kill (docs/testing.md says how to run it).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
side=${1:?usage: run-mutation.sh engine|api FOLDER[/FILE-GLOB] [minutes]}
scope=${2:?usage: run-mutation.sh engine|api FOLDER[/FILE-GLOB] [minutes]}
minutes=${3:-60}
# A folder too big for one run (Layers, Kernels) is measured a file at a time: FOLDER/FILE-GLOB keeps the folder's tests.
folder=${scope%%/*}
files=${scope#"$folder"}
case "$side/$folder" in
  engine/Optimizers) filter="FullyQualifiedName~.Optimizers.|FullyQualifiedName~.Golden." ;;
  engine/Kernels)    filter="FullyQualifiedName~.Kernels." ;;
  engine/Layers)     filter="FullyQualifiedName~.Layers.|FullyQualifiedName~FusedStepTests|FullyQualifiedName~.Golden." ;;
  engine/Models)     filter="FullyQualifiedName~.Models.|FullyQualifiedName~.Golden.|FullyQualifiedName~.Layers.|FullyQualifiedName~.Serialization.|FullyQualifiedName~.Sampling.|FullyQualifiedName~HyperparameterEstimate" ;;
  engine/Training)   filter="FullyQualifiedName~.Training.&FullyQualifiedName!~DefaultModelQuality&FullyQualifiedName!~HamletTraining&FullyQualifiedName!~NamesTraining" ;;
  api/Training)      filter="FullyQualifiedName~JobStore|FullyQualifiedName~JobClaim|FullyQualifiedName~JobControl|FullyQualifiedName~JobPause|FullyQualifiedName~Recovery|FullyQualifiedName~Idempotency|FullyQualifiedName~TrainingThreads|FullyQualifiedName~JobRunTests|FullyQualifiedName~RunClockTests|FullyQualifiedName~JobWriteRetryTests|FullyQualifiedName~TrainingFlow|FullyQualifiedName~EarlyStopping|FullyQualifiedName~JobTimeLimit|FullyQualifiedName~JobLog|FullyQualifiedName~TrainingMemoryLimit" ;;
  api/Inference)     filter="FullyQualifiedName~InferenceLimits|FullyQualifiedName~Score|FullyQualifiedName~GenerationControls|FullyQualifiedName~ModelCache|FullyQualifiedName~Batching|FullyQualifiedName~Explain|FullyQualifiedName~GenerateStream|FullyQualifiedName~ServiceBasics|FullyQualifiedName~Completions|FullyQualifiedName~DeleteInUse|FullyQualifiedName~ModelBatcher|FullyQualifiedName~InferenceSlots|FullyQualifiedName~InferenceRequestChecks|FullyQualifiedName~BadInput|FullyQualifiedName~RateLimit|FullyQualifiedName~WorkBudget|FullyQualifiedName~OpenApiDocument" ;;
  *) echo "no test filter for $side/$folder: add one to this script" >&2; exit 2 ;;
esac
filter=${MUTATION_TESTS:-$filter}
case "$side" in
  engine) project=RnnService.Engine.csproj; tests="$root/tests/RnnService.Engine.Tests" ;;
  api)    project=RnnService.Api.csproj;    tests="$root/tests/RnnService.Api.Tests" ;;
esac
glob=${files#/}; glob=${glob:-**/*.cs}
mutate=()
IFS=, read -ra globs <<< "$glob"
for g in "${globs[@]}"; do mutate+=(--mutate "**/$folder/$g"); done
name=${files#/}; name=${name//\*/}; name=${name//.cs/}; name=${name//,/+}
out="$root/artifacts/mutation/$side-$folder${name:+-$name}"
rm -rf "$out" && mkdir -p "$out"
cd "$root" && dotnet tool restore >/dev/null
cd "$tests"
status=0
# STRYKER_COVERAGE (perTest, all or off) replaces the configured coverage analysis. Neither perTest nor all gives true
# figures for code run on worker threads (StepTeam, SgemmParallel, SgemmWorker): docs/testing.md says what was seen.
config="$root/tests/tools/mutation/stryker-config.json"
if [ -n "${STRYKER_COVERAGE:-}" ]; then
  sed "s/\"perTest\"/\"$STRYKER_COVERAGE\"/" "$config" > "$out/stryker-config.json"
  config="$out/stryker-config.json"
fi
timeout --signal=INT --kill-after=60 "${minutes}m" dotnet stryker --config-file "$config" \
  --project "$project" "${mutate[@]}" --test-case-filter "$filter" \
  --concurrency "${STRYKER_CONCURRENCY:-2}" --output "$out" --skip-version-check || status=$?
report=$(find "$out" -name mutation-report.json | head -n 1)
if [ -z "$report" ]; then echo "no report (stopped after ${minutes} min, or failed: status $status)" >&2; exit 1; fi
python3 "$root/tests/tools/mutation/summarize.py" "$report" "$side/$scope" > "$out/summary.md"
cat "$out/summary.md"
exit "$status"
