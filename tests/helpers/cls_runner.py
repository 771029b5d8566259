"""A tiny mmpretrain Runner config (one-stage ResNet on a generated folder) for CPU tests."""

from typing import List, Optional

from mmengine.config import ConfigDict

from mmproto.utils.launch import no_forward_buffer_sync


def tiny_cls_cfg(
    data_root: str,
    work_dir: str,
    head: dict,
    custom_hooks: Optional[List[dict]] = None,
    max_epochs: int = 2,
    batch_size: int = 4,
    launcher: str = 'none',
    seed: int = 0,
) -> ConfigDict:
    """Runner config: ``ResNet_CIFAR`` stem + one 64-channel stage, GAP, ``head``.

    The data is an mmpretrain ``CustomDataset`` folder (see :func:`make_cls_folder`); train,
    val and test loaders read it (val/test unshuffled). ``launcher='pytorch'`` adds the CPU DDP
    wrapper settings for :func:`run_distributed`.
    """
    pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
    loader = dict(
        batch_size=batch_size,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(type='CustomDataset', data_root=data_root, with_label=True, pipeline=pipeline),
    )
    eval_loader = dict(loader, sampler=dict(type='DefaultSampler', shuffle=False))
    cfg = dict(
        model=dict(
            type='ImageClassifier',
            data_preprocessor=dict(type='ClsDataPreprocessor', mean=[128] * 3, std=[64] * 3),
            backbone=dict(
                type='ResNet_CIFAR',
                depth=18,
                num_stages=1,
                strides=(1,),
                dilations=(1,),
                out_indices=(0,),
            ),
            neck=dict(type='GlobalAveragePooling'),
            head=head,
        ),
        work_dir=work_dir,
        train_dataloader=loader,
        val_dataloader=eval_loader,
        val_cfg=dict(),
        val_evaluator=dict(type='Accuracy'),
        test_dataloader=eval_loader,
        test_cfg=dict(),
        test_evaluator=dict(type='Accuracy'),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        custom_hooks=list(custom_hooks or []),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        randomness=dict(seed=seed, deterministic=True),
        default_scope='mmpretrain',
        launcher=launcher,
        log_level='WARNING',
    )
    if launcher != 'none':
        cfg['model_wrapper_cfg'] = dict(
            type='MMDistributedDataParallel', device_ids=None, **no_forward_buffer_sync()
        )
        cfg['env_cfg'] = dict(dist_cfg=dict(backend='gloo'))
    return ConfigDict(cfg)
