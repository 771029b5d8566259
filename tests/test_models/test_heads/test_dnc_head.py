import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmproto  # noqa: F401  (registers DNCHead)


def build_head(**kwargs):
    cfg = dict(type='DNCHead', num_classes=3, in_channels=8, num_subcentroids=2, momentum=0.5)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.classifier.attach_subcentroid_updater()
    return head


def samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


def test_loss_and_predict():
    head = build_head(cal_acc=True)
    feats = (torch.randn(6, 8, requires_grad=True),)
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    losses = head.loss(feats, samples(labels))
    with torch.no_grad():  # a no-grad forward leaves the cached training batch alone
        logits = head(feats)
    torch.testing.assert_close(losses['loss'], F.cross_entropy(logits, labels))
    assert 'accuracy_top-1' in losses
    losses['loss'].backward()
    assert feats[0].grad is not None
    assert not head.prototypes.requires_grad
    before = head.prototypes.clone()
    stats = head.classifier.update_subcentroids()
    assert set(stats) >= {'subcentroid_moved', 'subcentroid_correct'}
    correct = (logits.argmax(1) == labels).any()
    assert bool(correct) == (not torch.equal(before, head.prototypes))
    head.eval()
    preds = head.predict(feats)
    assert len(preds) == 6
    # nearest sub-centroid: prediction == class of the best cosine (Eq. 4)
    x = F.normalize(head.classifier.feat_norm(feats[0]), dim=-1)
    nearest = torch.einsum('nd,ckd->nck', x, head.prototypes).amax(-1).argmax(1)
    assert [int(p.pred_label) for p in preds] == nearest.tolist()
    torch.testing.assert_close(preds[0].pred_score, F.softmax(head(feats)[0], 0))


def test_soft_targets_use_soft_loss_and_hard_clustering():
    head = build_head(update_only_correct=False)
    feats = (torch.randn(4, 8),)
    scores = torch.tensor([[0.7, 0.3, 0.0], [0.1, 0.2, 0.7], [0.0, 0.6, 0.4], [1.0, 0.0, 0.0]])
    data = [DataSample().set_gt_label(0).set_gt_score(s) for s in scores]
    losses = head.loss(feats, data)
    with torch.no_grad():
        logits = head(feats)
    soft = -(scores * F.log_softmax(logits, 1)).sum(1).mean()
    torch.testing.assert_close(losses['loss'], soft)
    assert head.classifier._cache['labels'].tolist() == [0, 2, 1, 0]


def test_bad_inputs():
    head = build_head()
    with pytest.raises(ValueError, match='gt_label 3 is outside'):
        head.loss((torch.randn(2, 8),), samples([0, 3]))
    with pytest.raises(ValueError, match='gt_label -1 is outside'):
        head.loss((torch.randn(2, 8),), samples([0, -1]))
    with pytest.raises(ValueError, match='in_channels=8'):
        head.loss((torch.randn(2, 7),), samples([0, 1]))
    with pytest.raises(ValueError, match='in_channels=8'):
        head((torch.randn(2, 8, 3, 3),))
    with pytest.raises(ValueError, match='num_subcentroids'):
        build_head(num_subcentroids=0)
    with pytest.raises(ValueError, match='logit_norm'):
        build_head(logit_norm='softmax')
    with pytest.raises(ValueError, match='in_channels'):
        build_head(in_channels=0)


def test_missing_hook_error():
    head = MODELS.build(dict(type='DNCHead', num_classes=3, in_channels=8))
    with pytest.raises(RuntimeError, match='SubCentroidUpdateHook'):
        head.loss((torch.randn(2, 8),), samples([0, 1]))


def test_checkpoint_shape_errors_and_official_keys():
    head = build_head(memory_size=6, logit_norm='layernorm')
    head.loss((torch.randn(6, 8),), samples([0, 1, 2, 0, 1, 2]))
    head.classifier.update_subcentroids()
    sd = head.state_dict()
    assert {'classifier.bank.prototypes', 'classifier.feat_norm.weight'} <= set(sd)
    assert 'classifier.mask_norm.bias' in sd and 'classifier.bank.memory.ptr' in sd
    for kwargs, shape in (
        (dict(num_classes=4), '4, num_subcentroids=2'),
        (dict(num_subcentroids=3), 'num_subcentroids=3'),
    ):
        other = build_head(memory_size=6, logit_norm='layernorm', **kwargs)
        with pytest.raises(RuntimeError, match=shape):
            other.load_state_dict(sd)
    with pytest.raises(RuntimeError, match='embed dim=16'):
        build_head(in_channels=16, memory_size=6, feat_norm=False).load_state_dict(sd, strict=False)
    # official DNC checkpoint layout: head.prototypes, head.feat_norm.*, head.mask_norm.*
    official = {
        'prototypes': torch.randn(3, 2, 8),
        'feat_norm.weight': torch.rand(8),
        'feat_norm.bias': torch.rand(8),
        'mask_norm.weight': torch.rand(3),
        'mask_norm.bias': torch.rand(3),
        'convs.0.conv.weight': torch.rand(4, 4, 1, 1),
    }
    fresh = build_head(logit_norm='layernorm')  # the official configuration
    result = fresh.load_state_dict(official, strict=False)
    assert not result.unexpected_keys
    assert torch.equal(fresh.prototypes, official['prototypes'])
    assert torch.equal(fresh.classifier.mask_norm.bias, official['mask_norm.bias'])
    assert fresh.classifier.bank.initialized.all()


def test_bank_arguments_are_forwarded_and_unknown_ones_refused():
    from mmproto.models.heads.dnc_head import DNCHead

    head = DNCHead(num_classes=3, in_channels=8, memory_size=12, init_std=0.5, chunk_rows=32)
    bank = head.classifier.bank
    assert (bank.memory.size, bank.chunk_rows, bank.sync) == (12, 32, 'gather')
    with pytest.raises(TypeError, match=r"\['subcentroid_init'\].*SubCentroidBank"):
        DNCHead(num_classes=3, in_channels=8, subcentroid_init='samples')
