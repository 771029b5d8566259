"""Training-only state: buffers that only training (and its exact resume) reads.

A module lists them in ``TRAINING_ONLY`` (e.g. the DNC feature memory and its pointer, the
DL2PA class means, the ContrastiveSeg queues). Inference never reads them, so

* a published checkpoint (``tools/model_converters/publish_model.py``) and the older
  checkpoints of a run whose latest checkpoint alone keeps them (``LatestTrainingStateHook``)
  drop them;
* loading a state dict without any of a module's training-only buffers is allowed (also under
  ``strict``): the module keeps its current (freshly initialised) state, i.e. a fine-tuning
  run from such weights starts with an empty memory, as a new run does;
* resuming from such a checkpoint is refused by :func:`check_resumable` (the continuation
  would not be exact).
"""

from typing import Iterable, List

from torch import nn


class TrainingOnlyStateMixin:
    """``TRAINING_ONLY``: names of this module's buffers that inference does not read. A state
    dict without all of them loads (they keep their current values); with some of them only,
    the missing ones are reported as usual."""

    TRAINING_ONLY: tuple = ()

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing, unexpected, errors
    ) -> None:
        names = [prefix + n for n in self.TRAINING_ONLY]
        absent = not any(n in state_dict for n in names)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing, unexpected, errors
        )
        if absent:
            for name in names:
                if name in missing:
                    missing.remove(name)


def training_only_keys(model: nn.Module) -> List[str]:
    """State-dict keys of every training-only buffer of ``model`` (unwrapped)."""
    keys = []
    for prefix, module in model.named_modules():
        for name in getattr(module, 'TRAINING_ONLY', ()):
            keys.append(f'{prefix}.{name}' if prefix else name)
    return keys


def drop_training_state(checkpoint: dict, keys: Iterable[str]) -> List[str]:
    """Remove ``keys`` from ``checkpoint['state_dict']`` in place, record them in
    ``checkpoint['meta']['training_state_dropped']``; returns the keys removed."""
    state = checkpoint.get('state_dict', checkpoint)
    dropped = [k for k in keys if k in state]
    for key in dropped:
        del state[key]
    if dropped and isinstance(checkpoint.get('meta', None), dict):
        meta = checkpoint['meta']
        before = set(meta.get('training_state_dropped', []))
        meta['training_state_dropped'] = sorted(before | set(dropped))
    return dropped


def check_resumable(runner, checkpoint: dict) -> None:
    """Raise if ``runner`` resumes from a checkpoint that lacks training state (a published
    checkpoint, or an older checkpoint of a run that keeps it in the latest one only)."""
    if not getattr(runner, '_resume', False):
        return  # load_from: weights only, the training state starts fresh
    from mmengine.model import is_model_wrapper

    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    state = checkpoint.get('state_dict', {})
    missing = [k for k in training_only_keys(model) if k not in state]
    absent = [k for k in ('optimizer', 'message_hub') if k not in checkpoint]
    if missing or absent:
        what = ', '.join(absent + missing[:4]) + (' ...' if len(missing) > 4 else '')
        raise RuntimeError(
            f'cannot resume exactly from this checkpoint: it lacks training state ({what}); it '
            'is a published checkpoint or an older checkpoint of a run that keeps the '
            "training-only state in its latest checkpoint only. Resume from the run's latest "
            'checkpoint, or start a new run from these weights with load_from (no --resume).'
        )
