"""tools/model_converters/publish_model.py: release checkpoints (mmpretrain's convention plus
the training-only state), evaluated and converted like the training checkpoints."""

import hashlib
import os.path as osp
import pickle
import re

import pytest
import torch
from conftest import CONFIGS, data_root_options, load_script, run_tool
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmproto  # noqa: F401
from mmproto.utils import load_local_checkpoint

tool = load_script('tools/model_converters/publish_model.py')
DNC_CONFIG = osp.join(CONFIGS, 'tiny_dnc.py')
MEMORY = [f'head.classifier.bank.memory.{n}' for n in ('features', 'labels', 'correct', 'ptr')]


def _test_metrics(tmp_path, ckpt, root, name):
    out = tmp_path / f'{name}.pkl'
    opts = ['--cfg-options', *data_root_options(root)]
    run_tool(tmp_path, 'tools/test.py', DNC_CONFIG, ckpt, '--work-dir', str(tmp_path / name),
             '--out', str(out), '--out-item', 'metrics', *opts)  # fmt: skip
    with open(out, 'rb') as f:
        return pickle.load(f)


def test_published_dnc_checkpoint_tests_the_same_and_refuses_resume(tmp_path, tiny_cls_root):
    work = tmp_path / 'train'
    opts = ['--cfg-options', *data_root_options(tiny_cls_root)]
    run_tool(tmp_path, 'tools/train.py', DNC_CONFIG, '--work-dir', str(work), *opts)
    ckpt = str(work / 'iter_2.pth')
    trained = load_local_checkpoint(ckpt)
    assert int(trained['state_dict']['head.classifier.bank.memory.ptr']) == 0  # 2 x 4 wrapped
    assert int(trained['state_dict']['head.classifier.bank.num_updates']) == 2

    final = tool.publish(ckpt, str(tmp_path / 'dnc_tiny.pth'))
    assert re.fullmatch(r'dnc_tiny-[0-9a-f]{8}\.pth', osp.basename(final))
    with open(final, 'rb') as f:
        assert hashlib.sha256(f.read()).hexdigest()[:8] == final[-12:-4]
    published = load_local_checkpoint(final)
    assert set(published) == {'meta', 'state_dict'}
    assert published['meta']['training_state_dropped'] == sorted(MEMORY)
    kept = {k for k in trained['state_dict'] if k not in MEMORY}
    assert set(published['state_dict']) == kept  # what predict reads stays
    for k in kept:
        assert torch.equal(published['state_dict'][k], trained['state_dict'][k]), k

    assert _test_metrics(tmp_path, final, tiny_cls_root, 'pub') == _test_metrics(
        tmp_path, ckpt, tiny_cls_root, 'full'
    )
    proc = run_tool(tmp_path, 'tools/train.py', DNC_CONFIG, '--work-dir', str(tmp_path / 'r'),
                    '--resume', final, *opts, check=False)  # fmt: skip
    assert proc.returncode != 0
    assert 'cannot resume exactly' in proc.stdout + proc.stderr


def _classifier(head, backbone=None):
    from mmengine.registry import DefaultScope

    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(
            dict(
                type='ImageClassifier',
                backbone=backbone or dict(type='ResNet', depth=18),
                neck=dict(type='GlobalAveragePooling'),
                head=head,
            )
        ).eval()


def _runner_like(model, path, model_cfg):
    cfg = Config(dict(default_scope='mmpretrain', model=model_cfg))
    torch.save(
        dict(
            state_dict=model.state_dict(),
            optimizer=dict(state={}, param_groups=[]),
            message_hub={},
            param_schedulers=[],
            meta=dict(epoch=1, cfg=cfg.pretty_text),
        ),
        path,
    )
    return path


def test_dnc2mmseg_accepts_a_published_checkpoint(tmp_path):
    head = dict(type='DNCHead', num_classes=6, in_channels=512, memory_size=8)
    model = _classifier(head)
    model_cfg = dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=18),
                     neck=dict(type='GlobalAveragePooling'), head=head)  # fmt: skip
    src = _runner_like(model, str(tmp_path / 'dnc.pth'), model_cfg)
    final = tool.publish(src, str(tmp_path / 'dnc_pub.pth'))
    dnc2mmseg = load_script('tools/model_converters/dnc2mmseg.py')
    report = dnc2mmseg.convert(final, str(tmp_path / 'seg.pth'))
    assert len(report['loaded']) == len(model.backbone.state_dict())
    # the published file loads strictly into the DNC model (memory keeps its empty state)
    fresh = _classifier(head)
    fresh.load_state_dict(load_local_checkpoint(final)['state_dict'])
    assert int(fresh.head.classifier.bank.memory.ptr) == 0


def test_mcc_to_linear_accepts_a_published_checkpoint(tmp_path, monkeypatch):
    import sys

    backbone = dict(type='ResNet', depth=18, stem_channels=8, base_channels=8)
    head = dict(type='MultiCenterClsHead', num_classes=4, in_channels=64)
    mcc = _classifier(head, backbone)
    model_cfg = dict(type='ImageClassifier', backbone=backbone,
                     neck=dict(type='GlobalAveragePooling'), head=head)  # fmt: skip
    src = _runner_like(mcc, str(tmp_path / 'mcc.pth'), model_cfg)
    final = tool.publish(src, str(tmp_path / 'mcc_pub.pth'))
    dst = str(tmp_path / 'linear.pth')
    monkeypatch.setattr(sys, 'argv', ['mcc_to_linear.py', final, dst])
    load_script('tools/model_converters/mcc_to_linear.py').main()
    linear = _classifier(dict(type='LinearClsHead', num_classes=4, in_channels=64), backbone)
    linear.load_state_dict(load_local_checkpoint(dst)['state_dict'])
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(linear(x), mcc(x))


def test_publish_needs_a_config(tmp_path):
    path = str(tmp_path / 'bare.pth')
    torch.save(dict(state_dict={}, meta={}), path)
    with pytest.raises(ValueError, match='--config'):
        tool.publish(path, str(tmp_path / 'out.pth'))
