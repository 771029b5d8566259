from .induction_accuracy import InductionAccuracy
from .neural_collapse import NeuralCollapse
from .subcentroid_usage import SubCentroidUsage
from .subset_accuracy import SubsetAccuracy

__all__ = ['InductionAccuracy', 'NeuralCollapse', 'SubCentroidUsage', 'SubsetAccuracy']
