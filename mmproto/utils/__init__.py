from .compat import apply_all as apply_compat_shims
from .compat import install_mmcv_ext_stub, patch_checkpoint_loader
from .data_check import check_dataset_files
from .launch import (
    add_launch_args,
    build_runner,
    config_scope,
    export_local_rank,
    set_torch_threads,
    set_work_dir,
    setup_cpu_distributed,
)

__all__ = [
    'add_launch_args',
    'apply_compat_shims',
    'build_runner',
    'check_dataset_files',
    'config_scope',
    'export_local_rank',
    'install_mmcv_ext_stub',
    'patch_checkpoint_loader',
    'set_torch_threads',
    'set_work_dir',
    'setup_cpu_distributed',
]
