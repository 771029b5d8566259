# DNC recipe of `tools/train.py CONFIG --head dnc` (and tools/misc/print_config.py --head dnc),
# applied by mmproto/utils/head_swap.py to any mmpretrain classification config: the head
# becomes a DNCHead with DNCHead's own defaults (the paper's: K=4 sub-centroids, Sinkhorn eps
# 0.05 and 3 iterations (Eq. 5-6), momentum mu=0.999 (Eq. 8)); num_classes, in_channels (the
# pooled feature, i.e. after the neck) and topk are read from the replaced head.
model = dict(
    head=dict(_delete_=True, type='DNCHead'),  # its default loss: cross-entropy, no smoothing
    # no Mixup / CutMix, as the official DNC Swin configs: the clustering uses hard labels
    train_cfg=None,
)
# the clustering + momentum update of the sub-centroids after every iteration; the feature
# memory (training-only state) kept in the latest checkpoint only (exact resume at the disk cost
# of a linear head's run, docs/benchmarks.md)
custom_hooks = [dict(type='SubCentroidUpdateHook'), dict(type='LatestTrainingStateHook')]
# feature memory of this many global batches (DNC App. K: 1000 for ImageNet ResNets; the paper
# uses 500 for Swin and 100 for CIFAR): model.head.memory_size = memory_batches x the config's
# auto_scale_lr.base_batch_size (its global batch), else x train_dataloader.batch_size.
memory_batches = 1000
