"""Multi-center classifier head (Zhang & Gong, "Generating Multi-Center Classifier via Conditional
Gaussian Distribution"): K sub-centres per class drawn from ``N(w_c, sigma_c^2 I)`` at every
training forward, multi-center labels, the std loss; a plain linear classifier at test time."""

import copy
import inspect
import math
from typing import List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import get_rank
from mmpretrain.evaluation.metrics import Accuracy
from mmpretrain.models.heads import ClsHead
from mmpretrain.models.losses import CrossEntropyLoss
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from mmproto.models.utils.shape_check import ShapeCheckMixin
from mmproto.ops import (
    check_label_weights,
    check_num_subcenters,
    multicenter_bias,
    multicenter_targets,
    sample_subcenters,
    soft_targets,
    split_batch_point,
    step_seed,
)

MIXUP_MODES = ('multicenter', 'split_batch')
LOG_VAR_INITS = ('kaiming_uniform', 'zeros')
_NOISE_STATE = ('log_var', 'noise_seed', 'num_steps')


def split_multicenter_args(kwargs: dict) -> dict:
    """Remove the :data:`MC_ARGS` from ``kwargs`` (in place) and return them."""
    return {name: kwargs.pop(name) for name in MC_ARGS if name in kwargs}


class MultiCenterMixin(ShapeCheckMixin):
    """Training path of the multi-center classifier, shared by the linear, ArcFace and L-Softmax
    heads. The host class (a ``ClsHead``) provides ``num_classes``, ``loss_module``,
    ``pre_logits``, :meth:`class_centers` and :meth:`group_logits` and calls
    :meth:`_init_multicenter` in its ``__init__`` with the arguments below (:data:`MC_ARGS`),
    which every multi-center head takes under these names.

    State: ``log_var`` (C, d) parameter; ``noise_seed`` and ``num_steps`` persistent int64
    buffers. The sub-centre noise of a step is drawn from a generator seeded with
    ``(noise_seed, num_steps[, rank])``, so it does not depend on any global RNG and a resumed
    run draws exactly the noise of an uninterrupted one.

    Args:
        num_subcenters (int): K sub-centres per class (paper default 2).
        center_weight (float): label mass on the class centre (Eq. 8: 0.5).
        subcenter_weight (float, optional): mass on each sub-centre; default
            ``(1 - center_weight - label_smooth) / K`` (Eq. 8: 0.25 for K = 2).
        label_smooth (float): mass spread uniformly over all C (K + 1) rows (paper 0; official
            code 0.1 with ``center_weight=0.5, subcenter_weight=0.2``).
        std_scale (float): ``sigma = std_scale * exp(log_var / 2)`` (paper 1.0; official code
            0.1; the std loss always uses ``log_var``).
        log_var_init (str | float): ``'kaiming_uniform'`` (official code, U(-1/sqrt(d),
            1/sqrt(d))), ``'zeros'`` or a constant.
        loss_std (dict, optional): the std loss (``StdKLLoss``, weight 1, mean over classes);
            None disables it (the Table 7 ablation).
        mixup_mode (str): how batch-augment scores are used: ``'multicenter'`` (scores mapped
            into the C (K + 1) space, default) or ``'split_batch'`` (official Swin code, use with
            ``SplitBatchAugment``).
        noise_seed (int, optional): seed of the sub-centre noise stream (default: drawn from the
            global torch RNG at construction, i.e. from the Runner's seed).
        per_rank_noise (bool): draw different noise on each DDP rank (official code) instead of
            the same noise everywhere (default: a multi-rank step equals a one-process step on the
            global batch).
        deploy (bool): build the test-time head only (no log-variance; cannot train).
    """

    def _init_multicenter(
        self,
        in_channels: int,
        num_subcenters: int = 2,
        center_weight: float = 0.5,
        subcenter_weight: Optional[float] = None,
        label_smooth: float = 0.0,
        std_scale: float = 1.0,
        log_var_init: Union[str, float] = 'kaiming_uniform',
        loss_std: Optional[Union[dict, nn.Module]] = dict(
            type='StdKLLoss', reduction='mean', loss_weight=1.0
        ),
        mixup_mode: str = 'multicenter',
        noise_seed: Optional[int] = None,
        per_rank_noise: bool = False,
        deploy: bool = False,
    ) -> None:
        if self.num_classes <= 0:
            raise ValueError(f'num_classes={self.num_classes} must be a positive integer')
        self.in_channels = in_channels
        self.num_subcenters = check_num_subcenters(num_subcenters)
        self.center_weight, self.subcenter_weight = check_label_weights(
            num_subcenters, center_weight, subcenter_weight, label_smooth
        )
        self.label_smooth = float(label_smooth)
        if not std_scale > 0:
            raise ValueError(f'std_scale must be > 0, got {std_scale}')
        self.std_scale = float(std_scale)
        if mixup_mode not in MIXUP_MODES:
            raise ValueError(f'mixup_mode must be one of {MIXUP_MODES}, got {mixup_mode!r}')
        self.mixup_mode = mixup_mode
        self.per_rank_noise = per_rank_noise
        self._check_loss_module(self.loss_module, self.num_classes * (num_subcenters + 1))
        if mixup_mode == 'split_batch':
            # the mixed half is scored over C classes: a separate copy keeps LabelSmoothLoss's
            # lazily inferred ``num_classes`` apart from the C (K + 1) one.
            self.loss_module_center = copy.deepcopy(self.loss_module)
            if getattr(self.loss_module_center, 'num_classes', None) is not None:
                self.loss_module_center.num_classes = None
        if loss_std is not None and not isinstance(loss_std, nn.Module):
            loss_std = MODELS.build(loss_std)
        self.loss_std = loss_std
        self.deploy = deploy
        self._generators = {}
        self._seed = self._step = 0
        if deploy:
            return
        self.log_var = nn.Parameter(torch.empty(self.num_classes, in_channels))
        if log_var_init == 'kaiming_uniform':  # the official code; nn.Linear's default init
            bound = 1.0 / math.sqrt(in_channels)
            nn.init.uniform_(self.log_var, -bound, bound)
        elif log_var_init == 'zeros':
            nn.init.zeros_(self.log_var)
        elif isinstance(log_var_init, (int, float)) and not isinstance(log_var_init, bool):
            nn.init.constant_(self.log_var, float(log_var_init))
        else:
            raise ValueError(
                f'log_var_init must be one of {LOG_VAR_INITS} or a number, got {log_var_init!r}'
            )
        if noise_seed is None:  # deterministic under the Runner's seed; rank 0's wins in DDP
            noise_seed = int(torch.randint(0, 2**62, ()).item())
        self.register_buffer('noise_seed', torch.tensor(int(noise_seed), dtype=torch.long))
        self.register_buffer('num_steps', torch.zeros((), dtype=torch.long))
        self._seed = int(noise_seed)
        self._register_load_state_dict_pre_hook(self._read_noise_state)

    @staticmethod
    def _check_loss_module(loss: nn.Module, width: int) -> None:
        inner = getattr(loss, 'ce', loss)
        if getattr(loss, 'use_sigmoid', False) or getattr(inner, 'use_sigmoid', False):
            raise ValueError('loss: multi-center labels need a softmax loss, not use_sigmoid=True')
        if isinstance(loss, CrossEntropyLoss) and not loss.use_soft:
            raise ValueError(
                'loss: the multi-center labels (Eq. 8) are soft targets; use '
                "dict(type='CrossEntropyLoss', use_soft=True) or dict(type='LabelSmoothLoss', ...)"
            )
        num_classes = getattr(loss, 'num_classes', None)
        if num_classes is not None and num_classes != width:
            raise ValueError(
                f'loss.num_classes={num_classes} but the multi-center logits have '
                f'C * (K + 1) = {width} columns; leave loss.num_classes unset (None)'
            )

    # ---------------------------------------------------------------- state and noise
    def _read_noise_state(self, state_dict, prefix, *args) -> None:
        """Keep the host-side copies of ``noise_seed`` / ``num_steps`` in step with a load."""
        if prefix + 'noise_seed' in state_dict:
            self._seed = int(state_dict[prefix + 'noise_seed'])
        if prefix + 'num_steps' in state_dict:
            self._step = int(state_dict[prefix + 'num_steps'])

    def _noise_generator(self, device: torch.device) -> torch.Generator:
        rank = get_rank() if self.per_rank_noise else 0
        key = str(device)
        if key not in self._generators:
            self._generators[key] = torch.Generator(device=device)
        gen = self._generators[key]
        gen.manual_seed(step_seed(self._seed, self._step, stream=rank))
        return gen

    def _advance_step(self) -> None:
        self._step += 1
        self.num_steps.add_(1)

    def switch_to_deploy(self) -> None:
        """Drop the training-only state (``log_var``, noise counters): a plain classifier."""
        if self.deploy:
            return
        for name in _NOISE_STATE:
            delattr(self, name)
        self.deploy = True

    # ---------------------------------------------------------------- host interface
    def class_centers(self) -> Tuple[Tensor, Optional[Tensor]]:
        """Class means ``w_c`` (C, d) and the class bias (C,) or None."""
        raise NotImplementedError

    def group_logits(self, x: Tensor, weight: Tensor, bias: Optional[Tensor], labels: Tensor,
                     group: int) -> Tensor:  # fmt: skip
        """Training logits (N, C * group) of features x (N, d) against a class-major classifier
        ``weight`` (C * group, d) (``group = K + 1``: Eq. 7; ``group = 1``: class means)."""
        raise NotImplementedError

    # ---------------------------------------------------------------- training
    def multicenter_classifier(self) -> Tuple[Tensor, Optional[Tensor]]:
        """``F_m`` (C (K + 1), d) of Eq. 7 with this step's noise, and its bias or None."""
        weight, bias = self.class_centers()
        weight_mc = sample_subcenters(
            weight,
            self.log_var,
            self.num_subcenters,
            self.std_scale,
            generator=self._noise_generator(weight.device),
        )
        bias_mc = None if bias is None else multicenter_bias(bias, self.num_subcenters)
        return weight_mc, bias_mc

    def loss(self, feats: Tuple[Tensor], data_samples: List[DataSample], **kwargs) -> dict:
        """Eq. 11: ``L_m`` (Eq. 9, cross-entropy against the multi-center labels) + ``L_sigma2``.

        Losses: ``loss`` (classification) and ``loss_std`` (Eq. 10, unless ``loss_std=None``).
        Batch-augment scores ``gt_score`` (N, C) are mapped into the C (K + 1) space
        (``mixup_mode='multicenter'``) or, with ``mixup_mode='split_batch'``, the first half of
        the batch (mixed) is scored by the class means over C classes and the second half
        (unmixed) by the multi-center classifier; the two halves' losses are averaged.
        """
        if self.deploy:
            raise RuntimeError(
                f'{type(self).__name__} was built with deploy=True (no log-variance): it can '
                'only predict; build it with deploy=False to train'
            )
        x = self.pre_logits(feats)
        labels = torch.cat([ds.gt_label for ds in data_samples]).to(x.device)
        scores = None
        if 'gt_score' in data_samples[0]:
            scores = torch.stack([ds.gt_score for ds in data_samples]).to(x.device)
        weight_mc, bias_mc = self.multicenter_classifier()
        if self.mixup_mode == 'split_batch':
            loss = self._split_batch_loss(x, labels, scores, weight_mc, bias_mc, **kwargs)
        else:
            target = multicenter_targets(
                labels if scores is None else scores,
                self.num_classes,
                self.num_subcenters,
                self.center_weight,
                self.subcenter_weight,
                self.label_smooth,
            )
            logits = self.group_logits(x, weight_mc, bias_mc, labels, self.num_subcenters + 1)
            loss = self.loss_module(logits, target, avg_factor=x.shape[0], **kwargs)
        losses = dict(loss=loss)
        if self.loss_std is not None:
            losses['loss_std'] = self.loss_std(self.log_var)
        if self.cal_acc:
            if scores is not None:
                raise ValueError('cal_acc=True is pointless with batch augments (gt_score)')
            with torch.no_grad():
                acc = Accuracy.calculate(self(feats), labels, topk=self.topk)
            losses.update({f'accuracy_top-{k}': a for k, a in zip(self.topk, acc)})
        self._advance_step()
        return losses

    def _split_batch_loss(self, x, labels, scores, weight_mc, bias_mc, **kwargs) -> Tensor:
        num = x.shape[0]
        h = split_batch_point(num)
        if scores is not None and h < num:
            clean = F.one_hot(labels[h:], self.num_classes).to(scores.dtype)
            if not torch.allclose(scores[h:], clean):
                raise ValueError(
                    "mixup_mode='split_batch' expects the second half of the batch unmixed "
                    '(gt_score one-hot); wrap the batch augments in '
                    "dict(type='SplitBatchAugment', augments=[...])"
                )
        parts = []
        if h > 0:
            weight, bias = self.class_centers()
            logits = self.group_logits(x[:h], weight, bias, labels[:h], 1)
            target = soft_targets(
                None if scores is None else scores[:h], labels[:h], self.num_classes,
                self.label_smooth,
            )  # fmt: skip
            parts.append(self.loss_module_center(logits, target, avg_factor=h, **kwargs))
        if h < num:
            logits = self.group_logits(
                x[h:], weight_mc, bias_mc, labels[h:], self.num_subcenters + 1
            )
            target = multicenter_targets(
                labels[h:],
                self.num_classes,
                self.num_subcenters,
                self.center_weight,
                self.subcenter_weight,
                self.label_smooth,
            )
            parts.append(self.loss_module(logits, target, avg_factor=num - h, **kwargs))
        return sum(parts) / len(parts)


