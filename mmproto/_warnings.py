"""Show third-party warnings that every process repeats once per run, on rank 0 only.

``tools/dist_train.sh`` starts one process per rank and each re-imports the stack, so a
warning raised at import or dataset-load time by a dependency (not by mmproto) appears once
per rank. On ranks other than 0 (``RANK`` / ``LOCAL_RANK`` set by the launcher) exactly these
messages are filtered, by message and issuing module; rank 0 still shows each one once.
Imported first by ``mmproto/__init__.py``, before mmengine is imported.
"""

import os
import warnings
from typing import Optional

# (message regex, category, module regex of the line that issues it)
RANK_ZERO_ONLY = (
    (r'pkg_resources is deprecated as an API', UserWarning, r''),  # mmengine / mmcv imports
    (
        r'The given NumPy array is not writable',  # mmpretrain's (Fashion-)MNIST loader
        UserWarning,
        r'mmpretrain\.datasets\.mnist',
    ),
    (  # mmcv-lite: mmcv's own probe for a compiled op (mmproto.utils.compat)
        r'Fail to import ``MultiScaleDeformableAttention``',
        UserWarning,
        r'mmcv\.cnn\.bricks\.transformer',
    ),
)


def _rank() -> int:
    for key in ('RANK', 'LOCAL_RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK'):
        value = os.environ.get(key, '')
        if value.isdigit():
            return int(value)
    return 0


def filter_repeated_warnings(rank: Optional[int] = None) -> bool:
    """Filter :data:`RANK_ZERO_ONLY` if this process is not rank 0. Returns True if it did."""
    if (rank if rank is not None else _rank()) == 0:
        return False
    for message, category, module in RANK_ZERO_ONLY:
        warnings.filterwarnings('ignore', message=message, category=category, module=module)
    return True
