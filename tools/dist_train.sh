#!/usr/bin/env bash
# Train with GPUS processes on this node (torchrun). On a machine without CUDA the processes
# join a gloo group and train on the CPU.
#   bash tools/dist_train.sh CONFIG GPUS [train.py options]
# Environment: NNODES, NODE_RANK, PORT, MASTER_ADDR (multi-node), PYTHON
# (interpreter; default: the checkout's .venv/bin/python when it exists, else python).

CONFIG=$1
GPUS=$2
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
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
