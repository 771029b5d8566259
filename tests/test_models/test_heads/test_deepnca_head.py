import copy
import math
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from helpers import make_cls_folder, run_distributed, tiny_cls_cfg
from mmengine.runner import Runner
from mmpretrain.structures import DataSample

from mmproto.models.heads import DeepNCAHead, DeepNCMHead


def batch(labels, index):
    out = []
    for y, i in zip(labels, index):
        s = DataSample().set_gt_label(int(y))
        s.set_metainfo(dict(sample_idx=int(i)))
        out.append(s)
    return out


def test_predict_is_weighted_knn_over_memory():
    head = DeepNCAHead(num_classes=3, in_channels=4, num_samples=6, temperature=0.1, knn_k=3)
    head.memory.copy_(F.normalize(torch.randn(6, 4), dim=1))
    head.memory_labels.copy_(torch.tensor([0, 1, 2, 0, 1, 2]))
    f = torch.randn(2, 4)
    probs = torch.stack([s.pred_score for s in head.predict((f,))])
    v = F.normalize(f, dim=1)
    for n in range(2):
        sims = [float(v[n] @ head.memory[j]) for j in range(6)]
        order = sorted(range(6), key=lambda j: -sims[j])[:3]
        votes = [0.0, 0.0, 0.0]
        for j in order:
            votes[int(head.memory_labels[j])] += math.exp(sims[j] / 0.1)
        expected = torch.tensor(votes) / sum(votes)
        assert torch.allclose(probs[n], expected, atol=1e-5)


def test_memory_update_and_errors():
    head = DeepNCAHead(num_classes=2, in_channels=3, num_samples=5, memory_momentum=0.5)
    before = head.memory.clone()
    f = torch.randn(2, 3, requires_grad=True)
    head.attach_subcentroid_updater()
    loss = head.loss((f,), batch([0, 1], [4, 1]))['loss']
    loss.backward()
    assert f.grad is not None and torch.isfinite(loss)
    head.update_subcentroids()
    v = F.normalize(f.detach(), dim=1)
    assert torch.allclose(head.memory[4], F.normalize(0.5 * before[4] + 0.5 * v[0], dim=0))
    assert head.memory_labels.tolist() == [-1, 1, -1, -1, 0]
    with pytest.raises(ValueError, match='sample_idx'):
        head.loss((f,), batch([0, 1], [4, 7]))
    with pytest.raises(RuntimeError, match='SubCentroidUpdateHook'):
        DeepNCAHead(num_classes=2, in_channels=3, num_samples=5).loss((f,), batch([0, 1], [0, 1]))


def runner_cfg(root, work_dir, head, hooks):
    hooks = [dict(type='SubCentroidUpdateHook')] + hooks
    return tiny_cls_cfg(root, work_dir, head, hooks, max_epochs=3)


@pytest.mark.parametrize(
    'head,hooks',
    [
        (dict(type='DeepNCAHead', num_classes=3, in_channels=64, num_samples=12, knn_k=3),
         [dict(type='NCAMemoryHook', milestones={2: 0.8})]),
        (dict(type='DeepNCMHead', num_classes=3, in_channels=64), []),
    ],
)  # fmt: skip
def test_runner_trains_and_resumes(tmp_path, head, hooks):
    root = make_cls_folder(str(tmp_path / 'data'), num_classes=3, per_class=4, size=16)
    cfg = runner_cfg(root, str(tmp_path / 'a'), head, hooks)
    r1 = Runner.from_cfg(copy.deepcopy(cfg))
    r1.train()
    metrics = r1.val()
    assert metrics['accuracy/top1'] > 100 / 3  # colour classes: better than chance
    if head['type'] == 'DeepNCAHead':
        assert r1.model.head.memory_labels.tolist() == [c for c in range(3) for _ in range(4)]
        assert r1.model.head.memory_momentum == 0.8
        assert torch.allclose(r1.model.head.memory.norm(dim=1), torch.ones(12))  # all visited
    resumed = runner_cfg(root, str(tmp_path / 'b'), head, hooks)
    resumed.resume, resumed.load_from = True, osp.join(cfg.work_dir, 'epoch_2.pth')
    r2 = Runner.from_cfg(resumed)
    r2.train()
    s1, s2 = r1.model.state_dict(), r2.model.state_dict()
    for key in s1:
        assert torch.equal(s1[key], s2[key]), key


def test_num_samples_mismatch_is_named(tmp_path):
    root = make_cls_folder(str(tmp_path / 'data'), num_classes=3, per_class=4, size=16)
    head = dict(type='DeepNCAHead', num_classes=3, in_channels=64, num_samples=10)
    runner = Runner.from_cfg(
        runner_cfg(root, str(tmp_path / 'w'), head, [dict(type='NCAMemoryHook')])
    )
    with pytest.raises(ValueError, match='num_samples=10 but the training set has 12'):
        runner.train()
    # a bigger memory works: the extra slots keep label -1 and never enter the loss or the vote
    head['num_samples'] = 15
    runner = Runner.from_cfg(
        runner_cfg(root, str(tmp_path / 'w2'), head, [dict(type='NCAMemoryHook')])
    )
    runner.train()
    assert runner.model.head.memory_labels[12:].tolist() == [-1, -1, -1]


def _dist_worker(rank, world_size, out_dir):
    torch.manual_seed(0)
    f = torch.randn(8, 4)
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    index = torch.arange(8)
    part = slice(rank * 4, rank * 4 + 4)
    torch.manual_seed(1)
    nca = DeepNCAHead(num_classes=3, in_channels=4, num_samples=10)
    ncm = DeepNCMHead(num_classes=3, in_channels=4, decay=0.5)
    for head in (nca, ncm):
        head.attach_subcentroid_updater()
        head.loss((f[part],), batch(labels[part].tolist(), index[part].tolist()))
        head.update_subcentroids()
    torch.save(
        dict(memory=nca.memory, labels=nca.memory_labels, means=ncm.means),
        osp.join(out_dir, f'{rank}.pth'),
    )


@pytest.mark.dist
def test_ddp_state_identical_and_equal_to_one_process(tmp_path):
    run_distributed(_dist_worker, 2, (str(tmp_path),))
    r0, r1 = (torch.load(osp.join(tmp_path, f'{r}.pth')) for r in (0, 1))
    for key in r0:
        assert torch.equal(r0[key], r1[key]), key
    # one process on the union of both halves
    torch.manual_seed(0)
    f = torch.randn(8, 4)
    labels = [0, 1, 2, 0, 1, 2, 0, 1]
    torch.manual_seed(1)
    nca = DeepNCAHead(num_classes=3, in_channels=4, num_samples=10)
    ncm = DeepNCMHead(num_classes=3, in_channels=4, decay=0.5)
    for head in (nca, ncm):
        head.attach_subcentroid_updater()
        head.loss((f,), batch(labels, range(8)))
        head.update_subcentroids()
    assert torch.allclose(r0['memory'], nca.memory, atol=1e-6)
    assert torch.equal(r0['labels'], nca.memory_labels)
    assert torch.allclose(r0['means'], ncm.means, atol=1e-6)
