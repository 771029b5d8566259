from .pixel_prototype_losses import PixelPrototypeContrastLoss, PixelPrototypeDistanceLoss

__all__ = ['PixelPrototypeContrastLoss', 'PixelPrototypeDistanceLoss']
