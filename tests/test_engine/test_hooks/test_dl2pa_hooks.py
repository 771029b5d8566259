import os.path as osp

import pytest
import torch
from helpers import make_cls_folder, run_distributed
from mmengine.config import Config
from mmengine.runner import Runner

import mmproto  # noqa: F401
from mmproto.engine.hooks.prototype_precompute_hook import load_prototype_file

HEAD_KEYS = ('prototypes', 'assignment', 'class_means.means', 'class_means.initialized')


def _cfg(root, work_dir, max_epochs=2, batch_size=4, hooks_extra=None, **kw):
    cfg = dict(
        default_scope='mmpretrain',
        model=dict(
            type='ImageClassifier',
            data_preprocessor=dict(num_classes=3, mean=[127.5] * 3, std=[127.5] * 3),
            backbone=dict(type='HPNResNet', depth=8, base_channels=4),
            neck=dict(type='LinearNeck', in_channels=16, out_channels=4, gap_dim=2, norm_cfg=None),
            head=dict(type='HypersphericalHead', num_classes=3, in_channels=4),
        ),
        work_dir=work_dir,
        train_dataloader=dict(
            batch_size=batch_size,
            num_workers=0,
            dataset=dict(
                type='CustomDataset',
                data_root=root,
                pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')],
            ),
            sampler=dict(type='DefaultSampler', shuffle=True),
        ),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        custom_hooks=[
            dict(type='PrototypePrecomputeHook', iters=30, cache_dir=osp.join(work_dir, 'protos')),
            dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=2),
        ]
        + (hooks_extra or []),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1),
            logger=dict(type='LoggerHook', interval=1),
        ),
        randomness=dict(seed=0),
        log_level='WARNING',
    )
    cfg.update(kw)
    return Config(cfg)


def _head_state(runner):
    sd = runner.model.head.state_dict() if hasattr(runner.model, 'head') else None
    if sd is None:
        sd = runner.model.module.head.state_dict()
    return {k: sd[k].clone() for k in HEAD_KEYS}


def test_runner_hooks_checkpoint_and_exact_resume(tmp_path):
    root = make_cls_folder(str(tmp_path / 'data'), num_classes=3, per_class=4, size=8)
    a = Runner.from_cfg(_cfg(root, str(tmp_path / 'a')))
    a.train()
    state_a = _head_state(a)
    head = a.model.head
    assert bool(head.prototypes_initialized) and head.class_means.initialized.all()
    assert sorted(state_a['assignment'].tolist()) == [0, 1, 2]
    assert a.message_hub.get_scalar('train/assignment_changed') is not None
    # the cache file holds the same prototypes, in the official {'w': (d, C)} layout
    cache = [f for f in (tmp_path / 'a' / 'protos').iterdir()]
    assert len(cache) == 1
    assert torch.equal(load_prototype_file(str(cache[0]), 3, 4), state_a['prototypes'])
    ckpt = torch.load(str(tmp_path / 'a' / 'epoch_1.pth'), weights_only=False)
    for k in HEAD_KEYS:
        assert f'head.{k}' in ckpt['state_dict']

    # resume from epoch 1; prototypes must come from the checkpoint (the hook's file is absent)
    hooks = [
        dict(type='PrototypePrecomputeHook', method='file', file=str(tmp_path / 'missing.pth')),
        dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=2),
    ]
    cfg_b = _cfg(
        root, str(tmp_path / 'b'), resume=True, load_from=str(tmp_path / 'a' / 'epoch_1.pth')
    )
    cfg_b.custom_hooks = hooks
    b = Runner.from_cfg(cfg_b)
    b.train()
    state_b = _head_state(b)
    for k in HEAD_KEYS:
        assert torch.equal(state_a[k], state_b[k]), k
    pa, pb = dict(a.model.named_parameters()), dict(b.model.named_parameters())
    for k in pa:
        assert torch.equal(pa[k], pb[k]), k


