"""Show third-party warnings that every process repeats once per run, on rank 0 only.

``tools/dist_train.sh`` starts one process per rank and each re-imports the stack, so a
warning raised at import or dataset-load time by a dependency (not by mmproto) appears once
per rank. On ranks other than 0 (``RANK`` / ``LOCAL_RANK`` set by the launcher) exactly these
messages are filtered, by message and issuing module; rank 0 still shows each one once.
:data:`EVERY_RANK` lists the few hidden on every rank, each with its reason.
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
)
# Hidden on every rank, each with its reason: (message regex, category, module regex)
EVERY_RANK = (
    # mmcv-lite has no compiled ops, so mmcv's own probe in mmcv.cnn.bricks.transformer
    # (imported by mmpretrain.models and mmseg.models, i.e. by every run) fails and warns
    # about a module no mmproto config uses. Using the op still fails loudly: ``from mmcv.ops
    # import MultiScaleDeformableAttention`` raises the stand-in's error (mmproto.utils.compat).
    (
        r'Fail to import ``MultiScaleDeformableAttention`` from '
        r'``mmcv\.ops\.multi_scale_deform_attn``, You should install ``mmcv`` rather than '
        r'``mmcv-lite``',
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
    """Filter :data:`EVERY_RANK`, and :data:`RANK_ZERO_ONLY` if this process is not rank 0.
    Returns True if it filtered the latter."""
    for message, category, module in EVERY_RANK:
        warnings.filterwarnings('ignore', message=message, category=category, module=module)
    if (rank if rank is not None else _rank()) == 0:
        return False
    for message, category, module in RANK_ZERO_ONLY:
        warnings.filterwarnings('ignore', message=message, category=category, module=module)
    return True
