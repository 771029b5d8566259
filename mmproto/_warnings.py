"""Show third-party warnings that every process repeats once per run, on rank 0 only.

``tools/dist_train.sh`` starts one process per rank and each re-imports the stack, so a
warning raised at import or dataset-load time by a dependency (not by mmproto) appears once
per rank. On ranks other than 0 (``RANK`` / ``LOCAL_RANK`` set by the launcher) exactly these
messages are filtered, by message and issuing module; rank 0 still shows each one once.
:data:`EVERY_RANK` lists the few hidden on every rank, each with its reason.
Imported first by ``mmproto/__init__.py``, before mmengine is imported.

Below: notices of the pinned stack that no user can act on, silenced at their source and no
wider (:func:`quiet_dependency_notices`, :class:`UnusedFileClientFilter`).
"""

import logging
import os
import sys
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


# Notices of the pinned stack that say nothing a user can act on, silenced where they arise:
# - setuptools' `pkg_resources is deprecated` (setuptools<81 is pinned on purpose: mmengine's
#   `is_installed` needs pkg_resources): pkg_resources is imported once, here, under a
#   catch_warnings scoped to that import; a later import of it is a cache hit and warns no more.
# - mmpretrain's (Fashion-)MNIST loader wraps a read-only buffer in a tensor it never writes
#   to; the filter matches that message from that module only.
SILENCED = (
    (r'The given NumPy array is not writable', UserWarning, r'mmpretrain\.datasets\.mnist'),
)
# mmengine's CheckpointHook.before_train and save_checkpoint build a FileClient they do not use
# when file_client_args is None (the default): `FileClient.infer_client(None, path)`. The
# deprecation notices that FileClient logs then concern mmengine's code, not the user's config
# (with file_client_args set, or a FileClient of the user's own, they are kept)
UNUSED_FILE_CLIENT_NOTICES = (
    '"FileClient" will be deprecated in future',
    '"HardDiskBackend" is the alias of "LocalBackend"',
)


def quiet_dependency_notices() -> None:
    """Import pkg_resources without its deprecation warning; filter :data:`SILENCED`."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            'ignore', message=r'pkg_resources is deprecated as an API', category=UserWarning
        )
        try:
            import pkg_resources  # noqa: F401
        except ImportError:
            pass
    for message, category, module in SILENCED:
        warnings.filterwarnings('ignore', message=message, category=category, module=module)


class UnusedFileClientFilter(logging.Filter):
    """Drop :data:`UNUSED_FILE_CLIENT_NOTICES` logged under a ``FileClient.infer_client(None,
    ...)`` that mmengine's own code called; every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(UNUSED_FILE_CLIENT_NOTICES):
            return True
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_name == 'infer_client' and 'file_client_args' in frame.f_locals:
                caller = frame.f_back
                return not (
                    frame.f_locals['file_client_args'] is None
                    and caller is not None
                    and str(caller.f_globals.get('__name__', '')).startswith('mmengine.')
                )
            frame = frame.f_back
        return True
