"""Contract between modules whose state moves after each training step (DNC sub-centroids,
DeepNCM class means, DeepNCA memory) and ``SubCentroidUpdateHook``, which moves it."""

from typing import Dict

HOOK_HINT = "custom_hooks=[dict(type='SubCentroidUpdateHook')]"


class PostStepUpdateMixin:
    """A module whose non-parametric state is updated after each training iteration (after the
    optimizer step): DNC's sub-centroids, DeepNCM's class means, DeepNCA's memory.

    ``SubCentroidUpdateHook`` finds every module with this mixin in the (unwrapped) model,
    calls :meth:`attach_subcentroid_updater` before training and :meth:`update_subcentroids`
    after every training iteration. A module that trains without an updater raises (its
    sub-centroids would silently never move).
    """

    _subcentroid_updater_attached: bool = False

    def attach_subcentroid_updater(self) -> None:
        """Declare that something calls :meth:`update_subcentroids` after each train step."""
        self._subcentroid_updater_attached = True

    def check_subcentroid_updater(self) -> None:
        if not self._subcentroid_updater_attached:
            raise RuntimeError(
                f'{type(self).__name__} is training but nothing updates its sub-centroids '
                f'(Alg. 1, DNC). Add {HOOK_HINT} to the config, or call '
                '`attach_subcentroid_updater()` and `update_subcentroids()` yourself after '
                'every optimizer step.'
            )

    def update_subcentroids(self, cluster: bool = True) -> Dict[str, float]:
        """Consume the cached training batch: memory push, then (if ``cluster``) clustering
        and momentum update. Returns scalars to log."""
        raise NotImplementedError
