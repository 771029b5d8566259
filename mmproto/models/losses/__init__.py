from .pixel_contrast_loss import PixelContrastLoss
from .pixel_prototype_losses import PixelPrototypeContrastLoss, PixelPrototypeDistanceLoss

__all__ = ['PixelContrastLoss', 'PixelPrototypeContrastLoss', 'PixelPrototypeDistanceLoss']
from .prototype_regression_loss import PrototypeRegressionLoss, batch_frequency_weights
from .std_kl_loss import StdKLLoss