def test_hook_bad_prototype_files(tmp_path):
    good = torch.nn.functional.normalize(torch.randn(4, 3), dim=0)  # (d=4, C=3)
    path = str(tmp_path / 'w.pth')
    torch.save(dict(w=good), path)
    assert load_prototype_file(path, 3, 4).shape == (3, 4)
    with pytest.raises(ValueError, match='in_channels=5'):
        load_prototype_file(path, 3, 5)
    with pytest.raises(ValueError, match='num_classes=4'):
        load_prototype_file(path, 4, 4)
    bad = good.clone()
    bad[0, 0] = float('inf')
    torch.save(dict(w=bad), path)
    with pytest.raises(ValueError, match='non-finite'):
        load_prototype_file(path, 3, 4)
    from mmengine.registry import HOOKS

    with pytest.raises(ValueError, match='embedding_file'):
        HOOKS.build(dict(type='PrototypePrecomputeHook', method='word2vec'))


def test_word2vec_embedding_file_and_checkpoint_sources(tmp_path):
    from mmengine.registry import HOOKS

    emb = tmp_path / 'emb.txt'
    emb.write_text('cat 1 0 0 0.5 0\ndog 0 1 0 0 0.2\nfish 0 0 1 0.1 0\n')
    hook = HOOKS.build(
        dict(type='PrototypePrecomputeHook', method='word2vec', embedding_file=str(emb))
    )
    assert hook.compute(3, 2).shape == (3, 2)
    with pytest.raises(ValueError, match='num_classes=4'):
        hook.compute(4, 2)
    w = torch.randn(3, 2)
    torch.save(dict(state_dict={'head.fc.weight': w}), str(tmp_path / 'psc.pth'))
    hook = HOOKS.build(
        dict(
            type='PrototypePrecomputeHook',
            method='checkpoint',
            checkpoint=str(tmp_path / 'psc.pth'),
        )
    )
    assert torch.allclose(hook.compute(3, 2), torch.nn.functional.normalize(w, dim=1))


def test_max_separation_method_no_cache_and_dimension_check(tmp_path):
    from mmengine.registry import HOOKS

    from mmproto.ops.prototypes import max_separation_prototypes

    hook = HOOKS.build(
        dict(type='PrototypePrecomputeHook', method='max_separation', cache_dir=str(tmp_path))
    )
    assert hook.cache_path(10, 9) is None
    assert torch.allclose(hook.compute(10, 9), max_separation_prototypes(10), atol=1e-6)
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match='num_classes - 1 = 9, got 8'):
        hook.compute(10, 8)


def _ddp_worker(rank, world_size, root, work_dir):
    cfg = _cfg(root, work_dir, max_epochs=1, batch_size=2, launcher='pytorch')
    cfg.model_wrapper_cfg = dict(
        type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False
    )
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    runner = Runner.from_cfg(cfg)
    runner.train()
    head = runner.model.module.head
    torch.save(
        {k: v.clone() for k, v in head.state_dict().items()}, osp.join(work_dir, f'rank{rank}.pt')
    )


@pytest.mark.dist
def test_ddp_two_ranks_identical_assignment_and_class_means(tmp_path):
    root = make_cls_folder(str(tmp_path / 'data'), num_classes=3, per_class=4, size=8)
    work_dir = str(tmp_path / 'ddp')
    run_distributed(_ddp_worker, 2, (root, work_dir))
    s0 = torch.load(osp.join(work_dir, 'rank0.pt'))
    s1 = torch.load(osp.join(work_dir, 'rank1.pt'))
    assert s0['class_means.initialized'].all()
    for k in HEAD_KEYS:
        assert torch.equal(s0[k], s1[k]), k
    assert sorted(s0['assignment'].tolist()) == [0, 1, 2]


def test_assignment_hook_refuses_an_iteration_based_loop_without_interval():
    """An IterBasedTrainLoop never ends an epoch: updates_per_epoch alone would never fire
    (e.g. ``--head dl2pa`` on an iteration-based config)."""
    from types import SimpleNamespace

    from mmengine.runner import IterBasedTrainLoop

    from mmproto.engine.hooks import LabelPrototypeAssignmentHook

    runner = SimpleNamespace(train_loop=object.__new__(IterBasedTrainLoop))
    with pytest.raises(ValueError, match='iteration-based.*set interval='):
        LabelPrototypeAssignmentHook(updates_per_epoch=1).before_train(runner)
