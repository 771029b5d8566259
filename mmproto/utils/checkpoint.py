"""Safe checkpoint loading: torch's weights-only unpickler plus an explicit allow-list.

torch >= 2.6 loads with ``weights_only=True``, which refuses the few Python objects that
mmengine resume files hold (the message hub's ``HistoryBuffer`` with its numpy arrays and
statistics methods, numpy scalars). :func:`load_local_checkpoint` allows exactly those
(:func:`checkpoint_safe_globals`, active only while mmengine loads a checkpoint) and refuses
anything else with :class:`UntrustedCheckpointError`, naming the type. Trusting a file on
purpose (full unpickling, which can run any code) is an explicit switch, off by default, that
applies to the one file it was given for and to this process only: ``--trust-checkpoint`` on
the tools (the checkpoint they load), ``trust_checkpoint = True`` in a config (its
``load_from``), :func:`trust_checkpoint` (a path) or ``load_local_checkpoint(..., trust=True)``.
Nothing is written into the environment, so no child process inherits it.
"""

import argparse
import os.path as osp
import pickle
import re
from typing import Any, List, Optional, Set

import numpy as np
import torch

HOW_TO_TRUST = (
    'If you trust this file (full unpickling can run any code it contains), pass '
    '--trust-checkpoint to the mmproto tool or set trust_checkpoint = True in the config '
    '(it trusts load_from).'
)
_TRUSTED: Set[str] = set()  # real paths trusted in this process (trust_checkpoint)


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


def _key(filename: str) -> str:
    return osp.realpath(osp.expanduser(filename))


def trust_checkpoint(filename: str, enable: bool = True) -> None:
    """Allow full unpickling of this one file (by its real path) in this process, or take the
    trust back (``enable=False``)."""
    if enable:
        _TRUSTED.add(_key(filename))
    else:
        _TRUSTED.discard(_key(filename))


def checkpoint_trusted(filename: str) -> bool:
    """Whether :func:`trust_checkpoint` was given for ``filename``."""
    return _key(filename) in _TRUSTED


def add_trust_arg(parser: argparse.ArgumentParser) -> None:
    """``--trust-checkpoint``, the tools' explicit switch to full unpickling."""
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='unpickle checkpoints fully (can run code in the file). By default only '
        'tensors and the types mmengine resume files hold are loaded.',
    )


def apply_trust(cfg=None, args: Optional[argparse.Namespace] = None, path=None) -> bool:
    """If ``args.trust_checkpoint`` or ``cfg.trust_checkpoint`` says so, trust the one file the
    tool loads: ``path``, else ``cfg.load_from``, else ``args.checkpoint`` (nothing else).

    The flag is also written into ``cfg`` so that the config dump records it."""
    flag = bool(getattr(args, 'trust_checkpoint', False))
    if cfg is not None:
        flag = flag or bool(cfg.get('trust_checkpoint', False))
        if flag:
            cfg.trust_checkpoint = True
    if path is None and cfg is not None:
        path = cfg.get('load_from', None)
    if path is None:
        path = getattr(args, 'checkpoint', None)
    if flag and path:
        trust_checkpoint(path)
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


def load_local_checkpoint(filename: str, map_location=None, trust: bool = False) -> Any:
    """``torch.load`` a local checkpoint with the weights-only unpickler and
    :func:`checkpoint_safe_globals`; full unpickling only with ``trust=True`` or if
    :func:`trust_checkpoint` was given for this file.

    Raises:
        FileNotFoundError: no such file.
        UntrustedCheckpointError: the file holds another type (named in the message).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if trust or checkpoint_trusted(filename):
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
