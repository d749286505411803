# Sourced by the examples' GPU-evidence scripts (examples/*/run-on-gpu.sh): one output folder
# under $OUT, everything printed also kept in its run.log, each step's exit code recorded in
# exit-codes.txt rather than stopping the rest.
#   evidence_init NAME                    D="$OUT/NAME"; run.log; step/rc below
#   step "what"                           a timestamped heading in the log
#   rc NAME CODE                          records "NAME exit code: CODE"
#   evidence_versions MODULE...           GPU, node, and each Python module's version (rc imports)
#   evidence_dist_has FILE PATTERN WHAT   warns (rc dist-has-WHAT 1) when dist/ is older than the tree
evidence_init() {
  set -u
  OUT=${OUT:-/tmp/vramgate-out}
  D="$OUT/$1"
  mkdir -p "$D"
  exec > >(tee -a "$D/run.log") 2>&1
}

step() { echo; echo "=== $(date -u +%T) (+${SECONDS}s) $*"; }

rc() { echo "$1 exit code: $2" | tee -a "$D/exit-codes.txt"; }

evidence_versions() {
  step "environment"
  nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version --format=csv 2>&1 | head -n 3
  node --version
  python3 - "$@" <<'PY'
import importlib, sys
for name in sys.argv[1:]:
    try:
        m = importlib.import_module(name)
        extra = " cuda %s available %s" % (m.version.cuda, m.cuda.is_available()) if name == "torch" else ""
        print(name, m.__version__ + extra)
    except Exception as e:
        print(name, "not importable:", type(e).__name__, e)
PY
  rc imports $?
}

evidence_dist_has() {
  if [ -f "$1" ] && grep -q "$2" "$1"; then
    echo "dist/ has $3"
  else
    echo "WARNING: $1 has no $2: run 'npm run build' first ($3 will be missing)"
    rc "dist-has-$3" 1
  fi
}
