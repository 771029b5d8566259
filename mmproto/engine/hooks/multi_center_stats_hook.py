"""Per-epoch record of the multi-center classifier's Gaussians (MCC): sigma and the class means."""

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from mmproto.models.heads.multi_center_head import MultiCenterMixin
from mmproto.ops import subcenter_std

from .utils import get_head


@torch.no_grad()
def multicenter_stats(weight: torch.Tensor, log_var: torch.Tensor, std_scale: float) -> dict:
    """Summary of ``N(w_c, sigma_c^2 I)`` (Eq. 5, MCC), all fp32 scalars.

    ``sigma``: mean of ``sigma_c`` over classes and dimensions; ``mean_norm``: mean over classes
    of ``||w_c||``; ``offset_norm``: mean over classes of ``||sigma_c||``, the RMS norm of a
    sub-centre's offset ``sigma_c * eps`` (``E||sigma * eps||^2 = ||sigma||^2``);
    ``offset_to_mean``: their ratio (> 1: the sub-centres are mostly noise).

    Args:
        weight: class means ``w_c`` (C, d). log_var: ``log sigma_c^2`` (C, d).
    """
    w, std = weight.detach().float(), subcenter_std(log_var.detach().float(), std_scale)
    mean_norm = w.norm(dim=1).mean()
    offset_norm = std.norm(dim=1).mean()
    return dict(
        sigma=float(std.mean()),
        mean_norm=float(mean_norm),
        offset_norm=float(offset_norm),
        offset_to_mean=float(offset_norm / mean_norm.clamp(min=1e-12)),
    )


@HOOKS.register_module()
class MultiCenterStatsHook(Hook):
    """Log sigma and the norm of the class means of a ``MultiCenterMixin`` head every epoch.

    The values of :func:`multicenter_stats` are published as ``val/mcc_<name>`` scalars after each
    validation, before ``LoggerHook`` writes that epoch's line: they land beside the validation
    accuracy in ``vis_data/scalars.json`` (step = epoch). Holds no state.
    """

    priority = 'NORMAL'  # before LoggerHook (BELOW_NORMAL) writes the epoch's validation line

    def before_train(self, runner) -> None:
        head = get_head(runner, MultiCenterMixin, 'MultiCenterStatsHook')
        if head.deploy:
            raise ValueError('MultiCenterStatsHook needs a trainable head (deploy=False)')

    def after_val_epoch(self, runner, metrics=None) -> None:
        head = get_head(runner, MultiCenterMixin, 'MultiCenterStatsHook')
        if head.deploy:
            return
        stats = multicenter_stats(head.class_centers()[0], head.log_var, head.std_scale)
        for name, value in stats.items():
            runner.message_hub.update_scalar(f'val/mcc_{name}', value)
