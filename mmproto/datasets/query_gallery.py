"""Query + gallery in one evaluation pass, for k-NN metrics (induction accuracy, App. E, DNC)."""

from typing import Optional, Union

from mmengine.dataset import BaseDataset, ConcatDataset
from mmpretrain.registry import DATASETS

__all__ = ['QueryGalleryDataset']


@DATASETS.register_module()
class QueryGalleryDataset(ConcatDataset):
    """The query set followed by the gallery set; each sample says which it belongs to.

    Packed samples get the metainfo ``knn_gallery`` (``False`` for queries, ``True`` for gallery
    items), which :class:`mmproto.evaluation.metrics.InductionAccuracy` reads: queries are
    classified by their nearest gallery items. Without a gallery, the queries are matched
    leave-one-out among themselves.

    Args:
        query (dict | BaseDataset): evaluated samples (e.g. the test split).
        gallery (dict | BaseDataset, optional): labelled reference samples (e.g. the train split,
            with the test pipeline; ``indices`` takes a subset).
    """

    def __init__(
        self,
        query: Union[dict, BaseDataset],
        gallery: Optional[Union[dict, BaseDataset]] = None,
        lazy_init: bool = False,
    ):
        datasets = [query] if gallery is None else [query, gallery]
        datasets = [DATASETS.build(d) if isinstance(d, dict) else d for d in datasets]
        self.has_gallery = gallery is not None
        super().__init__(datasets, lazy_init=lazy_init)

    def __getitem__(self, idx: int) -> dict:
        data = super().__getitem__(idx)
        dataset_idx, _ = self._get_ori_dataset_idx(idx)
        data['data_samples'].set_metainfo(dict(knn_gallery=dataset_idx == 1))
        return data
