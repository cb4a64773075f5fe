#!/usr/bin/env bash
# Tests scripts/product/slurm-array.sh on a single-node Slurm started here (Debian's slurm-wlm and
# munge, in a scratch folder, on their own ports): four tiny phantoms and one study without FLAIR
# are submitted as an array; every good study must be published whole, the bad one must fail with
# exit 65 and leave nothing, and a second submission must queue only what is not done yet.
# When Slurm cannot start on this machine (no root, a container without the needed privileges),
# it says so on a SKIP line with the daemons' logs, and exits 0.
# Usage: bash scripts/dev/test-slurm.sh [BINARY]   (default: .build/release/ganet-seg; needs root)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-.build/release/ganet-seg}")
fail() { echo "test-slurm: $*" >&2; exit 1; }
skip() {
  echo "SKIP test-slurm: Slurm could not start here ($*); the array script was not tested" >&2
  tail -n 5 "$dir"/*.log 2> /dev/null >&2 || true
  exit 0
}
[[ $(id -u) -eq 0 ]] || { dir=/nonexistent; skip "needs root to run slurmd"; }
command -v slurmctld > /dev/null || fail "slurm-wlm is not installed (scripts/product/install-deps.sh)"

dir=$(mktemp -d)
chmod 755 "$dir"
cleanup() {
  scancel --quiet --full ganet-seg 2> /dev/null || true
  for daemon in slurmd slurmctld munged; do
    [[ -f $dir/$daemon.pid ]] && kill "$(cat "$dir/$daemon.pid")" 2> /dev/null || true
  done
  sleep 1
  [[ -n ${KEEP_SLURM_DIR:-} ]] || rm -rf "$dir"
}
trap cleanup EXIT
node=$(hostname -s)
export SLURM_CONF=$dir/slurm.conf
cat > "$SLURM_CONF" <<EOF
ClusterName=ganetseg-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
mkdir -p "$dir/state" "$dir/spool"
mungekey --create --keyfile="$dir/munge.key" 2> /dev/null || skip "mungekey failed"
munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" --pid-file="$dir/munged.pid" \
  --log-file="$dir/munged.log" --seed-file="$dir/munge.seed" 2> "$dir/munged-start.log" || skip "munged did not start"
slurmctld -f "$SLURM_CONF" 2> "$dir/slurmctld-start.log" || skip "slurmctld did not start"
slurmd -f "$SLURM_CONF" 2> "$dir/slurmd-start.log" || skip "slurmd did not start"
for _ in $(seq 60); do
  [[ $(sinfo -h -n "$node" -o %T 2> /dev/null) == idle ]] && break
  sleep 1
done
[[ $(sinfo -h -n "$node" -o %T 2> /dev/null) == idle ]] || skip "the node did not come up idle: $(sinfo -h -o '%T %E' 2> /dev/null)"
echo "single-node Slurm up ($(sinfo -V))"

studies=$dir/studies out=$dir/results
"$bin" synth --output "$studies" --count 4 --seed 40 --shape 96,96,24 > /dev/null 2>&1
cp -r "$studies/Phantom_40_001" "$studies/NoFlair_001"
for f in "$studies"/NoFlair_001/*; do mv "$f" "${f/Phantom_40_001/NoFlair_001}"; done
rm "$studies"/NoFlair_001/*_flair.nii.gz

wait_for() {
  for _ in $(seq 300); do
    [[ -z $(squeue -h -j "$1" 2> /dev/null) ]] && return 0
    sleep 1
  done
  fail "job $1 still queued after 300 s: $(squeue -j "$1")"
}
submitted=$(GANET_SEG=$bin GANET_SEG_ARGS="--device cpu" bash scripts/product/slurm-array.sh "$studies" "$out" --array-limit=2)
echo "$submitted"
job=$(grep -o 'job [0-9]*' <<< "$submitted" | cut -d' ' -f2)
[[ $submitted == *": 5 studies"* ]] || fail "expected 5 studies submitted: $submitted"
wait_for "$job"

# Every task's end state, from the job completion log (no accounting database needed).
states=$(grep "ArrayJobId=$job " "$dir/jobcomp.log" \
  | sed -E 's/.*JobState=([A-Z]+).* ExitCode=([0-9:]+).*/\1 \2/' | sort | uniq -c | tr -s ' ')
[[ $states == *"4 COMPLETED 0:0"* && $states == *"1 FAILED 65:0"* ]] \
  || fail "expected 4 tasks COMPLETED and 1 FAILED with exit 65, got: $states"
for id in Phantom_40_001 Phantom_40_002 Phantom_40_003 Phantom_40_004; do
  [[ -s $out/$id/metrics.json && -s $out/$id/${id}_seg.nii.gz && -s $out/$id/report/overview.png ]] \
    || fail "$id was not published whole"
done
published=$(cd "$out" && ls -A | grep -v '^\.slurm$' | tr '\n' ' ')
[[ $published == "Phantom_40_001 Phantom_40_002 Phantom_40_003 Phantom_40_004 " ]] \
  || fail "the results hold more than the four good studies: $published"
grep -q "no FLAIR\|flair\|FLAIR" "$out"/.slurm/"${job}"_*.log || fail "no task log names the missing FLAIR"
echo "array job $job: 4 studies published, the study without FLAIR failed with exit 65 and left nothing"

again=$(GANET_SEG=$bin GANET_SEG_ARGS="--device cpu" bash scripts/product/slurm-array.sh "$studies" "$out")
[[ $again == *": 1 studies"* ]] || fail "a second submission should queue only the failed study: $again"
wait_for "$(grep -o 'job [0-9]*' <<< "$again" | cut -d' ' -f2)"
echo "resubmission queued only the study not yet published"
