#!/usr/bin/env bash
# The lectures that train networks, and the convnet benchmark, on the lent GPU machine.
#
#   bash tools/gpu_run.sh prepare          # here: build .gpu-carry/ (wheels, data, bodies) and
#                                          # check that it travels within 64 MiB with the tree
#   bash tools/gpu_run.sh run [ARGS]       # there: install the wheels into /tmp/site, then
#                                          # tools/gpu_profile.py ARGS (bench, then lectures)
#   PYTHON=/tmp/gpu-sim/bin/python bash tools/gpu_run.sh run --tiny   # the CPU rehearsal
#
# The device tool's call (carry the one folder; the script keeps within ~9 minutes):
#   run(command="bash tools/gpu_run.sh run --jobs 3", carry=[".gpu-carry"], timeout_s=600)
# The tables come back in $OUT: gpu_full_profile.md, gpu_convnet.md, gpu_lectures.log,
# gpu_run.log. ARGS: see `python3 tools/gpu_profile.py --help` (--budget, --cap, --jobs, ...).
set -u
cd "$(dirname "$0")/.."
GPU_RUN_START=$(date +%s)
export GPU_RUN_START

case "${1:-}" in
prepare)
    shift
    exec "${VENV_PYTHON:-.venv/bin/python}" tools/gpu_carry.py "$@"
    ;;
run)
    shift
    export GPU_RUN_COMMAND="bash tools/gpu_run.sh run $*"
    py=${PYTHON:-python3}
    if ! ls .gpu-carry/whl/*.whl >/dev/null 2>&1; then
        echo "error: no .gpu-carry/whl/*.whl here: run 'bash tools/gpu_run.sh prepare' first, and name .gpu-carry in the run's carry"
        exit 1
    fi
    site=${GPU_SITE:-/tmp/site}
    "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target "$site" .gpu-carry/whl/*.whl 2>&1 | grep -v -e "is ignored" -e "^$" >&2
    if [ "${PIPESTATUS[0]}" -ne 0 ]; then
        echo "error: installing the carried wheels into $site failed (see above)"
        exit 1
    fi
    export PYTHONPATH="$site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
    echo "installed $(ls .gpu-carry/whl/*.whl | wc -l) wheels into $site in $(($(date +%s) - GPU_RUN_START)) s"
    exec "$py" tools/gpu_profile.py "$@"
    ;;
*)
    echo "usage: bash tools/gpu_run.sh prepare | run [--tiny] [--jobs N] [lecture numbers]"
    exit 2
    ;;
esac
