from . import backbones, classifiers, decode_heads, heads, losses, necks, utils  # noqa: F401
