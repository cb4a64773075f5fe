#!/usr/bin/env bash
# The fault-injection runs too slow for `swift test`, against a release build:
#  1. SIGKILL at chosen system calls (strace's syscall fault injection) and at seeded random ones,
#     while the daemon processes two studies; after a restart each study must be published exactly
#     once, with nothing left half-written, its input archived unchanged, and a mask identical to a
#     run that was never killed.
#  2. gzip bombs: a study of four small .nii.gz that declare 512^3 float64 (refused from the
#     headers) and one just under the study cap, 400^3 float64 zeros (read, then refused as blank);
#     `segment` must refuse both with its bad-input status and peak under 2 GiB.
# Needs strace and GNU time. Usage: bash scripts/dev/fault-campaign.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/dev/spool.sh
bin=$(realpath "${1:-.build/release/ganet-seg}")
for tool in strace /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "fault-campaign: needs $tool (apt-get install strace time)" >&2; exit 69; }
done
root=$(mktemp -d /tmp/ganet-seg-faults.XXXX)
trap 'pkill -KILL -f -- "--config $root/" 2>/dev/null || true; rm -rf "$root"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# --- studies and a reference run that is never killed ------------------------------------------
"$bin" synth --output "$root/src" --count 2 --shape 96,96,24 --seed 31 >/dev/null 2>&1
ids=$(ls "$root/src" | sort | tr '\n' ' ')

new_spool() {  # DIR: an empty spool, its config, and the studies staged
  make_spool "$1" "retry_backoff_seconds = 0.2"
  for id in $ids; do cp -r "$root/src/$id" "$1/staging/"; done
}

