#!/usr/bin/env bash
# vramgate scaled out on Slurm: a job array runs one shard per task (one GPU each), then a
# job that depends on the whole array merges the shards into one results file and report,
# gated over the whole.
#
#   bash examples/slurm/array.sh      # from a login node: submits the array and the merge
#
# Each task reads its shard from SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and
# SLURM_ARRAY_TASK_MIN (tasks 0..3 are shards 1..4 of 4; a step such as --array=1-7:2 is
# read too; arrays that are not one range need `--shard i/n` instead). Change the array
# size and nothing else: vramgate reads the count from Slurm.
#SBATCH --job-name=vramgate
#SBATCH --array=0-3
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=8
#SBATCH --time=01:00:00
#SBATCH --output=results/slurm-%A_%a.out
set -uo pipefail

SCENARIOS=${VRAMGATE_SCENARIOS:-scenarios/resnet50-torch.yaml scenarios/encoder-torch.yaml}
RESULTS=${VRAMGATE_RESULTS:-results}

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # Not inside the array: submit it, and the merge after every task has ended (afterany:
  # failed gates included; merge refuses missing shards itself).
  mkdir -p "$RESULTS"
  array=$(sbatch --parsable --export=ALL "$0") || exit 1
  array=${array%%;*}
  sbatch --dependency="afterany:$array" --job-name=vramgate-merge --output="$RESULTS/slurm-merge-%j.out" \
    --wrap "vramgate merge $RESULTS/shard-*/*.json --out $RESULTS/merged"
  echo "submitted array $array and its merge; the merged report will be in $RESULTS/merged/"
  exit 0
fi

# One task = one shard. Exit 0 gates hold · 1 a gate failed · 2 bad input · 3 a strategy
# could not run; the merge job gates the whole either way.
# shellcheck disable=SC2086 # SCENARIOS is a list of files
exec vramgate bench $SCENARIOS --out "$RESULTS/shard-$SLURM_ARRAY_TASK_ID"
