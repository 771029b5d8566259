"""tools/train.py and tools/test.py refuse a checkpoint for another number of classes."""

import os.path as osp

import pytest
from conftest import CONFIGS, data_root_options, load_script

from mmproto.models.utils import CheckpointShapeError

MSG = r'head\.fc\.weight has shape \(3, 120\) but the model \(Linear\) has \(5, 120\)'


def _opts(root):
    return ['--cfg-options', *data_root_options(root), 'model.head.num_classes=5']


def test_test_tool_refuses_other_num_classes(tmp_path, tiny_cls_root, trained_cls):
    test = load_script('tools/test.py')
    ckpt = osp.join(trained_cls, 'iter_2.pth')
    argv = [osp.join(CONFIGS, 'tiny_cls.py'), ckpt, '--work-dir', str(tmp_path)]
    with pytest.raises(CheckpointShapeError, match=MSG):
        test.main([*argv, *_opts(tiny_cls_root)])


@pytest.mark.parametrize('how', ['--resume', 'load_from'])
def test_train_tool_refuses_other_num_classes(tmp_path, tiny_cls_root, trained_cls, how):
    train = load_script('tools/train.py')
    ckpt = osp.join(trained_cls, 'iter_2.pth')
    argv = [osp.join(CONFIGS, 'tiny_cls.py'), '--work-dir', str(tmp_path)]
    if how == '--resume':
        argv += ['--resume', ckpt, *_opts(tiny_cls_root)]
    else:
        argv += [*_opts(tiny_cls_root), f'load_from={ckpt}']
    with pytest.raises(CheckpointShapeError, match=MSG):
        train.main(argv)
