"""Registry of studies: every module of this package that defines ``STUDY`` (a
:class:`~mmproto.analysis.study.Study`) or ``STUDIES`` (a list of them) is registered under
``Study.name``; adding a study is adding a file here."""

import importlib
import pkgutil
from typing import Dict

from ..study import Study


def _discover() -> Dict[str, Study]:
    found: Dict[str, Study] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f'{__name__}.{info.name}')
        studies = list(getattr(module, 'STUDIES', []))
        if hasattr(module, 'STUDY'):
            studies.append(module.STUDY)
        for study in studies:
            if study.name in found:
                raise ValueError(f'study {study.name!r} is defined twice ({info.name})')
            found[study.name] = study
    return found


STUDIES: Dict[str, Study] = _discover()


def get_study(name: str) -> Study:
    """The study called ``name``; a ``KeyError`` lists the known ones."""
    if name not in STUDIES:
        raise KeyError(f'unknown study {name!r}; known: {", ".join(sorted(STUDIES))}')
    return STUDIES[name]
