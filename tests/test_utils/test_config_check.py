"""mmproto.utils.config_check: misspelt top-level keys warn, misspelt head arguments refuse."""

import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import MODELS

import mmproto  # noqa: F401  (registers the heads)
from mmproto.utils.config_check import (
    check_config_keys,
    check_head_arguments,
    init_arguments,
    misspelt_top_level_keys,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_misspelt_top_level_key_names_the_nearest_read_key():
    cfg = Config(
        dict(
            trian_cfg=dict(max_epochs=1),
            train_cfg=dict(max_epochs=10),
            train_pipeline=[],  # helper variables are not reported
            test_pipeline=[],
            dataset_type='FashionMNIST',
            val_evalutor=dict(type='Accuracy'),
        )
    )
    messages = misspelt_top_level_keys(cfg)
    assert len(messages) == 2
    assert "'trian_cfg' is read by nothing" in messages[0]
    assert "did you mean 'train_cfg'?" in messages[0]
    assert "did you mean 'val_evaluator'?" in messages[1]


def test_warning_is_logged():
    MMLogger.get_instance('mmengine')  # print_log's 'current' logger
    cfg = Config(dict(trian_cfg=dict(max_epochs=1)))
    assert len(check_config_keys(cfg)) == 1


def test_every_shipped_config_is_clean():
    cfg = Config.fromfile(osp.join(REPO, 'configs/dnc/dnc_lenet5_1xb128_fashion-mnist.py'))
    assert misspelt_top_level_keys(cfg) == []
    check_head_arguments(cfg, MODELS)


def test_misspelt_head_argument_is_refused_with_did_you_mean():
    cfg = Config.fromfile(osp.join(REPO, 'configs/dnc/dnc_lenet5_1xb128_fashion-mnist.py'))
    cfg.model.head.num_subcentroid = 2
    with pytest.raises(TypeError) as err:
        check_head_arguments(cfg, MODELS)
    assert str(err.value).startswith(
        "model.head.num_subcentroid: DNCHead takes no argument 'num_subcentroid'; "
        "did you mean 'num_subcentroids'?"
    )


def test_init_arguments_follow_kwargs_up_the_mro():
    dnc = init_arguments(MODELS.get('mmpretrain.DNCHead'))
    assert {'num_subcentroids', 'momentum', 'init_cfg', 'loss', 'topk'} <= dnc
    fcn = init_arguments(MODELS.get('mmseg.DNCFCNHead'))
    assert {'num_convs', 'channels', 'loss_decode', 'num_subcentroids'} <= fcn

    class Open:  # **kwargs that reaches no parent taking it: unknown
        def __init__(self, a, **kwargs):
            pass

    assert init_arguments(Open) is None
