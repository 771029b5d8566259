"""A DNC segmentor trains with the Runner on tiny data with ignore pixels, validates mIoU,
and resumes from a checkpoint to exactly the state of an uninterrupted run."""

import os.path as osp

import pytest
import torch
from helpers import make_seg_folder, tiny_seg_runner_cfg, tiny_segmentor_cfg
from mmengine.config import Config
from mmengine.runner import Runner

import mmproto  # noqa: F401


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_seg_folder(str(tmp_path_factory.mktemp('seg')), num_images=4, ignore_ratio=0.2)


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize('head', ['DNCFCNHead', 'DNCUPerHead'])
def test_train_val_save_resume(tmp_path, data_root, head):
    model = tiny_segmentor_cfg(head)
    cfg = tiny_seg_runner_cfg(str(tmp_path / 'a'), data_root, model, max_iters=4)
    runner = Runner.from_cfg(Config(cfg))
    runner.train()
    dnc = runner.model.decode_head.classifier
    assert int(dnc.bank.num_updates) == 4
    final = _state(runner.model)
    metrics = runner.val()
    assert 0.0 <= metrics['mIoU'] <= 100.0

    ckpt = torch.load(osp.join(str(tmp_path / 'a'), 'iter_2.pth'), weights_only=False)
    protos = ckpt['state_dict']['decode_head.classifier.bank.prototypes']
    assert protos.shape == dnc.prototypes.shape
    assert not torch.equal(protos, final['decode_head.classifier.bank.prototypes'])

    cfg = tiny_seg_runner_cfg(str(tmp_path / 'b'), data_root, model, max_iters=4)
    cfg.update(resume=True, load_from=osp.join(str(tmp_path / 'a'), 'iter_2.pth'))
    resumed = Runner.from_cfg(Config(cfg))
    resumed.train()
    assert resumed.iter == 4
    state = _state(resumed.model)
    assert state.keys() == final.keys()
    for k in final:
        torch.testing.assert_close(state[k], final[k], msg=k)
