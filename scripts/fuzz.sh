#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ one after another, each for a given
# time, and prints what each did: executions, executions per second, new
# coverage (edges / features / inputs added to its corpus) and crashes.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 60 s, every target)
#
# libFuzzer needs sanitizer flags that only a nightly rustc takes; the stable
# toolchain takes them with RUSTC_BOOTSTRAP=1, which is set here for the
# fuzz build only (never for the project's own build).
# Corpora grow in fuzz/corpus/TARGET (seeded from fixtures/ and the small
# hand-made seeds in fuzz/seeds/TARGET), findings land in
# fuzz/artifacts/TARGET, libFuzzer's output in fuzz/logs/TARGET.log; all
# three are git-ignored. A crash (or hang, or out-of-memory) in one target
# does not stop the others; the exit status is 1 when any target crashed or
# failed to build, else 0. Environment: FUZZ_NICE (default 10),
# FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT_S per input (default 25),
# FUZZ_JOBS cargo build jobs (default: cargo's).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

secs=${1:-60}
if [ $# -gt 0 ]; then shift; fi
case "$secs" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac
nice_level=${FUZZ_NICE:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
timeout_s=${FUZZ_TIMEOUT_S:-25}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz (crates.io)…" >&2
  cargo install cargo-fuzz --locked || { echo "cannot install cargo-fuzz" >&2; exit 2; }
fi

export RUSTC_BOOTSTRAP=1
all_targets=1
if [ $# -gt 0 ]; then
  targets=("$@")
  all_targets=0
else
  mapfile -t targets < <(cargo fuzz list)
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "no fuzz targets" >&2
  exit 2
fi

# cargo fuzz build has no --jobs; cargo reads CARGO_BUILD_JOBS.
if [ -n "${FUZZ_JOBS:-}" ]; then export CARGO_BUILD_JOBS="$FUZZ_JOBS"; fi
echo "building ${#targets[@]} target(s) with RUSTC_BOOTSTRAP=1…" >&2
failed_build=()
# One cargo invocation for all targets; per target when some are named (or
# when building all at once failed, to tell which).
if [ "$all_targets" -eq 0 ] || ! nice -n "$nice_level" cargo fuzz build >&2; then
  for t in "${targets[@]}"; do
    if ! nice -n "$nice_level" cargo fuzz build "$t" >&2; then
      failed_build+=("$t")
    fi
  done
fi
triple=$(rustc -vV | sed -n 's/^host: //p')
bin_dir="$root/fuzz/target/$triple/release"

# Seeds: files of fixtures/ and the shipped plans that the target parses.
seed_globs() {
  case "$1" in
    model_plan) echo "fixtures/model/plan*.yaml fixtures/plans/*.yaml test-plans/*.yaml" ;;
    model_rig) echo "fixtures/model/rig*.yaml fixtures/rigs/*.yaml rigs/*.yaml" ;;
    model_site) echo "fixtures/sites/*.yaml sites/*.yaml" ;;
    model_catalog) echo "fixtures/programs/*.yaml programs/*/*.yaml" ;;
    model_profile) echo "fixtures/profiles/*.yaml test-plans/profiles/*.yaml" ;;
    firmware_elf) echo "fixtures/firmware/*.elf" ;;
    firmware_ihex) echo "fixtures/firmware/*.hex" ;;
    firmware_header) echo "fixtures/firmware/*.bin" ;;
  esac
}

mkdir -p fuzz/corpus fuzz/artifacts fuzz/logs
declare -A execs rate cov ft added crashes note
any_crash=0
for t in "${failed_build[@]}"; do
  note[$t]="build failed"
  any_crash=1
done

for t in "${targets[@]}"; do
  [ -n "${note[$t]:-}" ] && continue
  bin="$bin_dir/$t"
  if [ ! -x "$bin" ]; then
    note[$t]="no binary"
    any_crash=1
    continue
  fi
  corpus="fuzz/corpus/$t"
  artifacts="fuzz/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  if [ -z "$(ls -A "$corpus")" ]; then
    for g in $(seed_globs "$t"); do
      for f in $g; do [ -f "$f" ] && cp "$f" "$corpus/"; done
    done
  fi
  seed_dirs=()
  if [ -d "fuzz/seeds/$t" ]; then seed_dirs=("fuzz/seeds/$t"); fi
  before=$(find "$artifacts" -type f | wc -l)
  log="fuzz/logs/$t.log"
  echo "fuzzing $t for ${secs}s…" >&2
  start=$(date +%s)
  nice -n "$nice_level" "$bin" "$corpus" "${seed_dirs[@]}" \
    -max_total_time="$secs" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" \
    -timeout="$timeout_s" -artifact_prefix="$artifacts/" -print_final_stats=1 \
    >"$log" 2>&1
  status=$?
  elapsed=$(( $(date +%s) - start ))
  [ "$elapsed" -gt 0 ] || elapsed=1
  # Final stats when the run ended normally; otherwise the last status line.
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ -z "$n" ]; then
    n=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  fi
  execs[$t]=${n:-0}
  rate[$t]=$(( ${execs[$t]} / elapsed ))
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
  cov[$t]=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$last")
  ft[$t]=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$last")
  added[$t]=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
  after=$(find "$artifacts" -type f | wc -l)
  crashes[$t]=$(( after - before ))
  if [ "$status" -ne 0 ] && [ "${crashes[$t]}" -eq 0 ]; then
    crashes[$t]=1
    note[$t]="libFuzzer exit $status, see $log"
  elif [ "${crashes[$t]}" -gt 0 ]; then
    note[$t]="$artifacts/$(ls -t "$artifacts" | head -1)"
  fi
  if [ "${crashes[$t]}" -gt 0 ]; then any_crash=1; fi
done

printf '\n%-16s %12s %9s %7s %7s %7s %8s  %s\n' target execs exec/s cov ft new crashes note
for t in "${targets[@]}"; do
  printf '%-16s %12s %9s %7s %7s %7s %8s  %s\n' "$t" "${execs[$t]:--}" "${rate[$t]:--}" \
    "${cov[$t]:--}" "${ft[$t]:--}" "${added[$t]:--}" "${crashes[$t]:--}" "${note[$t]:-}"
done
echo "(${secs} s per target; cov = covered edges, ft = coverage features, new = inputs added to the corpus)"
exit "$any_crash"
