from .class_mean_ema import ClassMeanEMA, class_scatter_mean
