#!/usr/bin/env bash
# Install everything the README's quick start needs, from the repository root:
#   1. the Debian package dataset-fashion-mnist (Fashion-MNIST), where this user may install
#      packages: as root directly, else with sudo; otherwise it says how and goes on;
#   2. a virtual environment .venv with the pinned stack and mmproto (editable, with the test
#      tools). --cpu installs the CPU-only stack (requirements/pinned-cpu.txt) instead of the
#      standard PyPI one (requirements/pinned.txt, CUDA torch).
# Usage: bash tools/setup.sh [--cpu]
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=requirements/pinned.txt
if [ "${1:-}" = "--cpu" ]; then
    requirements=requirements/pinned-cpu.txt
elif [ -n "${1:-}" ]; then
    echo "usage: bash tools/setup.sh [--cpu]" >&2
    exit 2
fi

if [ -d /usr/share/datasets/fashion-mnist ]; then
    echo "== dataset-fashion-mnist: installed"
elif ! command -v apt-get >/dev/null; then
    echo "== no apt-get: install the Debian package dataset-fashion-mnist by other means" >&2
elif [ "$(id -u)" -eq 0 ]; then
    echo "== apt-get install dataset-fashion-mnist"
    apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist \
        || echo "== apt-get failed: the quick start needs dataset-fashion-mnist" >&2
elif command -v sudo >/dev/null; then
    echo "== sudo apt-get install dataset-fashion-mnist"
    sudo apt-get update -qq && sudo apt-get install -y -qq dataset-fashion-mnist \
        || echo "== apt-get failed: the quick start needs dataset-fashion-mnist" >&2
else
    echo "== not root and no sudo: ask an administrator to run" \
        "'apt-get install dataset-fashion-mnist' (the quick start needs it)" >&2
fi

echo "== .venv: $requirements + mmproto (editable)"
python3 -m venv .venv
.venv/bin/pip install -r "$requirements" -e ".[tests]"
