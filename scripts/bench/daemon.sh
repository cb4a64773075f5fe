#!/usr/bin/env bash
# Measures the daemon's overhead beyond the segmenter's own time: starts `ganet-seg watch` on a
# temporary spool, drops the given studies into the inbox at once, waits until all are published,
# and compares the wall time from the drop to the last publish with the sum of the studies'
# metrics.json timings_ms.total (read to write, measured inside the segmenter).
# Usage: bash scripts/bench/daemon.sh [BINARY] STUDY_DIR...   (default binary: .build/release/ganet-seg)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/dev/spool.sh
bin=.build/release/ganet-seg
if [[ -x ${1:-} && ! -d ${1:-} ]]; then bin=$1; shift; fi
(($#)) || { echo "usage: $0 [BINARY] STUDY_DIR..." >&2; exit 64; }
spool=$(mktemp -d /tmp/ganet-seg-daemon-bench.XXXX)
make_spool "$spool"
for s in "$@"; do cp -r "$s" "$spool/staging/"; done
"$bin" watch --config "$spool/config.toml" 2> "$spool/daemon.log" &
daemon=$!
trap 'kill $daemon 2>/dev/null || true' EXIT
sleep 2
start=$(date +%s.%N)
for s in "$spool"/staging/*; do mv "$s" "$spool/inbox/"; done
while (( $(ls "$spool/archive" | wc -l) < $# )); do
  sleep 0.05
  (( $(ls "$spool/failed" | wc -l) == 0 )) || { echo "a study failed: $(ls "$spool/failed")" >&2; exit 1; }
done
end=$(date +%s.%N)
kill -TERM $daemon; wait $daemon || true
python3 - "$spool" "$start" "$end" <<'PY'
import json, pathlib, sys
spool, start, end = pathlib.Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
inside = [json.load(open(p))["timings_ms"]["total"] / 1000 for p in spool.glob("outbox/*/metrics.json")]
wall = end - start
print(f"{len(inside)} studies: wall {wall:.2f} s from drop to last publish; segmenter {sum(inside):.2f} s "
      f"({', '.join(f'{t:.2f}' for t in inside)}); daemon overhead {wall - sum(inside):.2f} s = "
      f"{100 * (wall - sum(inside)) / sum(inside):.2f}%")
PY
