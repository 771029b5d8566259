#!/usr/bin/env bash
# One prepared device check: every benchmark with --device, 50 AMP (fp16 + bf16) training
# iterations of DNC, DL2PA and MCC ResNet-50 on synthetic data (finite losses, finite and
# unit-norm state), the DNC full-step overhead vs the linear head, and DNC peak memory vs
# Table 24 (tools/benchmarks/dnc_memory.py --backbone). Writes one markdown summary.
#
#   tools/benchmarks/gpu_check.sh                        # --device cuda, at most ~8 min on one GPU
#   tools/benchmarks/gpu_check.sh --device cpu --smoke   # the same steps at toy sizes
#   tools/benchmarks/gpu_check.sh --out work_dirs/gpu_check.md
#
# Exit status: 0 when every step passed, 1 otherwise (the summary names the failing steps).
set -u

DEVICE=cuda
SMOKE=0
OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --device) DEVICE="$2"; shift 2 ;;
        --smoke) SMOKE=1; shift ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "gpu_check.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT" || exit 2
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python; fi
fi
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
OUT="${OUT:-$ROOT/work_dirs/gpu_check_${DEVICE//:/_}$([ $SMOKE = 1 ] && echo _smoke).md}"
mkdir -p "$(dirname "$OUT")"
LOGDIR="$(mktemp -d)"
B=tools/benchmarks
D="--device $DEVICE"

# name | time limit (s) | command. Full sizes: the paper's (ImageNet C=1000, D=2048, batch
# 256 / 32 per GPU); smoke sizes: toy shapes, same code paths.
if [ $SMOKE = 1 ]; then
    STEPS=(
        "dnc_update_and_resnet50_step|300|$B/dnc_subcentroid_update.py $D --num-classes 10 --dim 64 --batch 16 --memory-batches 0 4 --repeats 1 --resnet50 --resnet50-batch 2 --image-size 32 --resnet50-memory-batches 4 --resnet50-repeats 1"
        "dnc_memory_table24|120|$B/dnc_memory.py $D --num-classes 10 --embed-dim 64 --global-batch 16 --ks 1 4 --memory-batches 4 8 --repeats 1"
        "dnc_seg_head_step|300|$B/dnc_seg_head_step.py $D --num-classes 5 --num-subcentroids 2 --channels 16 --batch 1 --feat-size 8 --label-size 64 --repeats 1 --warmup 0 --full-head --full-head-batch 1 --full-head-feat-size 8 --in-channels 32"
        "dl2pa_assignment|120|$B/dl2pa_assignment.py $D --sizes 50 300 --dim 16 --solvers sparse scipy --proto-iters 2"
        "mcc_head_step|300|$B/mcc_head_step.py $D --num-classes 10 --in-channels 2048 --batch 8 --full-batch 2 --img-size 32 --repeat 2 --full-repeat 1"
        "amp_train_50_iters|300|$B/amp_train_check.py $D --smoke"
    )
else
    STEPS=(
        "dnc_update_and_resnet50_step|150|$B/dnc_subcentroid_update.py $D --memory-batches 0 100 1000 --repeats 3 --resnet50 --resnet50-batch 32 --resnet50-memory-batches 1000 --resnet50-repeats 5"
        "dnc_memory_table24|90|$B/dnc_memory.py $D --backbone --repeats 1"
        "dnc_seg_head_step|60|$B/dnc_seg_head_step.py $D --repeats 3 --full-head"
        "dl2pa_assignment|60|$B/dl2pa_assignment.py $D --sizes 1000 10000 --regimes trained --solvers sparse scipy --proto-iters 1000"
        "mcc_head_step|45|$B/mcc_head_step.py $D --full-batch 256 --full-repeat 5"
        "amp_train_50_iters|75|$B/amp_train_check.py $D --iters 50 --batch 32"
    )
fi

FAILED=()
{
    echo "# mmproto device check ($DEVICE$([ $SMOKE = 1 ] && echo ', smoke sizes'))"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- machine: $("$PYTHON" -c "import platform, torch; d = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no CUDA device'; print(f'{platform.processor() or platform.machine()}, {d}, torch {torch.__version__}')" 2>&1)"
    echo
} > "$OUT"
for step in "${STEPS[@]}"; do
    IFS='|' read -r name limit cmd <<< "$step"
    log="$LOGDIR/$name.log"
    start=$(date +%s)
    # shellcheck disable=SC2086
    timeout "$limit" "$PYTHON" $cmd > "$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    status=passed
    if [ $rc -ne 0 ]; then status="FAILED (exit $rc$([ $rc = 124 ] && echo ', time limit'))"; FAILED+=("$name"); fi
    echo "[gpu_check] $name: $status in ${secs}s"
    {
        echo "## $name: $status, ${secs} s"
        echo
        echo '```'
        echo "python $cmd"
        echo '```'
        echo
        echo '```'
        # the figures (one `<figure>: <value>` line each) and, on failure, the log's tail
        if [ $rc -eq 0 ]; then grep -E '^[A-Za-z0-9_.]+: ' "$log"; else tail -n 40 "$log"; fi
        echo '```'
        echo
    } >> "$OUT"
done
{
    echo "## Summary"
    echo
    if [ ${#FAILED[@]} -eq 0 ]; then echo "All ${#STEPS[@]} steps passed."; else echo "Failed: ${FAILED[*]}"; fi
    echo
    echo "Table 24 (DNC, GB per GPU, ResNet-50, 32 images per GPU): K=1/2/3/4 with 1000 memory"
    echo "batches: 16.07 / 19.04 / 22.03 / 26.31; K=4 with 400/600/800 batches: 11.88 / 16.35 / 21.65"
    echo "(shared/tables/dnc.yaml); compare with the peak figures of dnc_memory_table24 above."
} >> "$OUT"
rm -rf "$LOGDIR"
echo "[gpu_check] summary: $OUT"
[ ${#FAILED[@]} -eq 0 ]
