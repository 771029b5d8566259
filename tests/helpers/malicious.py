"""A checkpoint whose pickle runs a shell command: the case safe loading must refuse."""

import os
from typing import Optional

import torch


class CreatesFile:
    """Unpickling this object runs ``touch <path>`` (``os.system``)."""

    def __init__(self, path: str):
        self.path = str(path)

    def __reduce__(self):
        return (os.system, (f'touch {self.path}',))


def save_malicious_checkpoint(path: str, marker: str, state_dict: Optional[dict] = None) -> str:
    """Save an mmengine-style checkpoint at ``path`` whose unpickling would create ``marker``.

    Returns:
        str: ``path``.
    """
    payload = dict(state_dict=state_dict or {}, meta=dict(iter=1), payload=CreatesFile(marker))
    torch.save(payload, path)
    return str(path)
