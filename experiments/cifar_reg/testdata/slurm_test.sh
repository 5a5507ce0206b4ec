#!/usr/bin/env bash
# Integration test of `cifar_reg sweep` on a real single-node SLURM on this
# machine (Debian's slurm-wlm and munge; configuration after
# ../shared/notes/slurm-local.md). Run as root from the repository root:
#   make test-slurm
# It installs SLURM if needed, starts munged, slurmctld and slurmd, submits a
# smoke sweep of three models with sbatch, waits for the jobs, checks the
# aggregated report and stops the daemons it started.
set -euo pipefail
repo=$(pwd)
data=${CIFAR10_DIR:?set CIFAR10_DIR (make test-slurm does)}
work=$(mktemp -d /tmp/brainreg-slurm.XXXXXX)
state=$work/slurm
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -x munged 2>/dev/null || true
}
trap cleanup EXIT

if ! command -v sbatch >/dev/null || ! command -v slurmd >/dev/null; then
  echo "installing slurm-wlm and munge"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

node=$(hostname -s)
mkdir -p "$state"/{state,spool,log} /run/munge /etc/slurm
chown munge:munge /run/munge
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$node CPUs=2 RealMemory=8000 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

setsid runuser -u munge -- /usr/sbin/munged -F >"$state/log/munged.log" 2>&1 &
sleep 1
setsid /usr/sbin/slurmctld -D -i >"$state/log/ctld.out" 2>&1 & pids+=($!)
sleep 3
setsid /usr/sbin/slurmd -D >"$state/log/d.out" 2>&1 & pids+=($!)
for _ in $(seq 30); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo

CGO_ENABLED=0 go build -o "$work/cifar_reg" ./experiments/cifar_reg
# An output directory with a space, a dollar sign and a quote in its name:
# every path in the generated scripts must reach bash and sbatch intact.
shared="$work/a b\$c'd"
"$work/cifar_reg" sweep -preset smoke -models baseline,neural,shuffled -data "$data" -out "$shared" -cpus 1 -mem 2000 -time 00:30:00 | tee "$work/sweep.txt"
submit=$(sed -n 's/^submit: bash //p' "$work/sweep.txt")
bash "$submit"
for _ in $(seq 900); do
  [ -z "$(squeue -h 2>/dev/null)" ] && break
  sleep 2
done
if [ -n "$(squeue -h)" ]; then echo "FAIL: jobs still queued after 30 minutes"; squeue; exit 1; fi
logs=$(dirname "$submit")/logs
tail -n 3 "$logs"/*.out
report=$(ls "$logs"/report-*.out)
if ! grep -q "(3 of 3 models finished)" "$report"; then
  echo "FAIL: the report did not aggregate all three models"; cat "$report"; exit 1
fi
ls "$shared"/report-smoke-*/results.json "$shared"/report-smoke-*/plots/noise_gaussian.png
echo "slurm: 1 passed, 0 failed"
