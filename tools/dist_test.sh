#!/usr/bin/env bash
# Evaluate a checkpoint with GPUS processes on this node (torchrun; gloo on a CPU machine).
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
# Environment: NNODES, NODE_RANK, PORT, MASTER_ADDR (multi-node), PYTHON
# (interpreter; default: the checkout's .venv/bin/python when it exists, else python).

CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

source "$(dirname "$0")/_python.sh"

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
"${PYTHON}" -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    "$(dirname "$0")/test.py" \
    "$CONFIG" \
    "$CHECKPOINT" \
    --launcher pytorch "${@:4}"
