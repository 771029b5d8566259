"""DNCHead inside an mmengine Runner: resume exactness and a real 2-process gloo DDP run."""

import copy
import os.path as osp

import pytest
import torch
from helpers import make_cls_folder, run_distributed
from mmengine.runner import Runner

import mmproto  # noqa: F401

BATCH = 2  # per rank in the DDP test; the 1-process runs use the global batch


def make_data(root):
    """12 grayscale-readable images of 3 classes and two annotation orders.

    ``ddp.txt`` is the dataset order (classes interleaved); with
    ``DefaultSampler(shuffle=False)`` rank r takes indices r::2, so the gathered global batch t
    is [4t, 4t+2, 4t+1, 4t+3] — ``single.txt`` lists the images in that order for the
    1-process reference run.
    """
    make_cls_folder(root, num_classes=3, per_class=4, size=32, ann_file=osp.join(root, 'all.txt'))
    with open(osp.join(root, 'all.txt')) as f:
        lines = f.read().split('\n')[:12]
    lines = [lines[4 * c + i] for i in range(4) for c in range(3)]  # classes interleaved
    with open(osp.join(root, 'ddp.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    order = [4 * t + j for t in range(3) for j in (0, 2, 1, 3)]
    with open(osp.join(root, 'single.txt'), 'w') as f:
        f.write('\n'.join(lines[i] for i in order) + '\n')
    return root


def cfg(work_dir, data_root, ann, batch, max_iters=6, **head):
    head_cfg = dict(
        type='DNCHead',
        num_classes=3,
        in_channels=120,
        num_subcentroids=2,
        momentum=0.9,
        memory_size=2 * 2 * BATCH,  # two global batches: wraps around within the run
    )
    head_cfg.update(head)
    return dict(
        default_scope='mmpretrain',
        work_dir=work_dir,
        experiment_name=osp.basename(work_dir),
        model=dict(
            type='ImageClassifier',
            backbone=dict(type='LeNet5', num_classes=-1),  # no BatchNorm: DDP == 1 process
            neck=dict(type='GlobalAveragePooling'),
            head=head_cfg,
            data_preprocessor=dict(type='ClsDataPreprocessor', mean=[127.5], std=[127.5]),
        ),
        train_dataloader=dict(
            batch_size=batch,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(
                type='CustomDataset',
                data_root=data_root,
                ann_file=ann,
                pipeline=[
                    dict(type='LoadImageFromFile', color_type='grayscale'),
                    dict(type='PackInputs'),
                ],
            ),
        ),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        custom_hooks=[dict(type='SubCentroidUpdateHook')],
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=3, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1),
        ),
        randomness=dict(seed=0),
        log_level='WARNING',
    )


def train(config) -> dict:
    runner = Runner.from_cfg(copy.deepcopy(config))
    runner.train()
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_resume_continues_exactly(tmp_path):
    root = make_data(str(tmp_path / 'data'))
    full = train(cfg(str(tmp_path / 'full'), root, 'ddp.txt', 4))
    ckpt = osp.join(str(tmp_path / 'full'), 'iter_3.pth')
    resumed_cfg = cfg(str(tmp_path / 'resumed'), root, 'ddp.txt', 4)
    resumed_cfg.update(resume=True, load_from=ckpt)
    resumed = train(resumed_cfg)
    assert set(full) == set(resumed)
    for k in full:
        assert torch.equal(full[k], resumed[k]), k
    # the state really evolved: updates ran, the memory wrapped around
    assert int(full['head.classifier.bank.num_updates']) == 6
    assert int(full['head.classifier.bank.memory.ptr']) == (6 * 4) % 8
    assert torch.all(full['head.classifier.bank.memory.labels'] >= 0)
    init = torch.load(ckpt, weights_only=False)['state_dict']
    assert not torch.equal(
        init['head.classifier.bank.prototypes'], full['head.classifier.bank.prototypes']
    )


def test_flush_memory_resume_continues_exactly(tmp_path):
    """memory_mode='flush' with a memory of two global batches: updates at iterations 2, 4, 6;
    the checkpoint of iteration 3 holds a half-filled memory."""
    root = make_data(str(tmp_path / 'data'))
    kw = dict(memory_size=8, memory_mode='flush')
    full = train(cfg(str(tmp_path / 'full'), root, 'ddp.txt', 4, **kw))
    ckpt = osp.join(str(tmp_path / 'full'), 'iter_3.pth')
    mid = torch.load(ckpt, weights_only=False)['state_dict']
    assert int(mid['head.classifier.bank.memory.ptr']) == 4
    assert int(mid['head.classifier.bank.num_updates']) == 1
    resumed_cfg = cfg(str(tmp_path / 'resumed'), root, 'ddp.txt', 4, **kw)
    resumed_cfg.update(resume=True, load_from=ckpt)
    resumed = train(resumed_cfg)
    for k in full:
        assert torch.equal(full[k], resumed[k]), k
    assert int(full['head.classifier.bank.num_updates']) == 3
    assert int(full['head.classifier.bank.memory.ptr']) == 0  # emptied by the last flush
    assert not torch.equal(
        mid['head.classifier.bank.prototypes'], full['head.classifier.bank.prototypes']
    )


def test_training_without_hook_fails_clearly(tmp_path):
    root = make_data(str(tmp_path / 'data'))
    config = cfg(str(tmp_path / 'nohook'), root, 'ddp.txt', 4, max_iters=1)
    config['custom_hooks'] = []
    with pytest.raises(
        RuntimeError, match="custom_hooks=\\[dict\\(type='SubCentroidUpdateHook'\\)\\]"
    ):
        train(config)


def _ddp_worker(rank, world_size, tmp, root):
    config = cfg(osp.join(tmp, 'ddp'), root, 'ddp.txt', BATCH)
    config.update(
        launcher='pytorch',
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        model_wrapper_cfg=dict(
            type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False
        ),
    )
    torch.save(train(config), osp.join(tmp, f'rank{rank}.pth'))


@pytest.mark.dist
def test_ddp_two_ranks_identical_and_equal_to_one_process(tmp_path):
    root = make_data(str(tmp_path / 'data'))
    run_distributed(_ddp_worker, 2, args=(str(tmp_path), root))
    ranks = [torch.load(str(tmp_path / f'rank{r}.pth')) for r in range(2)]
    for k in ranks[0]:
        assert torch.equal(ranks[0][k], ranks[1][k]), k
    single = train(cfg(str(tmp_path / 'single'), root, 'single.txt', 2 * BATCH))
    assert set(single) == set(ranks[0])
    for k in single:
        if single[k].is_floating_point():
            torch.testing.assert_close(ranks[0][k], single[k], rtol=1e-4, atol=1e-5, msg=k)
        else:
            assert torch.equal(ranks[0][k], single[k]), k
    assert int(single['head.classifier.bank.num_updates']) == 6
