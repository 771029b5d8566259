"""Tiny mmseg Runner configs (CPU, a few iterations) on ``make_seg_folder`` data."""

import copy
from typing import Optional

from mmproto.utils.launch import no_forward_buffer_sync


def tiny_segmentor_cfg(
    decode_head: str = 'DNCFCNHead',
    num_classes: int = 4,
    norm: str = 'BN',
    channels: int = 16,
    size: tuple = (32, 32),
    **head_kwargs,
) -> dict:
    """An ``EncoderDecoder`` with a 2-stage ResNet-18 (8 base channels, dilated: output
    stride 8) and the given decode head (``FCNHead`` / ``ASPPHead`` / ``UPerHead`` family).

    Training batches are padded to ``size``. ``norm='GN'`` avoids batch statistics, so one
    process on a batch equals several processes on its parts (distributed tests).
    """
    norm_cfg = dict(type='GN', num_groups=4) if norm == 'GN' else dict(type='BN')
    backbone = dict(
        type='ResNet',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=4,
        out_indices=(2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        contract_dilation=True,
    )
    head = dict(
        type=decode_head,
        in_channels=64,
        in_index=1,
        channels=channels,
        num_classes=num_classes,
        norm_cfg=norm_cfg,
        dropout_ratio=0.0,
        align_corners=False,
    )
    if 'FCN' in decode_head:
        head.update(num_convs=1, concat_input=False)
    elif 'ASPP' in decode_head:
        head.update(dilations=(1, 2))
    elif 'UPer' in decode_head:
        head.update(in_channels=[32, 64], in_index=[0, 1], pool_scales=(1, 2))
    head.update(head_kwargs)
    return dict(
        type='EncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True,
            pad_val=0,
            seg_pad_val=255,
            size=size,
        ),
        backbone=backbone,
        decode_head=head,
        train_cfg=dict(),
        test_cfg=dict(mode='whole'),
    )


def tiny_seg_dataset_cfg(data_root: str, num_classes: int = 4) -> dict:
    """``BaseSegDataset`` over a :func:`make_seg_folder` directory (no random transforms)."""
    palette = [
        [(37 * i) % 256, (91 * i + 40) % 256, (53 * i + 90) % 256] for i in range(num_classes)
    ]
    return dict(
        type='BaseSegDataset',
        data_root=data_root,
        data_prefix=dict(img_path='img_dir', seg_map_path='ann_dir'),
        img_suffix='.jpg',
        seg_map_suffix='.png',
        metainfo=dict(classes=tuple(f'class_{i}' for i in range(num_classes)), palette=palette),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='PackSegInputs'),
        ],
    )


def tiny_seg_runner_cfg(
    work_dir: str,
    data_root: str,
    model: Optional[dict] = None,
    max_iters: int = 4,
    batch_size: int = 2,
    checkpoint_interval: int = 2,
    shuffle: bool = True,
    num_classes: int = 4,
    launcher: str = 'none',
) -> dict:
    """Keyword arguments of ``mmengine.runner.Runner`` for a DNC (or plain) segmentor."""
    dataset = tiny_seg_dataset_cfg(data_root, num_classes)
    cfg = dict(
        model=copy.deepcopy(model) if model is not None else tiny_segmentor_cfg(),
        work_dir=work_dir,
        train_dataloader=dict(
            batch_size=batch_size,
            num_workers=0,
            sampler=dict(type='InfiniteSampler', shuffle=shuffle, seed=0),
            dataset=dataset,
        ),
        val_dataloader=dict(
            batch_size=1,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=copy.deepcopy(dataset),
        ),
        val_evaluator=dict(type='IoUMetric', iou_metrics=['mIoU']),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters),
        val_cfg=dict(type='ValLoop'),
        optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=checkpoint_interval),
            logger=dict(type='LoggerHook', interval=1, log_metric_by_epoch=False),
        ),
        custom_hooks=[dict(type='SubCentroidUpdateHook')],
        default_scope='mmseg',
        randomness=dict(seed=0),
        log_level='WARNING',
        launcher=launcher,
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
    )
    if launcher != 'none':
        cfg['model_wrapper_cfg'] = dict(
            type='MMDistributedDataParallel', device_ids=None, **no_forward_buffer_sync()
        )
    return cfg
