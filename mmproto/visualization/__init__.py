from .dnc_visualizer import DNCVisualizer
from .rules import format_if_then_rule, rule_fires, rule_legend

__all__ = ['DNCVisualizer', 'format_if_then_rule', 'rule_fires', 'rule_legend']
