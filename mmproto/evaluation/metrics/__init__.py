from .induction_accuracy import InductionAccuracy

__all__ = ['InductionAccuracy']
