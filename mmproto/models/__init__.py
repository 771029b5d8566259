from . import backbones, classifiers, decode_heads, heads, losses, utils  # noqa: F401
