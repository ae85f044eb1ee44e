#!/usr/bin/env bash
# Runs every benchmark in bench/: `bench.sh full` at full size, `bench.sh smoke` at a small size.
# `BENCH_AGAINST=main make bench` measures each beside another revision, side by side.
# Each script's output is appended to artifacts/bench/<mode>.txt; the run fails only when a
# script crashes (exits non-zero), never on a slow figure.
set -uo pipefail

mode=${1:-smoke}
case "$mode" in
  full) flag="" ;;
  smoke) flag="--small" ;;
  *) echo "usage: $0 full|smoke" >&2; exit 2 ;;
esac
py=.venv/bin/python
out=artifacts/bench/$mode.txt
mkdir -p artifacts/bench
: > "$out"
failed=()
for script in bench/scoring.py bench/storage.py bench/workshop.py bench/results.py bench/bank_editor.py bench/cohorts.py bench/report.py bench/presenter.py bench/rerun.py bench/load.py; do
  [ -f "$script" ] || continue
  echo "== $script $flag ($(date -u +%FT%TZ))" | tee -a "$out"
  command=("$py" "$script")
  [ -n "$flag" ] && command+=("$flag")
  # BENCH_AGAINST=REF: each script that can also measures git revision REF in the same run and
  # prints every figure's ratio to it (bench/versions.py)
  if [ -n "${BENCH_AGAINST:-}" ] && grep -q side_by_side_if_asked "$script"; then
    command+=(--against "$BENCH_AGAINST")
  fi
  # the storage benchmark compares SQLite with a real PostgreSQL: give it a throwaway cluster
  [ "$script" = bench/storage.py ] && command=(pg_virtualenv -t -- "${command[@]}")
  "${command[@]}" 2>&1 | tee -a "$out"
  status=${PIPESTATUS[0]}
  [ "$status" -eq 0 ] || failed+=("$script (exit $status)")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "benchmarks that crashed: ${failed[*]}" | tee -a "$out" >&2
  exit 1
fi
echo "figures written to $out"
