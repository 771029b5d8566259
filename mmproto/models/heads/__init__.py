from .deepncm_head import DeepNCMHead
from .dnc_head import DNCHead

__all__ = ['DNCHead', 'DeepNCMHead']
