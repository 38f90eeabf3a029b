#!/usr/bin/env bash
# make test-slurm: runs a small sweep as a Slurm job array on a one-node cluster made on this
# machine, runs the same sweep locally with `cvd sweep run`, and checks that the two merged sets of
# tables are identical byte for byte (timing columns left out).
#
# Installs Debian's slurm-wlm and munge when missing (as root; otherwise prints the command and
# stops). The cluster's configuration, state, logs and the sweeps live in a private folder outside
# the repository (TEST_SLURM_DIR, default a fresh folder under the system's temporary folder); the
# daemons it starts (munged, slurmctld, slurmd) are stopped again at the end, also on failure.
set -euo pipefail

SWIFT=${SWIFT:-swift}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

say() { echo "test-slurm: $*"; }
fail() { echo "test-slurm: FAILED: $*" >&2; exit 1; }

# 1. The packages.
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        say "installing slurm-wlm and munge"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq slurm-wlm munge
    else
        echo "make test-slurm needs Slurm and MUNGE: sudo apt-get install -y slurm-wlm munge" >&2
        exit 1
    fi
fi
[ "$(id -u)" = 0 ] || fail "the one-node cluster runs its daemons as root (SlurmUser=root); run make test-slurm as root"

# 2. The executables (TEST_SLURM_BIN: a folder where cvd, toy2d and digits are built already).
if [ -n "${TEST_SLURM_BIN:-}" ]; then
    bin=$(cd "$TEST_SLURM_BIN" && pwd)
else
    for p in cvd toy2d digits; do "$SWIFT" build -c release --product "$p" >/dev/null; done
    bin=$("$SWIFT" build -c release --show-bin-path)
fi
cvd="$bin/cvd"

# 3. A private folder for the cluster and the sweeps.
work=${TEST_SLURM_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/cvd-test-slurm.XXXXXX")}
mkdir -p "$work"
work=$(cd "$work" && pwd)
case "$work/" in "$repo"/*) fail "TEST_SLURM_DIR must be outside the repository" ;; esac
rm -rf "$work/cluster" "$work/slurm-sweep" "$work/local-sweep"
c="$work/cluster"
mkdir -p "$c/munge" "$c/state" "$c/spool" "$c/log" "$c/run"
chmod 700 "$c" "$c/munge"

started=()
stop() {
    status=$?
    set +e
    if [ -n "${SLURM_CONF:-}" ] && command -v scancel >/dev/null; then scancel --quiet --name=cvd-sweep 2>/dev/null; fi
    for pidfile in "$c/run/slurmd.pid" "$c/run/slurmctld.pid" "$c/munge/munged.pid"; do
        if [ -f "$pidfile" ]; then
            pid=$(cat "$pidfile")
            for s in "${started[@]}"; do
                [ "$s" = "$pidfile" ] || continue
                kill "$pid" 2>/dev/null
                # Wait for it to be gone (slurmctld saves its state first), at most 15 s.
                for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            done
        fi
    done
    if [ "$status" != 0 ]; then
        echo "test-slurm: the cluster's logs are in $c/log (slurmctld.log, slurmd.log) and the sweep's in $work/slurm-sweep/logs" >&2
    fi
    exit "$status"
}
trap stop EXIT

# 4. MUNGE with a key of its own.
dd if=/dev/urandom of="$c/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$c/munge/munge.key"
munged --force --key-file="$c/munge/munge.key" --socket="$c/munge/munge.socket" --pid-file="$c/munge/munged.pid" \
    --log-file="$c/log/munged.log" --seed-file="$c/munge/munged.seed"
started+=("$c/munge/munged.pid")

# 5. slurm.conf for this machine: one node with its real CPUs and memory, one partition.
host=$(hostname -s)
node=$(slurmd -C | head -n 1)
case "$node" in NodeName=*) ;; *) fail "slurmd -C did not describe this node: $node" ;; esac
port=$((20000 + RANDOM % 20000))
export SLURM_CONF="$c/slurm.conf"
cat > "$SLURM_CONF" <<EOF
# A one-node cluster for make test-slurm (written by scripts/test-slurm.sh).
ClusterName=cvdtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$c/munge/munge.socket
StateSaveLocation=$c/state
SlurmdSpoolDir=$c/spool
SlurmctldPidFile=$c/run/slurmctld.pid
SlurmdPidFile=$c/run/slurmd.pid
SlurmctldLogFile=$c/log/slurmctld.log
SlurmdLogFile=$c/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
cat > "$c/cgroup.conf" <<EOF
# Unused (proctrack/linuxproc, task/none); present so no plugin looks for the system's.
CgroupPlugin=autodetect
IgnoreSystemd=yes
EOF

slurmctld -f "$SLURM_CONF"
started+=("$c/run/slurmctld.pid")
slurmd -f "$SLURM_CONF"
started+=("$c/run/slurmd.pid")
for i in $(seq 1 60); do
    state=$(sinfo -h -n "${node#NodeName=}" -o %T 2>/dev/null | head -n 1 || true)
    case "$state" in idle*|mix*|alloc*) break ;; esac
    [ "$i" = 60 ] && fail "the node did not come up (state: ${state:-none})"
    sleep 1
done
say "one-node cluster up: $(sinfo -h -o '%P %D %c %m %T' | head -n 1) (partition nodes CPUs memory state)"

# 6. The same sweep twice: as a Slurm job array and locally.
plan() {
    "$cvd" sweep plan --out "$1" --experiment toy2d,digits --models logreg,knn5 --data mnist5k --seeds 0-3 --quick --bin "$bin" >/dev/null
}
plan "$work/slurm-sweep"
plan "$work/local-sweep"
tasks=$(wc -l < "$work/slurm-sweep/manifest.txt")
"$cvd" sweep slurm "$work/slurm-sweep" --cpus-per-task 1 --mem 1G --time 00:20:00 --partition debug
sbatch --wait "$work/slurm-sweep/sweep.sbatch" || fail "the job array failed (sbatch --wait)"
"$cvd" sweep slurm "$work/slurm-sweep" | grep -q "nothing to submit" || fail "tasks are still missing after the job array"
"$cvd" sweep merge "$work/slurm-sweep" --no-times

"$cvd" sweep run "$work/local-sweep" --jobs 2 --engine xargs | tail -n 2
"$cvd" sweep merge "$work/local-sweep" --no-times

# 7. Byte for byte.
a="$work/slurm-sweep/merged" b="$work/local-sweep/merged"
list_a=$(cd "$a" && find . -type f | sort)
list_b=$(cd "$b" && find . -type f | sort)
[ "$list_a" = "$list_b" ] || fail "the merged folders hold different files"
count=0
while read -r f; do
    cmp "$a/$f" "$b/$f" || fail "$f differs between the Slurm and the local run"
    count=$((count + 1))
done <<< "$list_a"
[ "$count" -gt 0 ] || fail "nothing was merged"
say "$tasks tasks ran as a Slurm job array; merged tables identical to the local run ($count files)"
