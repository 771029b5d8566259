"""mmproto.utils.launch: config scope, work dir and the CPU (gloo) distributed setup."""

import pytest
import torch
import torch.distributed as dist
from helpers import find_free_port
from mmengine.config import Config

from mmproto.utils import config_scope, set_work_dir, setup_cpu_distributed
from mmproto.utils.launch import no_forward_buffer_sync

needs_cpu_only = pytest.mark.skipif(
    torch.cuda.is_available(), reason='the gloo fallback is only used without CUDA'
)


def test_config_scope():
    assert config_scope(Config(dict(default_scope='mmseg'))) == 'mmseg'
    assert config_scope(Config(dict(default_scope='mmpretrain'))) == 'mmpretrain'
    with pytest.raises(ValueError, match='default_scope=None'):
        config_scope(Config(dict()))


def test_set_work_dir():
    cfg = Config(dict(work_dir=None))
    set_work_dir(cfg, 'configs/dnc/dnc_x_1xb2_data.py')
    assert cfg.work_dir == './work_dirs/dnc_x_1xb2_data'
    set_work_dir(cfg, 'configs/dnc/dnc_x_1xb2_data.py', 'elsewhere')
    assert cfg.work_dir == 'elsewhere'


def test_no_launcher_changes_nothing():
    cfg = Config(dict(launcher='none'))
    assert setup_cpu_distributed(cfg) is False
    assert 'model_wrapper_cfg' not in cfg


@needs_cpu_only
def test_missing_launcher_environment(monkeypatch):
    monkeypatch.delenv('MASTER_PORT', raising=False)
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    with pytest.raises(RuntimeError, match='MASTER_PORT'):
        setup_cpu_distributed(Config(dict(launcher='pytorch')))


@needs_cpu_only
@pytest.mark.parametrize('launcher', ['pytorch', 'slurm'])
def test_gloo_group_from_environment(monkeypatch, launcher):
    port = str(find_free_port())
    if launcher == 'pytorch':
        env = dict(RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1', MASTER_PORT=port)
    else:
        env = dict(
            SLURM_PROCID='0',
            SLURM_NTASKS='1',
            SLURM_LOCALID='0',
            SLURM_NODELIST='node1',
            MASTER_ADDR='127.0.0.1',
            MASTER_PORT=port,
        )
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    cfg = Config(
        dict(
            launcher=launcher,
            env_cfg=dict(dist_cfg=dict(backend='nccl', timeout=60)),
            model_wrapper_cfg=dict(find_unused_parameters=True),
        )
    )
    try:
        assert setup_cpu_distributed(cfg) is True
        assert dist.is_initialized() and dist.get_backend() == 'gloo'
        assert dist.get_world_size() == 1
        assert cfg.env_cfg.dist_cfg.backend == 'gloo'  # what the config dump shows
        assert cfg.env_cfg.dist_cfg.timeout == 60
        t = torch.ones(2)
        dist.all_reduce(t)
        assert t.tolist() == [1.0, 1.0]
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel',
        find_unused_parameters=True,
        device_ids=None,
        **no_forward_buffer_sync(),
    )
    # torch >= 2.14 deprecates broadcast_buffers with a FutureWarning per rank
    assert no_forward_buffer_sync() in (
        dict(forward_sync_buffers=False),
        dict(broadcast_buffers=False),
    )


def test_set_torch_threads():
    from mmproto.utils import set_torch_threads

    before = torch.get_num_threads()
    try:
        assert set_torch_threads(Config(dict(env_cfg=dict()))) is None
        assert torch.get_num_threads() == before
        assert set_torch_threads(Config(dict(env_cfg=dict(torch_num_threads=1)))) == 1
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
