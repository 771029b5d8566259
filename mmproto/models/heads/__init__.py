from .dnc_head import DNCHead

__all__ = ['DNCHead']
