from .checkpoint import (
    UntrustedCheckpointError,
    add_trust_arg,
    apply_trust,
    check_runner_shapes,
    checkpoint_safe_globals,
    checkpoint_trusted,
    load_local_checkpoint,
    register_safe_loader,
    run_checkpoints,
    trust_checkpoint,
    trusted_run,
)
from .compat import install_mmcv_ops_stand_in
from .data_check import check_dataset_files
from .head_swap import RECIPES as HEAD_RECIPES
from .head_swap import swap_head
from .launch import (
    add_launch_args,
    build_runner,
    close_distributed,
    config_scope,
    export_local_rank,
    set_torch_threads,
    set_work_dir,
    setup_cpu_distributed,
)
from .package_scope import register_package_scope, resolve_config_path

__all__ = [
    'add_launch_args',
    'build_runner',
    'close_distributed',
    'check_dataset_files',
    'HEAD_RECIPES',
    'swap_head',
    'config_scope',
    'export_local_rank',
    'install_mmcv_ops_stand_in',
    'register_package_scope',
    'register_safe_loader',
    'resolve_config_path',
    'load_local_checkpoint',
    'checkpoint_safe_globals',
    'check_runner_shapes',
    'checkpoint_trusted',
    'trust_checkpoint',
    'add_trust_arg',
    'apply_trust',
    'run_checkpoints',
    'trusted_run',
    'UntrustedCheckpointError',
    'set_torch_threads',
    'set_work_dir',
    'setup_cpu_distributed',
]
