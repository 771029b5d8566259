"""Helpers shared by the mmproto hooks."""

from mmengine.model import is_model_wrapper


def get_head(runner, head_type: type, hook_name: str):
    """The runner's (unwrapped) model head, checked to be a ``head_type``."""
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    head = getattr(model, 'head', None)
    if not isinstance(head, head_type):
        raise TypeError(
            f'{hook_name} needs model.head to be a {head_type.__name__}, got {type(head).__name__}'
        )
    return head
