"""Every DL2PA config names its recipe in a ``# Recipe: BALANCED`` / ``# Recipe: LONG-TAIL`` line
of its header comment, and the long-tailed ones (``*-lt*``) the long-tail recipe
(configs/dl2pa/README.md, "Two recipes")."""

import glob
import os.path as osp
import re

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'dl2pa', '*.py')))
RECIPE = re.compile(r'^# Recipe: (BALANCED|LONG-TAIL)\b')


def recipes(path: str) -> list:
    """The recipes named by the ``# Recipe:`` lines of a config's leading comment."""
    found = []
    with open(path) as f:
        for line in f:
            if not line.startswith('#'):
                break
            match = RECIPE.match(line)
            if match:
                found.append(match.group(1))
    return found


def test_recipes_reads_the_header_only(tmp_path):
    cfg = tmp_path / 'x.py'
    header = '# a long-tail recipe\n# Recipe: LONG-TAIL (x)\n'
    cfg.write_text(header + '_base_ = []\n# Recipe: BALANCED\n')  # below the header: not read
    assert recipes(str(cfg)) == ['LONG-TAIL']
    cfg.write_text('# Recipe: BALANCEDX\n')
    assert recipes(str(cfg)) == []


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_dl2pa_config_names_its_recipe(path):
    expected = 'LONG-TAIL' if '-lt' in osp.basename(path) else 'BALANCED'
    named = recipes(path)
    assert named == [expected], f'{osp.relpath(path, REPO)}: header names {named or "no recipe"}'
