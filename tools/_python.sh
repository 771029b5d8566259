# Sourced by the launchers (dist_*.sh, slurm_*.sh): sets PYTHON, the interpreter they run.
# PYTHON from the environment wins; else the .venv/bin/python of the checkout this script lives
# in (the README's setup), when it exists; else `python` from PATH.
_MMPROTO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
    if [ -x "${_MMPROTO_ROOT}/.venv/bin/python" ]; then
        PYTHON="${_MMPROTO_ROOT}/.venv/bin/python"
    else
        PYTHON=python
    fi
fi
