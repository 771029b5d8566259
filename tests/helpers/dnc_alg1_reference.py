"""The per-class reference of DNC Alg. 1 (``alg1_update``, ``sinkhorn_one_class``), written
once in ``tools/benchmarks/dnc_alg1_reference.py`` beside the benchmark that times against it;
loaded from there by path (``tools`` is not a package)."""

import importlib.util
import os.path as osp

_PATH = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
    'tools',
    'benchmarks',
    'dnc_alg1_reference.py',
)
_spec = importlib.util.spec_from_file_location('dnc_alg1_reference', _PATH)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

alg1_update = _module.alg1_update
sinkhorn_one_class = _module.sinkhorn_one_class

__all__ = ['alg1_update', 'sinkhorn_one_class']
