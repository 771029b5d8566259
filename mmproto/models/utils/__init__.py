from .class_mean_ema import ClassMeanEMA, class_scatter_mean
from .class_queues import PixelSegmentQueues
from .dist import all_gather_varlen, all_reduce_sum, broadcast_
from .feature_memory import FeatureMemory
from .post_step_update_mixin import PostStepUpdateMixin
from .shape_check import (
    CheckpointShapeError,
    ShapeCheckMixin,
    check_local_shapes,
    enable_shape_check,
)
from .split_batch_augment import SplitBatchAugment
from .subcentroid_bank import SubCentroidBank
from .subcentroid_classifier import SubCentroidClassifier
from .training_state import (
    TrainingOnlyStateMixin,
    check_resumable,
    drop_training_state,
    training_only_keys,
)

__all__ = [
    'ClassMeanEMA',
    'class_scatter_mean',
    'CheckpointShapeError',
    'ShapeCheckMixin',
    'check_local_shapes',
    'enable_shape_check',
    'FeatureMemory',
    'PixelSegmentQueues',
    'SplitBatchAugment',
    'SubCentroidBank',
    'SubCentroidClassifier',
    'PostStepUpdateMixin',
    'TrainingOnlyStateMixin',
    'check_resumable',
    'drop_training_state',
    'training_only_keys',
    'all_gather_varlen',
    'all_reduce_sum',
    'broadcast_',
]
