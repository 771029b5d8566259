"""The classification -> segmentation transfer as a user runs it, on a tiny scenes set: the
Fashion-MNIST scenes converter, DNC pretraining of the small ResNet-18 (2 iterations),
``dnc2mmseg.py``, DNC-FCN fine-tuning (2 iterations), ``tools/test.py`` and mmseg's
``MMSegInferencer``."""

import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO, run_tool
from helpers import make_fashion_mnist_idx

PRETRAIN = osp.join(REPO, 'configs', 'dnc', 'dnc_resnet18-w16_1xb128_fashion-mnist.py')
SEG = osp.join(
    REPO, 'configs', 'dnc_seg', 'dnc-fcn_dnc-r18-w16-d8_1xb8-2k_fashion-mnist-scenes-64x64.py'
)
LOADER_OPTIONS = [
    f'{split}_dataloader.{key}'
    for split in ('train', 'val', 'test')
    for key in ('num_workers=0', 'persistent_workers=False')
]


@pytest.mark.slow
def test_pretrain_convert_finetune_infer(tmp_path):
    fm = make_fashion_mnist_idx(str(tmp_path / 'fm'), per_split=64)
    scenes = str(tmp_path / 'scenes')
    run_tool(
        tmp_path, 'tools/dataset_converters/prepare_fashion_mnist_scenes.py', '--src', fm,
        '--out', scenes, '--num-train', '4', '--num-val', '2',
    )  # fmt: skip

    pre = tmp_path / 'pretrain'
    run_tool(
        tmp_path, 'tools/train.py', PRETRAIN, '--work-dir', str(pre), '--cfg-options',
        *(f'{s}_dataloader.dataset.data_root={fm}' for s in ('train', 'val', 'test')),
        *LOADER_OPTIONS, 'train_dataloader.batch_size=32', 'train_cfg.max_epochs=1',
    )  # fmt: skip
    assert osp.isfile(pre / 'epoch_1.pth')  # 64 images / 32 = 2 iterations

    # the widths (greyscale, 16 channels) are read from the weights: no --config needed
    backbone = str(tmp_path / 'backbone.pth')
    proc = run_tool(tmp_path, 'tools/model_converters/dnc2mmseg.py', str(pre / 'epoch_1.pth'),
                    backbone)  # fmt: skip
    assert "'in_channels': 1, 'stem_channels': 16, 'base_channels': 16" in proc.stdout
    converted = torch.load(backbone, weights_only=True)['state_dict']
    source = torch.load(str(pre / 'epoch_1.pth'), weights_only=False)['state_dict']
    assert set(converted) == {k for k in source if k.startswith('backbone.')}
    assert all(torch.equal(converted[k], source[k]) for k in converted)

    seg = tmp_path / 'seg'
    options = [f'{s}_dataloader.dataset.data_root={scenes}' for s in ('train', 'val', 'test')]
    options += [*LOADER_OPTIONS, 'train_cfg.max_iters=2', 'train_cfg.val_interval=2']
    options += ['default_hooks.checkpoint.interval=2', f'checkpoint_file={backbone}']
    options += [f'model.backbone.init_cfg.checkpoint={backbone}']
    proc = run_tool(tmp_path, 'tools/train.py', SEG, '--work-dir', str(seg), '--cfg-options',
                    *options)  # fmt: skip
    assert f'load backbone. in model from: {backbone}' in proc.stdout + proc.stderr
    ckpt = str(seg / 'iter_2.pth')
    tested = run_tool(
        tmp_path, 'tools/test.py', SEG, ckpt, '--work-dir', str(tmp_path / 'test'),
        '--cfg-options', *options,
    )  # fmt: skip
    assert 'mIoU' in tested.stdout + tested.stderr

    from mmseg.apis import MMSegInferencer

    import mmproto  # noqa: F401

    scene = osp.join(scenes, 'img_dir', 'val', '000000.png')
    inferencer = MMSegInferencer(model=str(seg / osp.basename(SEG)), weights=ckpt, device='cpu')
    result = inferencer(scene, out_dir=str(tmp_path / 'infer'))
    pred = np.asarray(result['predictions'])
    assert pred.shape == (64, 64) and pred.min() >= 0 and pred.max() < 11
    assert osp.isfile(tmp_path / 'infer' / 'vis' / '000000.png')
