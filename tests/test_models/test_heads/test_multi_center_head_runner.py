"""MultiCenterClsHead under mmengine's Runner: training, exact resume, 2-process gloo DDP."""

import os.path as osp

import pytest
import torch
from helpers import make_cls_folder, run_distributed
from mmengine.config import Config
from mmengine.runner import Runner

NUM_CLASSES = 3


def _cfg(data_root, work_dir, max_epochs, batch_size=4, head=None, **kwargs):
    head_cfg = dict(type='MultiCenterClsHead', num_classes=NUM_CLASSES, in_channels=64)
    head_cfg.update(head or {})
    cfg = dict(
        model=dict(
            type='ImageClassifier',
            backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8),
            neck=dict(type='GlobalAveragePooling'),
            head=head_cfg,
            data_preprocessor=dict(
                num_classes=NUM_CLASSES, mean=[128.0] * 3, std=[64.0] * 3, to_rgb=True
            ),
        ),
        work_dir=work_dir,
        train_dataloader=dict(
            batch_size=batch_size,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            dataset=dict(
                type='CustomDataset',
                data_root=data_root,
                pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')],
            ),
        ),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4)),
        default_scope='mmpretrain',
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1),
            logger=dict(type='LoggerHook', interval=1),
        ),
        custom_imports=dict(imports=['mmproto'], allow_failed_imports=False),
        randomness=dict(seed=0),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING',
    )
    cfg.update(kwargs)
    return cfg


def _train(cfg):
    model = Runner.from_cfg(Config(cfg)).train()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_cls_folder(
        str(tmp_path_factory.mktemp('mcc_data')), num_classes=NUM_CLASSES, per_class=4, size=16
    )


@pytest.mark.slow
def test_train_and_exact_resume(data_root, tmp_path):
    full = _train(_cfg(data_root, str(tmp_path / 'full'), max_epochs=2))
    _train(_cfg(data_root, str(tmp_path / 'first'), max_epochs=1))
    ckpt = osp.join(str(tmp_path / 'first'), 'epoch_1.pth')
    resumed = _train(
        _cfg(data_root, str(tmp_path / 'resumed'), max_epochs=2, load_from=ckpt, resume=True)
    )
    iters = 2 * 12 // 4
    assert int(full['head.num_steps']) == int(resumed['head.num_steps']) == iters
    assert set(full) == set(resumed)
    for key in full:  # bit-exact, log-variance and noise state included
        assert torch.equal(full[key], resumed[key]), key
    first = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    assert not torch.equal(first['head.log_var'], full['head.log_var'])  # it trained
    assert int(first['head.num_steps']) == iters // 2


def _ddp_worker(rank, world_size, data_root, out_dir):
    from mmengine.dist import all_gather
    from mmengine.model import is_model_wrapper

    cfg = _cfg(
        data_root,
        osp.join(out_dir, 'work'),
        max_epochs=1,
        batch_size=2,
        launcher='pytorch',
        model_wrapper_cfg=dict(
            type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False
        ),
    )
    model = Runner.from_cfg(Config(cfg)).train()
    if is_model_wrapper(model):
        model = model.module
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    head = model.head
    w_same = head.multicenter_classifier()[0].detach()
    head.per_rank_noise = True
    w_rank = head.multicenter_classifier()[0].detach()
    state['_same_noise'] = torch.stack(all_gather(w_same))
    state['_rank_noise'] = torch.stack(all_gather(w_rank))
    state['_params'] = [n for n, _ in model.named_parameters()]
    torch.save(state, osp.join(out_dir, f'rank{rank}.pt'))


@pytest.mark.dist
@pytest.mark.slow
def test_ddp_two_ranks_stay_identical(data_root, tmp_path):
    run_distributed(_ddp_worker, 2, args=(data_root, str(tmp_path)))
    r0 = torch.load(str(tmp_path / 'rank0.pt'), weights_only=False)
    r1 = torch.load(str(tmp_path / 'rank1.pt'), weights_only=False)
    assert int(r0['head.num_steps']) == int(r1['head.num_steps']) == 12 // (2 * 2)
    assert torch.equal(r0['head.noise_seed'], r1['head.noise_seed'])
    for name in r0['_params']:  # every parameter, the log-variance included
        assert torch.equal(r0[name], r1[name]), name
    same, per_rank = r0['_same_noise'], r0['_rank_noise']
    assert torch.equal(same[0], same[1])  # default: one noise draw for the global batch
    assert not torch.allclose(per_rank[0], per_rank[1])  # per_rank_noise=True (official code)
