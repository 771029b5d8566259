import os
import os.path as osp

import pytest
import torch
from helpers import make_cls_folder, tiny_cls_cfg
from mmengine.runner import Runner


def imbalanced_folder(root):
    make_cls_folder(root, num_classes=4, per_class=8, size=16)
    for c, keep in enumerate([2, 4, 6, 8]):  # 2, 4, 6, 8 images per class
        for i in range(keep, 8):
            os.remove(osp.join(root, f'class_{c}', f'img_{i}.png'))
    return root


def test_valid_mask_follows_class_counts_and_is_checkpointed(tmp_path):
    root = imbalanced_folder(str(tmp_path / 'data'))
    head = dict(type='DNCHead', num_classes=4, in_channels=64, num_subcentroids=4)
    hooks = [dict(type='SubCentroidUpdateHook'), dict(type='SubCentroidsByFrequencyHook')]
    cfg = tiny_cls_cfg(root, str(tmp_path / 'w'), head, hooks, max_epochs=2)
    runner = Runner.from_cfg(cfg)
    init = runner.model.head.classifier.bank.prototypes.clone()
    runner.train()
    bank = runner.model.head.classifier.bank
    # counts 2, 4, 6, 8 in 4 equal bins over [2, 8] -> K = 1, 2, 3, 4
    assert bank.valid.sum(1).tolist() == [1, 2, 3, 4]
    assert torch.equal(bank.prototypes[~bank.valid], init[~bank.valid])  # never updated
    sims = bank.similarity(torch.nn.functional.normalize(torch.randn(5, 64), dim=1))
    assert torch.isinf(sims[:, ~bank.valid]).all()
    ckpt = torch.load(osp.join(cfg.work_dir, 'epoch_2.pth'), weights_only=False)
    assert torch.equal(ckpt['state_dict']['head.classifier.bank.valid'], bank.valid)


def test_k_max_beyond_head_is_named(tmp_path):
    root = imbalanced_folder(str(tmp_path / 'data'))
    head = dict(type='DNCHead', num_classes=4, in_channels=64, num_subcentroids=2)
    hooks = [dict(type='SubCentroidUpdateHook'), dict(type='SubCentroidsByFrequencyHook', k_max=4)]
    runner = Runner.from_cfg(tiny_cls_cfg(root, str(tmp_path / 'w'), head, hooks))
    with pytest.raises(ValueError, match='k_max=4 exceeds the head.s num_subcentroids=2'):
        runner.train()
