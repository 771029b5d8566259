from .deepnca_head import DeepNCAHead
from .deepncm_head import DeepNCMHead
from .dnc_head import DNCHead

__all__ = ['DNCHead', 'DeepNCAHead', 'DeepNCMHead']
