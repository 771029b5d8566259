"""Each package's ``__all__`` names exactly what it imports, once."""

import ast
import os.path as osp

import pytest

ROOT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'mmproto')
PACKAGES = ['ops', 'engine/hooks', 'models/utils', 'models/heads', 'models/decode_heads']


@pytest.mark.parametrize('package', PACKAGES)
def test_all_lists_every_import_once(package):
    tree = ast.parse(open(osp.join(ROOT, package, '__init__.py')).read())
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    alls = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and node.targets[0].id == '__all__'
    ]
    assert len(alls) == 1, f'{package}: __all__ assigned {len(alls)} times'
    assert len(alls[0]) == len(set(alls[0])), f'{package}: a name twice in __all__'
    assert set(alls[0]) == imported, set(alls[0]) ^ imported
