from .induction_accuracy import InductionAccuracy
from .neural_collapse import NeuralCollapse

__all__ = ['InductionAccuracy', 'NeuralCollapse']
