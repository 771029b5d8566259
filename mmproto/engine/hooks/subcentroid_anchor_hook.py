"""Anchor DNC's sub-centroids to real training images for the last epochs (§4.3, Table 4)."""

from typing import Dict, Optional

import torch
from mmengine import dist
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmengine.runner import EpochBasedTrainLoop, Runner

from mmproto.engine.subcentroid_images import (
    anchoring_loader_cfg,
    embed_samples,
    find_subcentroid_classifier,
    nearest_training_samples,
)
from mmproto.models.utils import CheckpointShapeError, broadcast_

CKPT_KEY = 'subcentroid_anchors'


@HOOKS.register_module()
class SubCentroidAnchorHook(Hook):
    """Replace DNC's cluster-centre sub-centroids by real training images (§4.3, Table 4, DNC).

    "In the first 90 epochs, the model is trained in a standard manner, i.e., computing the
    class sub-centroids as cluster centers. Then we anchor each sub-centroid to its closest
    training image, based on the cosine similarity of features. In the final 10 epochs, the
    sub-centroids are only updated as the features of their anchored training images."

    At the start of epoch ``anchor_epoch`` (0-based, i.e. after ``anchor_epoch`` epochs) one
    pass over the training set (with a progress bar, sharded over ranks) finds, for every
    sub-centroid ``p^c_k``, the training sample of class c with the highest cosine
    (:func:`~mmproto.engine.subcentroid_images.nearest_training_samples`). From then on:

    * the bank's Eq. 8 momentum is set to 1, so ``SubCentroidUpdateHook``'s clustering no
      longer moves any sub-centroid;
    * ``p^c_k`` is set to the current feature ``l2(LN_D(f))`` of its anchored image, computed
      in eval mode with the anchoring pipeline, right after anchoring, at the start and at the
      end of every later epoch (before validation and checkpointing, so an evaluated or saved
      model holds exactly its anchored images' features) and, with ``refresh_interval > 0``,
      every that many iterations. The features are computed on rank 0 and broadcast, so all
      ranks hold identical sub-centroids.

    A sub-centroid whose class has no training sample (or that is invalid, Table 23) keeps its
    cluster centre; its anchor index is -1. The anchors (``index [C, Kmax]`` into the anchoring
    dataset, the cosine at anchoring time) are hook state, saved in the checkpoint under
    ``'subcentroid_anchors'`` and restored on resume; ``tools/analysis_tools/dnc_explain.py``
    reads them to draw the sub-centroid images.

    Args:
        anchor_epoch (int): epochs of standard DNC training before anchoring (paper: 90 of
            100). Must be ``< train_cfg.max_epochs``.
        dataloader (dict, optional): loader of the anchoring pass. Default: the training
            dataset with the validation pipeline (deterministic view), not shuffled, with the
            training batch size and workers. Its samples must keep ``sample_idx``.
        refresh_interval (int): also refresh the anchored features every this many training
            iterations (0: only at epoch starts).
    """

    # after SubCentroidUpdateHook (NORMAL) in after_train_iter, before CheckpointHook (VERY_LOW)
    priority = 'LOW'

    def __init__(
        self, anchor_epoch: int = 90, dataloader: Optional[dict] = None, refresh_interval: int = 0
    ):
        if not isinstance(anchor_epoch, int) or anchor_epoch < 0:
            raise ValueError(
                f'SubCentroidAnchorHook: anchor_epoch must be an int >= 0, got {anchor_epoch!r}'
            )
        if refresh_interval < 0:
            raise ValueError(
                f'SubCentroidAnchorHook: refresh_interval must be >= 0, got {refresh_interval}'
            )
        self.anchor_epoch = anchor_epoch
        self.dataloader_cfg = dataloader
        self.refresh_interval = refresh_interval
        self.anchor_index: Optional[torch.Tensor] = None  # [C, Kmax], -1 = none
        self.anchor_similarity: Optional[torch.Tensor] = None
        self._loader = None

    # ------------------------------------------------------------------ helpers
    @property
    def anchored(self) -> bool:
        return self.anchor_index is not None

    def _build_loader(self, runner: Runner):
        if self._loader is not None:
            return self._loader
        cfg = self.dataloader_cfg
        if cfg is None:
            cfg = anchoring_loader_cfg(runner.cfg)
        seed = runner.seed if hasattr(runner, 'seed') else None
        self._loader = Runner.build_dataloader(cfg, seed=seed)
        return self._loader

    def _check(self, runner: Runner) -> None:
        loop = runner.train_loop
        if not isinstance(loop, EpochBasedTrainLoop):
            raise TypeError(
                'SubCentroidAnchorHook needs an epoch-based train loop (train_cfg.by_epoch=True)'
            )
        if self.anchor_epoch >= loop.max_epochs:
            raise ValueError(
                f'SubCentroidAnchorHook: anchor_epoch={self.anchor_epoch} must be smaller than '
                f'train_cfg.max_epochs={loop.max_epochs} (paper: 90 of 100)'
            )

    # ------------------------------------------------------------------ anchoring
    def anchor(self, runner: Runner) -> None:
        """The nearest-sample pass; sets the anchors and freezes the cluster update."""
        _, classifier = find_subcentroid_classifier(runner.model)
        loader = self._build_loader(runner)
        runner.logger.info(
            f'SubCentroidAnchorHook: anchoring sub-centroids to their nearest training images '
            f'(epoch {runner.epoch}, {len(loader)} batches per rank)'
        )
        sim, idx = nearest_training_samples(runner.model, loader)
        self.anchor_index, self.anchor_similarity = idx.cpu(), sim.cpu()
        found = int((idx >= 0).sum())
        total = int(classifier.bank.valid.sum())
        runner.logger.info(
            f'SubCentroidAnchorHook: {found}/{total} sub-centroids anchored, mean cosine '
            f'{float(sim[idx >= 0].mean()) if found else float("nan"):.4f}'
        )

    def refresh(self, runner: Runner) -> None:
        """``p^c_k <- l2(LN_D(f(anchored image)))`` for every anchored sub-centroid."""
        _, classifier = find_subcentroid_classifier(runner.model)
        bank = classifier.bank
        bank.momentum = 1.0  # Eq. 8 with mu = 1: clustering no longer moves sub-centroids
        idx = self.anchor_index.to(bank.prototypes.device)
        has = idx >= 0
        protos = bank.prototypes.clone()
        if dist.is_main_process() and bool(has.any()):
            dataset = self._build_loader(runner).dataset
            x = embed_samples(runner.model, dataset, idx[has].tolist())
            protos[has] = x.to(protos.dtype)
        broadcast_(protos)
        bank.prototypes.copy_(protos)

    # ------------------------------------------------------------------ hook points
    def before_train(self, runner: Runner) -> None:
        self._check(runner)

    def before_train_epoch(self, runner: Runner) -> None:
        if runner.epoch < self.anchor_epoch:
            return
        if not self.anchored:
            self.anchor(runner)
        self.refresh(runner)

    def after_train_epoch(self, runner: Runner) -> None:
        if self.anchored:
            self.refresh(runner)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if (
            self.anchored
            and self.refresh_interval
            and self.every_n_train_iters(runner, self.refresh_interval)
        ):
            self.refresh(runner)

    def before_save_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        if self.anchored:
            checkpoint[CKPT_KEY] = dict(
                index=self.anchor_index.clone(),
                similarity=self.anchor_similarity.clone(),
                anchor_epoch=self.anchor_epoch,
            )

    def after_load_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        state: Optional[Dict] = checkpoint.get(CKPT_KEY)
        if state is None:
            return
        _, classifier = find_subcentroid_classifier(runner.model)
        expected = tuple(classifier.bank.valid.shape)
        if tuple(state['index'].shape) != expected:
            raise CheckpointShapeError(
                f"checkpoint '{CKPT_KEY}.index' has shape {tuple(state['index'].shape)} but the "
                f'model has (num_classes, num_subcentroids) = {expected}'
            )
        self.anchor_index = state['index'].long().cpu()
        self.anchor_similarity = state['similarity'].float().cpu()
        classifier.bank.momentum = 1.0