# the arguments every multi-center head forwards to MultiCenterMixin._init_multicenter
MC_ARGS = tuple(inspect.signature(MultiCenterMixin._init_multicenter).parameters)[2:]
MultiCenterMixin.forwarded_arguments = MC_ARGS  # for the config check's "did you mean"


@MODELS.register_module()
class MultiCenterClsHead(MultiCenterMixin, ClsHead):
    """Multi-center classifier head (MCC): a linear classifier at test time.

    Training (Fig. 3): K sub-centres per class are drawn from ``N(w_c, sigma_c^2 I)`` by
    reparameterisation (Eq. 5-6, vectorised over classes), stacked class-major with the means into
    ``F_m`` of C (K + 1) rows (Eq. 7) and trained with cross-entropy against the multi-center
    labels (Eq. 8-9) plus the std loss (Eq. 10-11). Test (Sec. 4.3): ``logits = fc(x)`` with the
    means only -- the same outputs, parameters and FLOPs as ``LinearClsHead`` with the same
    weights (``deploy=True`` / :meth:`switch_to_deploy` or
    ``tools/model_converters/mcc_to_linear.py`` drop the log-variance).

    Args:
        num_classes (int): C.
        in_channels (int): d.
        bias (bool): class bias, shared by a class's centre and sub-centres (paper Eq. 2 and the
            official code: no bias). Defaults to False.
        loss (dict): soft-target classification loss over the C (K + 1) logits, e.g.
            ``CrossEntropyLoss(use_soft=True)`` (default) or ``LabelSmoothLoss`` (applied on top
            of the multi-center labels).
        **kwargs: the multi-center arguments (``num_subcenters``, ``center_weight``,
            ``subcenter_weight``, ``label_smooth``, ``std_scale``, ``log_var_init``,
            ``loss_std``, ``mixup_mode``, ``noise_seed``, ``per_rank_noise``, ``deploy``:
            :class:`MultiCenterMixin`, documented there with the paper's defaults) and
            ``ClsHead``'s (``topk``, ``cal_acc``).
        init_cfg (dict, optional): None keeps ``nn.Linear``'s default init of ``fc`` (the
            official code's kaiming-uniform).
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        bias: bool = False,
        loss: dict = dict(type='CrossEntropyLoss', use_soft=True, loss_weight=1.0),
        init_cfg: Optional[dict] = None,
        **kwargs,
    ):
        multicenter = split_multicenter_args(kwargs)
        super().__init__(loss=loss, init_cfg=init_cfg, **kwargs)
        self.num_classes = num_classes
        self._init_multicenter(in_channels, **multicenter)  # checks num_classes first
        self.fc = nn.Linear(in_channels, num_classes, bias=bias)

    def pre_logits(self, feats: Tuple[Tensor]) -> Tensor:
        """The last stage's feature (N, d)."""
        x = feats[-1]
        if x.dim() != 2 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'{type(self).__name__} expects features (N, in_channels={self.in_channels}), '
                f'got {tuple(x.shape)}; check in_channels and the neck'
            )
        return x

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        """Test-time logits ``x W^T (+ b)`` with the class means only (Sec. 4.3), (N, C)."""
        return self.fc(self.pre_logits(feats))

    def class_centers(self) -> Tuple[Tensor, Optional[Tensor]]:
        return self.fc.weight, self.fc.bias

    def group_logits(self, x, weight, bias, labels, group) -> Tensor:
        """Eq. 2 for every row of the (multi-center) classifier: ``x F^T (+ b)``."""
        return F.linear(x, weight, bias)
