#!/usr/bin/env bash
# Segments a cohort on a Slurm cluster: one array task per study, each a `ganet-seg segment` that
# publishes OUT/<id>/ whole (staged, then renamed into place), so a task that dies leaves nothing
# half-written and its study is simply run again.
#
# Submit (on a login node; STUDIES is a folder of study folders on storage every node sees):
#   bash scripts/product/slurm-array.sh STUDIES OUT [SBATCH_OPTIONS...]
#     e.g. ... /archive/2026 /results/2026 --partition=gpu --gres=gpu:1 --array-limit=8
# It lists the studies into OUT/.slurm/studies-<time>.txt, submits this script as an array of that many
# tasks (at most --array-limit at once, default 16) and prints the job id. Each task's log is
# OUT/.slurm/<job>_<task>.log. Re-submitting the same command runs only the studies that have no
# OUT/<id>/metrics.json yet: the way to finish a cohort after failures or a cancelled job.
# The binary is $GANET_SEG (default: ganet-seg on the nodes' PATH, as the Debian package installs
# it); GANET_SEG_ARGS adds options to every segment (e.g. "--device cpu").
set -euo pipefail
bin=${GANET_SEG:-ganet-seg}

if [[ -n ${SLURM_ARRAY_TASK_ID:-} ]]; then
  # An array task: segment line SLURM_ARRAY_TASK_ID (from 0) of the list.
  list=$1 out=$2
  study=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$list")
  [[ -n $study ]] || { echo "no study at line $((SLURM_ARRAY_TASK_ID + 1)) of $list" >&2; exit 64; }
  echo "task $SLURM_ARRAY_TASK_ID on $(hostname): $study"
  # shellcheck disable=SC2086 # GANET_SEG_ARGS is a list of options
  exec "$bin" segment "$study" -o "$out" ${GANET_SEG_ARGS:-}
fi

if (($# < 2)); then
  sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
  exit 64
fi
studies=$(realpath "$1") out=$(realpath -m "$2")
shift 2
limit=16 sbatch_options=()
for option in "$@"; do
  case $option in
    --array-limit=*) limit=${option#*=} ;;
    *) sbatch_options+=("$option") ;;
  esac
done
[[ -d $studies ]] || { echo "slurm-array: $studies is not a folder" >&2; exit 66; }
mkdir -p "$out/.slurm"
# A new list per submission: tasks of an earlier job still running keep reading the file they were given.
list=$out/.slurm/studies-$(date +%Y%m%dT%H%M%S)-$$.txt
for study in "$studies"/*/; do
  study=${study%/}
  [[ -e $out/$(basename "$study")/metrics.json ]] || echo "$study"
done > "$list"
count=$(wc -l < "$list")
if ((count == 0)); then
  rm -f "$list"
  echo "slurm-array: every study under $studies is already in $out"
  exit 0
fi
job=$(sbatch --parsable --job-name=ganet-seg --array="0-$((count - 1))%$limit" \
  --output="$out/.slurm/%A_%a.log" "${sbatch_options[@]}" "$(realpath "$0")" "$list" "$out")
echo "submitted job $job: $count studies from $studies into $out (logs in $out/.slurm)"