wait_for_log() {  # SPOOL TEXT: until the daemon's log has TEXT (at most 30 s)
  for _ in $(seq 300); do grep -q "$2" "$1/daemon.log" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

drop_all() {  # SPOOL: moves every staged study into the inbox whole
  for id in $ids; do mv "$1/staging/$id" "$1/inbox/"; done
}

finish() {  # SPOOL: runs the daemon until every study is archived, then stops it
  "$bin" watch --config "$1/config.toml" 2>>"$1/daemon.log" &
  local pid=$! n=0
  for _ in $(seq 1200); do
    n=$(ls "$1/archive" | wc -l)
    ((n == 2)) && break
    sleep 0.1
  done
  kill -TERM $pid; wait $pid || true
}

# The studies are in the inbox before the daemon starts: its start-up scan finds them.
reference=$root/reference
new_spool "$reference"
drop_all "$reference"
finish "$reference"

check_spool() {  # SPOOL POINT: exactly once, nothing half-written, inputs intact, masks identical
  local spool=$1 point=$2
  [[ "$(ls -A "$spool/outbox" | sort | tr '\n' ' ')" == "$ids" ]] || fail "$point: outbox holds $(ls -A "$spool/outbox" | tr '\n' ' ')"
  [[ -z "$(ls -A "$spool/failed")" ]] || fail "$point: failed/ holds $(ls -A "$spool/failed" | tr '\n' ' ')"
  [[ -z "$(ls -A "$spool/work")" ]] || fail "$point: work/ holds $(ls -A "$spool/work" | tr '\n' ' ')"
  for id in $ids; do
    diff -r "$root/src/$id" "$spool/archive/$id" >/dev/null || fail "$point: archived input of $id differs from what was dropped"
    cmp -s "$reference/outbox/$id/${id}_seg.nii.gz" "$spool/outbox/$id/${id}_seg.nii.gz" || fail "$point: mask of $id differs from the reference run's"
    [[ -s "$spool/outbox/$id/metrics.json" && -s "$spool/outbox/$id/report/overview.png" ]] || fail "$point: $id published without metrics.json or report"
  done
}

# --- 1. SIGKILL at chosen system calls -----------------------------------------------------------
# strace counts each thread's calls apart. The main thread makes the three start-up rename probes
# (renameat2, mkdir); the worker makes, per study, the claim, publish and archive (renameat2: the
# second study's are its 4th to 6th), the attempt record, mask, report pages, metrics.json and
# publish token (rename), fsyncs, syncfs and the records' removal (unlink); the report's pages are
# shared with a helper thread, whose renames count apart again.
points=(renameat2:4 renameat2:5 renameat2:6 rename:1 rename:2 rename:5 rename:7 rename:9
        rename:11 rename:12 fsync:1 fsync:3 fsync:5 fsync:7 syncfs:1 syncfs:2 syncfs:3 unlink:1 unlink:2 mkdir:4)
RANDOM=2212
for _ in 1 2 3 4; do points+=("rename:$((RANDOM % 12 + 1))"); done
reached=0
for point in "${points[@]}"; do
  syscall=${point%:*} when=${point#*:}
  spool=$root/kill-${syscall}-$when-$RANDOM
  new_spool "$spool"
  # strace ends as its tracee did; the subshell keeps the status and the shell's "Killed" line.
  (strace -f -qq -o /dev/null -e trace="$syscall" -e inject="$syscall:signal=KILL:when=$when" \
     "$bin" watch --config "$spool/config.toml" 2>"$spool/daemon.log" && echo 0 || echo $?) >"$spool/status" 2>/dev/null &
  pid=$!
  wait_for_log "$spool" "watching" || { fail "$point: the daemon never started"; continue; }
  drop_all "$spool"
  for _ in $(seq 600); do kill -0 $pid 2>/dev/null || break; (( $(ls "$spool/archive" | wc -l) == 2 )) && break; sleep 0.1; done
  if kill -0 $pid 2>/dev/null; then
    pkill -TERM -f -- "--config $spool/config.toml" || true
    wait $pid || true
    echo "$point: not reached (both studies done first)"
  else
    wait $pid || true
    rc=$(cat "$spool/status")
    ((rc == 137)) || fail "$point: the daemon ended with status $rc instead of being killed"
    reached=$((reached + 1))
  fi
  finish "$spool"
  check_spool "$spool" "$point"
  echo "$point: restarted, checked"
done
echo "SIGKILL: $reached of ${#points[@]} points reached; each study published exactly once after the restart"

# --- 2. gzip bombs under a memory ceiling --------------------------------------------------------
le16() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $(($1 >> 8)))"; }
bomb() {  # FOLDER ID SIZE: four .nii.gz of SIZE^3 float64 zeros
  local file=$1/tmp.nii.gz
  mkdir -p "$1"
  {
    printf '\x5c\x01\x00\x00'; head -c 36 /dev/zero                       # sizeof_hdr 348
    le16 3; le16 "$3"; le16 "$3"; le16 "$3"; le16 1; le16 1; le16 1; le16 1  # dim
    head -c 14 /dev/zero; le16 64; le16 64; head -c 2 /dev/zero         # datatype float64, bitpix
    for _ in 1 2 3 4; do printf '\x00\x00\x80\x3f'; done; head -c 16 /dev/zero  # pixdim 1 mm
    printf '\x00\x00\xb0\x43'; head -c 232 /dev/zero                    # vox_offset 352
    printf 'n+1\x00'; head -c 4 /dev/zero                               # magic, no extensions
    head -c $(($3 * $3 * $3 * 8)) /dev/zero
  } | gzip -1 > "$file"
  for m in t1 t1ce t2 flair; do cp "$file" "$1/$2_$m.nii.gz"; done
  rm "$file"
}
for case in "Bomb 512 more than" "Near 400 one value everywhere"; do
  read -r id size expected <<<"$case"
  bomb "$root/bombs/$id" "$id" "$size"
  /usr/bin/time -f %M -o "$root/$id.rss" "$bin" segment "$root/bombs/$id" --output "$root/bomb-out" --device cpu \
    >/dev/null 2>"$root/$id.err" && rc=0 || rc=$?
  peak_mb=$(( $(tail -1 "$root/$id.rss") / 1024 ))
  ((rc == 65)) || fail "$id: segment exited $rc, expected 65 (bad input): $(tail -1 "$root/$id.err")"
  grep -q "$expected" "$root/$id.err" || fail "$id: expected \"$expected\" in: $(tail -1 "$root/$id.err")"
  ((peak_mb < 2048)) || fail "$id: peak RSS $peak_mb MiB, over the 2 GiB ceiling"
  [[ ! -e "$root/bomb-out/$id" ]] || fail "$id: an output folder was left behind"
  echo "gzip bomb $id (${size}^3 float64 x4, $(du -sk "$root/bombs/$id" | cut -f1) KiB on disk): refused, exit $rc, peak RSS $peak_mb MiB"
done

((failures == 0)) || { echo "fault campaign: $failures failure(s)" >&2; exit 1; }
echo "fault campaign: all checks passed"
