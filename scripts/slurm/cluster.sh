#!/usr/bin/env bash
# A one-host Slurm cluster (munged, slurmctld, slurmd from Debian's slurm-wlm and munge) in a folder of its own,
# for the tests and for trying job arrays without an HPC site. Everything (key, config, state, logs, sockets)
# lives in DIR; nothing under /etc is touched.
#
#   scripts/slurm/cluster.sh start DIR    starts the daemons and prints the SLURM_CONF to export
#   scripts/slurm/cluster.sh stop DIR     stops them (DIR can then be removed)
#
# The daemons run as the calling user (root in CI). Ports: 16817 (controller) and 16818 (node) unless
# SLURM_PORT_BASE says otherwise. On a real cluster none of this is needed: sbatch scripts/slurm/embed.sbatch.
set -euo pipefail
# Close descriptors inherited above stderr: the daemons outlive this script and must not hold a caller's pipe
# open (a caller that learns of our exit, or reads our output, through one would wait forever).
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
done
action=${1:?usage: scripts/slurm/cluster.sh start|stop DIR}
dir=${2:?usage: scripts/slurm/cluster.sh start|stop DIR}
base=${SLURM_PORT_BASE:-16817}
say() { printf 'slurm: %s\n' "$*" >&2; }

# Every daemon names DIR on its command line: they are found by it (pid files can be stale or missing).
stop() {
  [ -d "$dir" ] || return 0
  local folder
  folder=$(cd "$dir" && pwd)
  daemons() { pgrep -f -- "(munged|slurmctld|slurmd) .*$folder/" | grep -vx "$$" || true; }
  local pids
  pids=$(daemons)
  [ -n "$pids" ] && kill $pids 2>/dev/null
  for _ in $(seq 1 50); do
    [ -z "$(daemons)" ] && break
    sleep 0.1
  done
  pids=$(daemons)
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  rm -f "$folder"/*.pid
}

case "$action" in
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "usage: scripts/slurm/cluster.sh start|stop DIR" >&2; exit 2 ;;
esac

for program in munged slurmctld slurmd sbatch; do
  command -v "$program" >/dev/null || { say "$program is missing: apt-get install slurm-wlm munge"; exit 1; }
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
chmod 700 "$dir"
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
host=$(hostname -s)
user=$(id -un)
cpus=$(nproc)
if [ ! -f "$dir/munge.key" ]; then
  head -c 1024 /dev/urandom > "$dir/munge.key"
  chmod 400 "$dir/munge.key"
fi
# The daemons log to files and must not hold this script's output open: a caller reading it to its end
# would wait for them forever.
munged --socket="$dir/munge.socket" --key-file="$dir/munge.key" --log-file="$dir/log/munged.log" \
  --pid-file="$dir/munged.pid" --seed-file="$dir/munged.seed" --force </dev/null >/dev/null 2>&1
cat > "$dir/slurm.conf" <<CONF
ClusterName=crossmodal
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmdSpoolDir=$dir/spool
StateSaveLocation=$dir/state
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" </dev/null >/dev/null 2>&1
slurmd -f "$SLURM_CONF" </dev/null >/dev/null 2>&1
for _ in $(seq 1 100); do
  if sinfo -h -o %T 2>/dev/null | grep -q idle; then echo "$SLURM_CONF"; exit 0; fi
  sleep 0.2
done
say "the node did not come up; see $dir/log"
tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
stop
exit 1
