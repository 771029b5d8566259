"""Test helpers: tiny on-disk datasets, CPU multi-process runs, the config harness and the
reference implementations of the papers' algorithms (not part of the installed package)."""

from .cls_runner import tiny_cls_cfg
from .data import make_cls_folder, make_fashion_mnist_idx, make_seg_folder
from .dist import find_free_port, run_distributed
from .malicious import save_malicious_checkpoint
from .seg_runner import tiny_seg_dataset_cfg, tiny_seg_runner_cfg, tiny_segmentor_cfg

__all__ = [
    'find_free_port',
    'make_cls_folder',
    'make_fashion_mnist_idx',
    'make_seg_folder',
    'run_distributed',
    'save_malicious_checkpoint',
    'tiny_seg_dataset_cfg',
    'tiny_seg_runner_cfg',
    'tiny_segmentor_cfg',
    'tiny_cls_cfg',
]
