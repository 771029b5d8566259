"""Studies: train every arm of a comparison over seeds and report mean ± std.

``tools/analysis_tools/study.py NAME`` is the command line; the studies themselves are small
modules in :mod:`mmproto.analysis.studies`, found by :func:`get_study`.
"""

from .report import aggregate, collect, markdown_table, plot_metrics, verdicts, write_report
from .studies import STUDIES, get_study
from .study import Arm, Metric, Run, Study, run_study

__all__ = [
    'Arm',
    'Metric',
    'Run',
    'Study',
    'STUDIES',
    'aggregate',
    'collect',
    'get_study',
    'markdown_table',
    'plot_metrics',
    'run_study',
    'verdicts',
    'write_report',
]
