from . import backbones, decode_heads, heads, losses, necks, utils  # noqa: F401
