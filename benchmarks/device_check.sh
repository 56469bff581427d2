#!/usr/bin/env bash
# One command on a machine with a GPU, under 10 minutes: the CUDA tests, the analysis benchmark on
# CUDA, and the class-load benchmark (40 students at once; the CLI's folder mode). Without CUDA it
# says so and exits 0. Results: the terminal, and $OUT (or benchmarks/device-results/) as text/JSON.
#
#     bash benchmarks/device_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
export RESNET_VIZ_OFFLINE="${RESNET_VIZ_OFFLINE:-1}" GRADIO_ANALYTICS_ENABLED=False
PY="${PYTHON:-python}"
if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    echo "device_check: no CUDA device here: skipped (nothing was run)."
    exit 0
fi
RESULTS="${OUT:-benchmarks/device-results}"
mkdir -p "$RESULTS"
status=0
step() {  # step NAME SECONDS COMMAND...: each step has its own time limit, so the whole stays < 10 min
    local name=$1 limit=$2
    shift 2
    echo "=== $name (limit ${limit} s) ==="
    local started=$SECONDS
    timeout "$limit" "$@" 2>&1 | tee "$RESULTS/$name.txt"
    local rc=${PIPESTATUS[0]}
    echo "=== $name: exit $rc in $((SECONDS - started)) s ==="
    [ "$rc" -eq 0 ] || status=1
}
{
    date -u +"%Y-%m-%d %H:%M UTC"
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not found"
    "$PY" -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, torch.cuda.get_device_name(0))"
} | tee "$RESULTS/device.txt"
step cuda-tests 150 "$PY" -m pytest -q -m cuda -p no:cacheprovider tests/test_cuda.py tests/test_microbatch.py
step bench-analyze 150 "$PY" benchmarks/bench_analyze.py --quick --device cuda
step bench-class 240 "$PY" benchmarks/bench_class.py --device cuda --model resnet50 --cli --json "$RESULTS/bench_class.json"
echo "device_check: $([ $status -eq 0 ] && echo all steps passed || echo some step failed); results in $RESULTS/"
exit $status
