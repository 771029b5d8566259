"""tools/train.py: trains, resumes, and applies its command line (mmpretrain and mmseg)."""

import argparse
import os.path as osp
import shutil

import pytest
import torch
from conftest import CONFIGS, data_root_options, load_script, run_tool
from mmengine.config import Config

CLS_CONFIG = osp.join(CONFIGS, 'tiny_cls.py')
SEG_CONFIG = osp.join(CONFIGS, 'tiny_seg.py')


def test_train_two_iterations_then_resume(tmp_path, tiny_cls_root, trained_cls):
    work_dir = tmp_path / 'work'
    shutil.copytree(trained_cls, work_dir)
    # last_checkpoint holds an absolute path: point it at the copy
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'iter_2.pth'))
    opts = ['--cfg-options', *data_root_options(tiny_cls_root)]
    ckpt = torch.load(work_dir / 'iter_2.pth', map_location='cpu', weights_only=False)
    assert ckpt['meta']['iter'] == 2
    assert (work_dir / 'last_checkpoint').read_text().strip().endswith('iter_2.pth')

    # --resume (auto): continue from iter 2 to 4 in the same work dir
    proc = run_tool(
        tmp_path,
        'tools/train.py',
        CLS_CONFIG,
        '--work-dir',
        str(work_dir),
        '--resume',
        *opts,
        'train_cfg.max_iters=4',
        'default_hooks.checkpoint.interval=4',
    )
    assert 'resumed epoch: 0, iter: 2' in proc.stdout + proc.stderr
    assert 'train_cfg.max_iters: config 4, checkpoint 2' in proc.stdout + proc.stderr
    resumed = torch.load(work_dir / 'iter_4.pth', map_location='cpu', weights_only=False)
    assert resumed['meta']['iter'] == 4
    assert not torch.equal(
        resumed['state_dict']['head.fc.weight'], ckpt['state_dict']['head.fc.weight']
    )

    # --resume PATH into a fresh work dir
    other = tmp_path / 'other'
    proc = run_tool(
        tmp_path,
        'tools/train.py',
        CLS_CONFIG,
        '--work-dir',
        str(other),
        '--resume',
        str(work_dir / 'iter_2.pth'),
        '--local-rank',
        '0',
        *opts,
        'train_cfg.max_iters=3',
        'default_hooks.checkpoint.interval=3',
    )
    assert 'resumed epoch: 0, iter: 2' in proc.stdout + proc.stderr
    assert (other / 'iter_3.pth').is_file()


def test_train_segmentation_config(trained_seg):
    log = open(osp.join(trained_seg, 'train_output.txt')).read()
    assert 'Iter(train) [2/2]' in log
    assert 'mIoU' in log  # validation ran after iteration 2
    assert osp.isfile(osp.join(trained_seg, 'iter_2.pth'))


def _args(**kwargs) -> argparse.Namespace:
    defaults = dict(
        config=CLS_CONFIG,
        work_dir=None,
        resume=None,
        amp=False,
        no_validate=False,
        auto_scale_lr=False,
        no_pin_memory=False,
        no_persistent_workers=False,
        cfg_options=None,
        launcher='none',
    )
    defaults.update(kwargs)
    return argparse.Namespace(**defaults)


def test_merge_args():
    train = load_script('tools/train.py')
    cfg = train.merge_args(Config.fromfile(CLS_CONFIG), _args())
    assert cfg.work_dir == osp.join('./work_dirs', 'tiny_cls')
    assert cfg.train_dataloader.collate_fn == dict(type='default_collate')
    assert cfg.train_dataloader.persistent_workers is False  # num_workers=0

    cfg = train.merge_args(
        Config.fromfile(CLS_CONFIG),
        _args(resume='auto', no_validate=True, auto_scale_lr=True, work_dir='w'),
    )
    assert cfg.resume is True and cfg.load_from is None and cfg.work_dir == 'w'
    assert cfg.val_dataloader is None and cfg.val_cfg is None
    assert cfg.auto_scale_lr.enable is True

    cfg = train.merge_args(
        Config.fromfile(CLS_CONFIG),
        _args(resume='ckpt.pth', cfg_options={'train_dataloader.num_workers': 2}),
    )
    assert cfg.resume is True and cfg.load_from == 'ckpt.pth'
    assert cfg.train_dataloader.num_workers == 2

    # --cfg-options num_workers=0 on a config with workers: no persistent_workers crash
    with_workers = Config.fromfile(CLS_CONFIG)
    with_workers.train_dataloader.num_workers = 2
    cfg = train.merge_args(with_workers, _args(cfg_options={'train_dataloader.num_workers': 0}))
    assert cfg.train_dataloader.persistent_workers is False

    seg = train.merge_args(Config.fromfile(SEG_CONFIG), _args(config=SEG_CONFIG))
    assert 'collate_fn' not in seg.train_dataloader  # mmseg keeps mmengine's default


def test_amp_option():
    train = load_script('tools/train.py')
    cfg = Config.fromfile(CLS_CONFIG)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match='--amp'):
            train.merge_args(cfg, _args(amp=True))
    else:
        cfg = train.merge_args(cfg, _args(amp=True))
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
        assert cfg.optim_wrapper.loss_scale == 'dynamic'


def test_rejects_config_without_known_scope(tmp_path):
    train = load_script('tools/train.py')
    cfg = Config(dict(default_scope='mmdet'))
    with pytest.raises(ValueError, match='default_scope'):
        train.merge_args(cfg, _args())
