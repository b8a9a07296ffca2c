#!/bin/bash
# Side by side: bench/reports.py of git revision REV (checked out in a temporary worktree) and of this tree,
# alternated old, new, old, new on one warehouse, so a noisy machine moves both sides alike.
#
#   bench/reports_ab.sh REV [REPORT ...]        e.g. bench/reports_ab.sh 90cd7d7 products ads
#   RUNS="1 2 3" REPEAT=7 DB=bench/out/demo_scale100.duckdb bench/reports_ab.sh HEAD~1 traffic
#   OLD_DB=bench/out/demo_scale100_s8.duckdb DB=bench/out/demo_scale100_s9.duckdb bench/reports_ab.sh HEAD~1 traffic
#     (a copy of the store for each side, when this tree migrated its own copy to a schema REV cannot open)
#
# Prints bench/reports.py's rows (cold/warm/next-minute medians, bare SQL and ratios) for each side and run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:?usage: bench/reports_ab.sh REV [REPORT ...]}
shift
db=$(realpath "${DB:-$here/bench/out/demo_scale100_s9.duckdb}")
old_db=$(realpath "${OLD_DB:-$db}")
python=${PYTHON:-$here/.venv/bin/python}
old=$(mktemp -d)
trap 'git -C "$here" worktree remove --force "$old" >/dev/null 2>&1 || true' EXIT
git -C "$here" worktree add --detach --force "$old" "$rev" >/dev/null
for i in ${RUNS:-1 2}; do
  for side in old new; do
    dir=$old; side_db=$old_db; [ "$side" = new ] && dir=$here && side_db=$db
    echo "== $side ($([ "$side" = new ] && echo "this tree" || echo "$rev")) run $i $(date -u +%H:%M) UTC"
    (cd "$dir" && "$python" bench/reports.py --db "$side_db" --repeat "${REPEAT:-5}" ${1:+--reports "$@"} | tail -n +5)
  done
done
