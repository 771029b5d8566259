from .compat import apply_all as apply_compat_shims
from .compat import install_mmcv_ext_stub, patch_checkpoint_loader

__all__ = ['apply_compat_shims', 'install_mmcv_ext_stub', 'patch_checkpoint_loader']
