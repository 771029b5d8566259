"""Safe checkpoint loading: torch's weights-only unpickler plus an explicit allow-list.

torch >= 2.6 loads with ``weights_only=True``, which refuses the few Python objects that
mmengine resume files hold (the message hub's ``HistoryBuffer`` with its numpy arrays and
statistics methods, numpy scalars). :func:`load_local_checkpoint` allows exactly those
(:func:`checkpoint_safe_globals`, active only while mmengine loads a checkpoint) and refuses
anything else with :class:`UntrustedCheckpointError`, naming the type. Trusting a file on
purpose (full unpickling, which can run any code) is an explicit switch, off by default, that
applies to the files it was given for and to this process only: ``--trust-checkpoint`` on the
tools or ``trust_checkpoint = True`` in a config trust the files that run loads on purpose
(:func:`run_checkpoints`, for the duration of the run, :func:`trusted_run`); a converter's
``--trust-checkpoint`` trusts its source file; in Python, :func:`trust_checkpoint` (a path) or
``load_local_checkpoint(..., trust=True)``. Nothing is written into the environment, so no
child process inherits it.
"""

import argparse
import os.path as osp
import pickle
import re
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Set

import numpy as np
import torch

HOW_TO_TRUST = (
    'If you trust this file (full unpickling can run any code it contains), pass '
    '--trust-checkpoint to the mmproto tool or set trust_checkpoint = True in the config '
    '(it trusts the checkpoints that run loads: load_from or the resumed file, '
    'PrototypePrecomputeHook.checkpoint, init_cfg Pretrained checkpoints).'
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
    """Read the switch: ``args.trust_checkpoint`` or ``cfg.trust_checkpoint``.

    With a ``cfg`` (train / test tools) the switch is recorded in ``cfg.trust_checkpoint`` (the
    config dump shows it) and applies to that run's files through :func:`trusted_run`.
    Without one (converters, analysis tools loading one file) it trusts that file now:
    ``path``, else ``args.checkpoint``."""
    flag = bool(getattr(args, 'trust_checkpoint', False))
    if cfg is not None:
        flag = flag or bool(cfg.get('trust_checkpoint', False))
        if flag:
            cfg.trust_checkpoint = True
        return flag
    path = path if path is not None else getattr(args, 'checkpoint', None)
    if flag and path:
        trust_checkpoint(path)
    return flag


def _pretrained_checkpoints(node: Any) -> Iterator[str]:
    """Local ``checkpoint`` paths of every ``init_cfg=dict(type='Pretrained', ...)`` in
    ``node`` (a model config)."""
    if isinstance(node, dict):
        if str(node.get('type', '')).endswith('Pretrained') and node.get('checkpoint'):
            if '://' not in str(node['checkpoint']):
                yield str(node['checkpoint'])
        for value in node.values():
            yield from _pretrained_checkpoints(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _pretrained_checkpoints(value)


def run_checkpoints(cfg) -> List[str]:
    """The local files a run of ``cfg`` loads on purpose, in this order: ``load_from`` or, for
    ``resume=True`` without it, the checkpoint mmengine's auto-resume picks (the latest in
    ``work_dir``, :func:`mmengine.runner.find_latest_checkpoint`, if any); each
    ``PrototypePrecomputeHook``'s ``checkpoint``; the local ``checkpoint`` of every
    ``init_cfg`` of type ``Pretrained`` in ``cfg.model``."""
    from mmengine.runner import find_latest_checkpoint

    files = []
    if cfg.get('load_from', None):
        files.append(str(cfg.load_from))
    elif cfg.get('resume', False) and cfg.get('work_dir', None):
        latest = find_latest_checkpoint(osp.abspath(cfg.work_dir))
        if latest:
            files.append(latest)
    for hook in cfg.get('custom_hooks', None) or []:
        if str(hook.get('type', '')).endswith('PrototypePrecomputeHook'):
            if hook.get('checkpoint', None):
                files.append(str(hook['checkpoint']))
    files.extend(_pretrained_checkpoints(cfg.get('model', None)))
    return files


@contextmanager
def trusted_run(cfg) -> Iterator[List[str]]:
    """Trust :func:`run_checkpoints` of ``cfg`` while the block runs if
    ``cfg.trust_checkpoint`` is set (:func:`apply_trust`), and take the trust back after it;
    yields the files trusted (none when the switch is off). Wrap the Runner's ``train()`` /
    ``test()``: the files are resolved when the block starts, so auto-resume's file is the one
    the Runner then picks."""
    files = run_checkpoints(cfg) if cfg.get('trust_checkpoint', False) else []
    added = [f for f in files if not checkpoint_trusted(f)]
    for f in added:
        trust_checkpoint(f)
    try:
        yield files
    finally:
        for f in added:
            trust_checkpoint(f, enable=False)


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
