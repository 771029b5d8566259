"""Safe checkpoint loading: torch's weights-only unpickler plus an explicit allow-list.

torch >= 2.6 loads with ``weights_only=True``, which refuses the few Python objects that
mmengine resume files hold (the message hub's ``HistoryBuffer`` with its numpy arrays and
statistics methods, numpy scalars). :func:`load_local_checkpoint` allows exactly those
(:func:`checkpoint_safe_globals`, active only while mmengine loads a checkpoint) and refuses
anything else with :class:`UntrustedCheckpointError`, naming the type. Trusting a file on
purpose (full unpickling, which can run any code) is an explicit switch, off by default:
``--trust-checkpoint`` on the tools, ``trust_checkpoint = True`` in a config, or the
environment variable ``MMPROTO_TRUST_CHECKPOINT=1``.
"""

import argparse
import os
import os.path as osp
import pickle
import re
from typing import Any, List, Optional

import numpy as np
import torch

TRUST_ENV = 'MMPROTO_TRUST_CHECKPOINT'
HOW_TO_TRUST = (
    'If you trust this file (full unpickling can run any code it contains), pass '
    '--trust-checkpoint to the mmproto tool, set trust_checkpoint = True in the config, or '
    f'set the environment variable {TRUST_ENV}=1.'
)


class UntrustedCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds an object outside mmproto's allow-list."""


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """The one ``getattr`` a resume file needs: ``HistoryBuffer`` pickles its statistics
    methods (``min``, ``max``, ``mean``, ``current`` and registered ones) as
    ``getattr(HistoryBuffer, name)``. Anything else is refused."""
    from mmengine.logging import HistoryBuffer

    if obj is HistoryBuffer and not name.startswith('_'):
        method = HistoryBuffer.__dict__.get(name, None)
        if callable(method) or isinstance(method, (classmethod, staticmethod)):
            return getattr(HistoryBuffer, name)
    raise UntrustedCheckpointError(
        f'checkpoint calls getattr({obj!r}, {name!r}), which is not an allowed type. '
        + HOW_TO_TRUST
    )


def _numpy_core():
    return np._core if hasattr(np, '_core') else np.core  # numpy 2 / numpy 1


def checkpoint_safe_globals() -> List[Any]:
    """The types mmengine checkpoints and resume files hold beyond tensors and builtins.

    Found by listing ``torch.serialization.get_unsafe_globals_in_checkpoint`` of real
    resume files of DNC, DL2PA, MCC and a DNC segmentation model: ``HistoryBuffer`` (message
    hub), numpy arrays / dtypes / scalars (its history), and ``getattr`` restricted to
    ``HistoryBuffer``'s statistics methods. numpy 1 module paths are accepted as well.
    """
    from mmengine.logging import HistoryBuffer

    multiarray = _numpy_core().multiarray
    dtypes = {
        type(np.dtype(t))
        for t in (
            'bool',
            'int8',
            'int16',
            'int32',
            'int64',
            'uint8',
            'uint16',
            'uint32',
            'uint64',
            'float16',
            'float32',
            'float64',
        )
    }
    allowed = [HistoryBuffer, np.ndarray, np.dtype, *sorted(dtypes, key=str)]
    for name in ('_reconstruct', 'scalar'):
        fn = getattr(multiarray, name)
        allowed += [
            (fn, f'numpy._core.multiarray.{name}'),
            (fn, f'numpy.core.multiarray.{name}'),
        ]
    allowed.append((_history_buffer_getattr, 'builtins.getattr'))
    return allowed


def checkpoints_trusted() -> bool:
    """Whether full unpickling was switched on (:func:`trust_checkpoints`)."""
    return os.environ.get(TRUST_ENV, '0').lower() in ('1', 'true', 'yes')


def trust_checkpoints(enable: bool = True) -> None:
    """Switch full unpickling of checkpoints on (or off) for this process and the processes
    it starts (dataloader workers, ranks launched from it)."""
    os.environ[TRUST_ENV] = '1' if enable else '0'


def add_trust_arg(parser: argparse.ArgumentParser) -> None:
    """``--trust-checkpoint``, the tools' explicit switch to full unpickling."""
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='unpickle checkpoints fully (can run code in the file). By default only '
        'tensors and the types mmengine resume files hold are loaded.',
    )


def apply_trust(cfg=None, args: Optional[argparse.Namespace] = None) -> bool:
    """Turn trust on if ``args.trust_checkpoint`` or ``cfg.trust_checkpoint`` says so.

    The flag is also written into ``cfg`` so that the config dump records it."""
    flag = bool(getattr(args, 'trust_checkpoint', False))
    if cfg is not None:
        flag = flag or bool(cfg.get('trust_checkpoint', False))
        if flag:
            cfg.trust_checkpoint = True
    if flag:
        trust_checkpoints(True)
    return flag


def _offending(filename: str, error: Exception) -> str:
    """The globals of ``filename`` outside the allow-list, else what torch's error names."""
    allowed = set()
    for g in checkpoint_safe_globals():
        allowed.add(g[1] if isinstance(g, tuple) else f'{g.__module__}.{g.__qualname__}')
    try:
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
        names = [g for g in unsafe if g not in allowed]
    except Exception:
        names = []
    if not names:
        match = re.search(r'GLOBAL (\S+)|unrecognized function (.+)', str(error))
        return (match.group(1) or match.group(2)) if match else str(error)
    return ', '.join(names)


def load_local_checkpoint(filename: str, map_location=None) -> Any:
    """``torch.load`` a local checkpoint with the weights-only unpickler and
    :func:`checkpoint_safe_globals` (full unpickling only if :func:`checkpoints_trusted`).

    Raises:
        FileNotFoundError: no such file.
        UntrustedCheckpointError: the file holds another type (named in the message).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if checkpoints_trusted():
        return torch.load(filename, map_location=map_location, weights_only=False)
    with torch.serialization.safe_globals(checkpoint_safe_globals()):
        try:
            return torch.load(filename, map_location=map_location, weights_only=True)
        except pickle.UnpicklingError as error:
            raise UntrustedCheckpointError(
                f'refused to load {filename}: it holds {_offending(filename, error)}, which '
                'is not a tensor or one of the types mmengine checkpoints hold. ' + HOW_TO_TRUST
            ) from error


def register_safe_loader() -> None:
    """Make :func:`load_local_checkpoint` mmengine's loader of local files (``load_from``,
    ``--resume``, ``load_checkpoint``); mmengine's own passes torch's default, which
    refuses resume files."""
    from mmengine.runner.checkpoint import CheckpointLoader

    CheckpointLoader.register_scheme(prefixes='', force=True)(load_local_checkpoint)


def check_runner_shapes(runner) -> None:
    """Refuse checkpoint entries of another shape anywhere in ``runner.model`` (backbone,
    neck, any head) on ``load_from``, ``--resume`` and test loads; see
    :func:`mmproto.models.utils.enable_shape_check`."""
    from mmengine.model import BaseTTAModel, is_model_wrapper

    from mmproto.models.utils.shape_check import enable_shape_check

    model = runner.model
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    enable_shape_check(model)
