"""Suite-wide fixtures: every test starts from the same global state."""

import os

import pytest
import torch
from helpers.metafile_cache import cache_package_metafiles
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True)
def _isolated_default_scope():
    """Undo any default scope a test sets (``init_default_scope``, a Runner).

    mmengine keeps the current scope in a process-wide ``DefaultScope``; a
    test that leaves ``mmpretrain`` current would otherwise make the next
    test's ``MODELS.build`` look up mmseg heads in mmpretrain's registry.
    Every test starts with no scope at all: a session- or module-scoped fixture
    that built a Runner before this fixture ran must not leak its scope either.
    """
    DefaultScope._instance_dict.clear()
    yield
    DefaultScope._instance_dict.clear()


@pytest.fixture(scope='session', autouse=True)
def _metafiles_read_once():
    """Config loading reads each package's metafiles once per session (not per base)."""
    with cache_package_metafiles():
        yield


@pytest.fixture(scope='session', autouse=True)
def _one_thread_per_xdist_worker():
    """Under ``pytest -n N`` every worker is one process: one intra-op thread each, so that N
    workers do not oversubscribe the cores (spawned DDP ranks and tool subprocesses keep their
    own defaults)."""
    if os.environ.get('PYTEST_XDIST_WORKER'):
        torch.set_num_threads(1)
    yield
