"""configs/*/metafile.yml and model-index.yml: configs exist and are built by
tests/test_configs.py, paper rows exist in the shared paper tables."""

import glob
import os
import os.path as osp

import pytest
import yaml
from helpers.config_harness import find_configs

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
METAFILES = sorted(
    osp.relpath(p, REPO) for p in glob.glob(osp.join(REPO, 'configs', '*', 'metafile.yml'))
)
# the shared paper tables sit beside the repository (override: MMPROTO_PAPER_TABLES)
TABLES_DIR = os.environ.get('MMPROTO_PAPER_TABLES', osp.join(osp.dirname(REPO), 'shared', 'tables'))


def _load(rel_path: str) -> dict:
    with open(osp.join(REPO, rel_path)) as f:
        return yaml.safe_load(f) or {}


def _paper_row_ids() -> set:
    ids = set()
    for path in glob.glob(osp.join(TABLES_DIR, '*.yaml')):
        with open(path) as f:
            doc = yaml.safe_load(f) or {}
        for table in doc.get('tables', []) or []:
            ids.update(row['id'] for row in table.get('rows', []) or [] if 'id' in row)
    return ids


def test_model_index_imports_every_metafile():
    index = _load('model-index.yml')
    imports = sorted(index.get('Import', []) or [])
    assert imports == METAFILES


@pytest.mark.parametrize('metafile', METAFILES)
def test_metafile_models(metafile):
    doc = _load(metafile)
    collections = {c['Name'] for c in doc.get('Collections', []) or []}
    built = {osp.relpath(p, REPO) for p in find_configs(osp.join(REPO, 'configs'))}
    models = doc.get('Models', []) or []
    assert models, f'{metafile} lists no model'
    names = [m['Name'] for m in models]
    assert len(names) == len(set(names)), f'duplicate model names in {metafile}'
    for model in models:
        where = f'{metafile}: {model["Name"]}'
        assert model.get('In Collection') in collections, where
        config = model['Config']
        assert osp.isfile(osp.join(REPO, config)), f'{where}: {config} does not exist'
        assert config in built, f'{where}: {config} is not built by tests/test_configs.py'
        assert osp.splitext(osp.basename(config))[0] == model['Name'], where
        rows = (model.get('Metadata', None) or {}).get('Paper Rows', None)
        assert isinstance(rows, list), f'{where}: Metadata.Paper Rows must be a list'
        assert 'Weights' in model, f'{where}: Weights (null until a checkpoint exists)'
        for result in model.get('Results', None) or []:
            assert {'Task', 'Dataset', 'Metrics'} <= set(result), where


@pytest.mark.parametrize('metafile', METAFILES)
def test_paper_rows_exist(metafile):
    known = _paper_row_ids()
    if not known:
        pytest.skip(f'no shared paper tables in {TABLES_DIR} (set MMPROTO_PAPER_TABLES)')
    for model in _load(metafile).get('Models', []) or []:
        rows = (model.get('Metadata', None) or {}).get('Paper Rows', None) or []
        unknown = sorted(set(rows) - known)
        assert not unknown, f'{metafile}: {model["Name"]}: unknown Paper Rows {unknown}'
