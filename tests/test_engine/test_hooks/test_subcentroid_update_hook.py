from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub
from torch import nn

from mmproto.engine.hooks import SubCentroidUpdateHook, find_subcentroid_modules
from mmproto.models.utils import SubCentroidClassifier


class Wrapped(nn.Module):
    """Stands for a model wrapper: the hook must look through ``.module``."""

    def __init__(self):
        super().__init__()
        self.module = nn.Sequential(nn.Linear(4, 8), SubCentroidClassifier(3, 8, 2, memory_size=12))


def test_hook_updates_every_iteration_and_clusters_every_interval(monkeypatch):
    model = nn.Sequential(nn.Linear(4, 8), SubCentroidClassifier(3, 8, 2, memory_size=12))
    clf = model[1]
    hub = MessageHub.get_instance('test_subcentroid_hook')
    runner = SimpleNamespace(model=model, iter=0, message_hub=hub, logger=None)
    hook = SubCentroidUpdateHook(interval=2)
    with pytest.raises(
        RuntimeError, match="custom_hooks=\\[dict\\(type='SubCentroidUpdateHook'\\)\\]"
    ):
        model(torch.randn(4, 4))
    hook.before_train(runner)
    assert find_subcentroid_modules(model) == [clf]
    calls = []
    orig = clf.bank.update
    monkeypatch.setattr(clf.bank, 'update', lambda *a, **k: calls.append(k) or orig(*a, **k))
    for it in range(4):
        runner.iter = it
        clf(model[0](torch.randn(4, 4)), torch.tensor([0, 1, 2, 0]))
        hook.after_train_iter(runner, it)
    assert [c['cluster'] for c in calls] == [False, True, False, True]
    assert int(clf.bank.num_updates) == 2 and clf.bank.memory.num_filled() == 12
    assert 'train/subcentroid_moved' in hub.log_scalars
    assert hub.get_scalar('train/memory_fill').current() == 1.0


def test_hook_unwraps_model_wrappers(monkeypatch):
    monkeypatch.setattr(
        'mmproto.engine.hooks.subcentroid_update_hook.is_model_wrapper',
        lambda m: isinstance(m, Wrapped),
    )
    w = Wrapped()
    assert find_subcentroid_modules(w) == [w.module[1]]
    with pytest.raises(ValueError, match='interval'):
        SubCentroidUpdateHook(interval=0)
