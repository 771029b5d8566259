"""Passes over a dataset that tie DNC's sub-centroids to real training images (§4.3, DNC).

Shared by :class:`~mmproto.engine.hooks.SubCentroidAnchorHook` (Table 4) and
``tools/analysis_tools/dnc_explain.py`` (Fig. 3-6).
"""

import copy
import sys
from contextlib import contextmanager
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import torch
from mmengine import dist
from mmengine.model import is_model_wrapper
from mmengine.utils import ProgressBar
from torch import Tensor, nn

from mmproto.models.utils import SubCentroidClassifier, all_gather_varlen
from mmproto.ops import init_nearest_samples, merge_nearest_samples, update_nearest_samples

__all__ = [
    'anchoring_loader_cfg',
    'embed_batch',
    'embed_samples',
    'eval_mode',
    'find_subcentroid_classifier',
    'nearest_training_samples',
    'unwrap',
]


def anchoring_loader_cfg(cfg) -> dict:
    """Loader config of a pass over the training set: the training dataset with the
    validation (else test) pipeline, i.e. a deterministic view, not shuffled."""
    loader = copy.deepcopy(cfg.get('train_dataloader'))
    if loader is None:
        raise ValueError('the config has no train_dataloader to take training images from')
    eval_loader = cfg.get('val_dataloader') or cfg.get('test_dataloader')
    eval_dataset = (eval_loader or {}).get('dataset', {})
    pipeline = _find_pipeline(eval_dataset)
    if pipeline is not None:
        _set_pipeline(loader['dataset'], copy.deepcopy(pipeline))
    loader['sampler'] = dict(type='DefaultSampler', shuffle=False)
    loader.pop('batch_sampler', None)
    loader['persistent_workers'] = False
    return loader


def _find_pipeline(dataset: dict):
    """The pipeline of a dataset config, looking inside wrappers (``dataset``, ``query``)."""
    if 'pipeline' in dataset:
        return dataset['pipeline']
    for key in ('dataset', 'query'):
        if isinstance(dataset.get(key), dict):
            return _find_pipeline(dataset[key])
    return None


def _set_pipeline(dataset: dict, pipeline) -> None:
    if 'pipeline' in dataset or not isinstance(dataset.get('dataset'), dict):
        dataset['pipeline'] = pipeline
    else:
        _set_pipeline(dataset['dataset'], pipeline)


def unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


def find_subcentroid_classifier(model: nn.Module) -> Tuple[nn.Module, SubCentroidClassifier]:
    """The classification head of ``model`` and the :class:`SubCentroidClassifier` it owns."""
    model = unwrap(model)
    head = getattr(model, 'head', None)
    found = [m for m in head.modules() if isinstance(m, SubCentroidClassifier)] if head else []
    if len(found) != 1:
        raise ValueError(
            'expected a classifier whose `head` owns exactly one SubCentroidClassifier (a DNC '
            f'head), found {len(found)}'
        )
    return head, found[0]


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[None]:
    """Eval mode (BN running statistics, no dropout, no side effects) under ``no_grad``."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


def embed_batch(model: nn.Module, data: dict) -> Tuple[Tensor, Tensor, Tensor]:
    """One batch -> its DNC embeddings ``x = l2(LN_D(f))`` ``[N, D]`` (the space of the
    sub-centroids), labels ``[N]`` and dataset indices ``[N]`` (``sample_idx``)."""
    model = unwrap(model)
    head, classifier = find_subcentroid_classifier(model)
    data = model.data_preprocessor(data, False)
    feats = model.extract_feat(data['inputs'])
    x = classifier.embed(head.pre_logits(feats)).float()
    samples = data['data_samples']
    labels = torch.tensor([int(s.gt_label.flatten()[0]) for s in samples], device=x.device)
    idx = [s.metainfo.get('sample_idx') for s in samples]
    if any(i is None for i in idx):
        raise KeyError(
            'data samples carry no "sample_idx"; keep it in PackInputs(meta_keys=...) of the '
            'pipeline used to search sub-centroid images'
        )
    return x, labels, torch.tensor(idx, device=x.device, dtype=torch.long)


def nearest_training_samples(
    model: nn.Module, dataloader: Iterable, num_batches: Optional[int] = None, progress=True
) -> Tuple[Tensor, Tensor]:
    """For every sub-centroid, its most similar sample of its own class in ``dataloader``.

    "We anchor each sub-centroid to its closest training image, based on the cosine similarity
    of features" (§4.3, DNC). Each rank scans its shard; the per-rank winners are all-gathered
    and merged (higher cosine, then lower index), so every rank returns the same result.

    Returns:
        tuple: ``best_sim [C, Kmax]`` (cosine, ``-inf`` if none) and ``best_idx [C, Kmax]``
        (dataset index, ``-1`` if the class has no sample or the sub-centroid is invalid).
    """
    _, classifier = find_subcentroid_classifier(model)
    bank = classifier.bank
    device = bank.prototypes.device
    best_sim, best_idx = init_nearest_samples(bank.num_classes, bank.num_subcentroids, device)
    total = len(dataloader) if num_batches is None else min(num_batches, len(dataloader))
    bar = ProgressBar(total, file=sys.stdout) if progress and dist.is_main_process() else None
    with eval_mode(model):
        for i, data in enumerate(dataloader):
            if i >= total:
                break
            x, labels, idx = embed_batch(model, data)
            sims = bank.similarity(x)  # [N, C, K], invalid -inf
            own = sims[torch.arange(x.shape[0], device=x.device), labels.clamp(min=0)]
            best_sim, best_idx = update_nearest_samples(own, labels, idx, best_sim, best_idx)
            if bar is not None:
                bar.update()
    if bar is not None:
        print()
    if dist.get_world_size() > 1:
        sims_all = all_gather_varlen(best_sim[None])
        idx_all = all_gather_varlen(best_idx[None])
        best_sim, best_idx = sims_all[0], idx_all[0]
        for r in range(1, sims_all.shape[0]):
            best_sim, best_idx = merge_nearest_samples(best_sim, best_idx, sims_all[r], idx_all[r])
    return best_sim, best_idx


def embed_samples(
    model: nn.Module,
    dataset,
    indices: Sequence[int],
    batch_size: int = 32,
    progress: bool = False,
) -> Tensor:
    """DNC embeddings ``[len(indices), D]`` of chosen dataset samples (eval mode); with
    ``progress``, an mmengine progress bar over the samples (main process)."""
    from mmengine.dataset import pseudo_collate

    out: List[Tensor] = []
    show = progress and len(indices) > 0 and dist.is_main_process()
    bar = ProgressBar(len(indices), file=sys.stdout) if show else None
    with eval_mode(model):
        for start in range(0, len(indices), batch_size):
            batch = [dataset[int(i)] for i in indices[start : start + batch_size]]
            x, _, _ = embed_batch(model, pseudo_collate(batch))
            out.append(x)
            if bar is not None:
                bar.update(len(batch))
    if bar is not None:
        print()
    _, classifier = find_subcentroid_classifier(model)
    if not out:
        return classifier.bank.prototypes.new_zeros(0, classifier.bank.embed_dim)
    return torch.cat(out)
