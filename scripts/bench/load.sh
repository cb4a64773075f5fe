#!/usr/bin/env bash
# Load benchmark of the daemon: drops COUNT small phantom studies (SHAPE, default 96,96,24) into
# the inbox at once, at concurrency 1 and then 2, and reports for each the wall time from the drop
# to the last archive, studies per minute and the daemon's peak RSS; then checks that every study
# was published exactly once with nothing failed, and that the masks of the two runs are identical.
# Usage: bash scripts/bench/load.sh [BINARY] [COUNT] [SHAPE]   (needs GNU time)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/dev/spool.sh
bin=.build/release/ganet-seg
if [[ -x ${1:-} && ! -d ${1:-} ]]; then bin=$1; shift; fi
bin=$(realpath "$bin")
count=${1:-200} shape=${2:-96,96,24}
root=$(mktemp -d /tmp/ganet-seg-load.XXXX)
trap 'pkill -KILL -f -- "--config $root/" 2>/dev/null || true; rm -rf "$root"' EXIT
"$bin" synth --output "$root/src" --count "$count" --shape "$shape" --seed 77 >/dev/null 2>&1

for workers in 1 2; do
  spool=$root/c$workers
  make_spool "$spool" "concurrency = $workers"
  cp -r "$root/src/." "$spool/staging/"
  /usr/bin/time -f %M -o "$spool/rss" "$bin" watch --config "$spool/config.toml" 2>"$spool/daemon.log" &
  pid=$!
  until grep -q watching "$spool/daemon.log"; do sleep 0.1; done
  start=$(date +%s.%N)
  for s in "$spool"/staging/*; do mv "$s" "$spool/inbox/"; done
  while (( $(ls "$spool/archive" | wc -l) < count )); do
    sleep 0.2
    [[ -z "$(ls "$spool/failed")" ]] || { echo "a study failed: $(ls "$spool/failed")" >&2; exit 1; }
  done
  end=$(date +%s.%N)
  pkill -TERM -P $pid; wait $pid || true   # the daemon, child of time
  published=$(ls -A "$spool/outbox" | wc -l)
  ((published == count)) || { echo "concurrency $workers: $published entries in the outbox for $count studies" >&2; exit 1; }
  awk -v n="$count" -v w="$workers" -v s="$start" -v e="$end" -v rss="$(tail -1 "$spool/rss")" 'BEGIN {
    printf "concurrency %d: %d studies in %.1f s (%.1f studies/min, %.2f s each), daemon peak RSS %d MiB\n",
      w, n, e - s, 60 * n / (e - s), (e - s) / n, rss / 1024 }'
done
differ=0
for d in "$root/c1/outbox"/*; do
  id=$(basename "$d")
  cmp -s "$d/${id}_seg.nii.gz" "$root/c2/outbox/$id/${id}_seg.nii.gz" || differ=$((differ + 1))
done
echo "masks identical at concurrency 1 and 2: $((count - differ)) of $count"
((differ == 0))
