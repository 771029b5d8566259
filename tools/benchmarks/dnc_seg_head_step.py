"""Train-step cost of the DNC pixel classifier vs mmseg's parametric ``conv_seg``.

At ADE20K scale (DNC §4.2, App. K: 150 classes, K=10, D=512, 16 images of 64x64 feature
pixels = 65,536 pixels, 512x512 labels) it times, side by side in one run:

* ``conv_seg``: ``FCNHead.cls_seg`` (dropout + 1x1 conv) + ``loss_by_feat`` (logits resized to
  the label, cross-entropy) + backward;
* ``dnc``: ``DNCFCNHead.cls_seg`` (nearest sub-centroid scores, Eq. 4/7) + label resizing +
  the same ``loss_by_feat`` + backward + the sub-centroid update of ``SubCentroidUpdateHook``
  (class-wise Sinkhorn, Eq. 5-6, and momentum update, Eq. 8);
* the same DNC step with the update written as a per-class Python loop (Alg. 1 as printed);
* with ``--full-head``: the whole ``FCNHead`` vs ``DNCFCNHead`` (2048-channel input, the two
  3x3 convs and ``conv_cat`` included) on ``--full-head-batch`` maps of
  ``--full-head-feat-size`` pixels (same label / feature stride; every cost of a head step
  grows linearly with the pixels, so a smaller map gives the ratio at a CPU-friendly cost).

The upstream convs are shared by both heads, so the first comparison isolates what DNC
changes. Ends with one ``<figure>: <value>`` line per figure.

Usage::

    python tools/benchmarks/dnc_seg_head_step.py [--device cpu] [--repeats 3] [--full-head]
"""

import argparse

import torch
import torch.nn.functional as F
from _common import interleaved, medians
from dnc_alg1_reference import alg1_update
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmproto  # noqa: F401


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--num-classes', type=int, default=150)
    p.add_argument('--num-subcentroids', type=int, default=10)
    p.add_argument('--channels', type=int, default=512, help='D, feature dim before conv_seg')
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--feat-size', type=int, default=64, help='feature map side (stride 8)')
    p.add_argument('--label-size', type=int, default=512, help='label side (crop)')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--threads', type=int, default=0, help='torch intra-op threads (0: keep)')
    p.add_argument('--full-head', action='store_true', help='also time the whole FCN heads')
    p.add_argument('--full-head-batch', type=int, default=16)
    p.add_argument('--full-head-feat-size', type=int, default=64)
    p.add_argument('--in-channels', type=int, default=2048, help='FCN head input (ResNet C5)')
    return p.parse_args()


def measure(fns, device, repeats, warmup) -> dict:
    """``{name: (wall_s, cpu_s)}``: medians of interleaved runs (:func:`_common.interleaved`)."""
    runs = interleaved({fn.__name__: fn for fn in fns}, repeats, device, warmup, progress=True)
    wall, cpu = medians(runs, 'wall'), medians(runs, 'cpu')
    return {name: (wall[name], cpu[name]) for name in runs}


def block_labels(batch, size, num_classes, device, block=64, ignore=0.1, seed=0):
    """Labels made of ``block`` x ``block`` squares of random classes, ~``ignore`` at 255."""
    g = torch.Generator().manual_seed(seed)
    n = size // block
    gt = torch.randint(0, num_classes, (batch, n, n), generator=g)
    gt = gt.repeat_interleave(block, 1).repeat_interleave(block, 2)
    gt[torch.rand(gt.shape, generator=g) < ignore] = 255
    samples = []
    for i in range(batch):
        s = SegDataSample(metainfo=dict(img_shape=(size, size), pad_shape=(size, size)))
        s.gt_sem_seg = PixelData(data=gt[i : i + 1].to(device))
        samples.append(s)
    return samples


def build_heads(args, device, in_channels):
    common = dict(
        in_channels=in_channels,
        channels=args.channels,
        num_classes=args.num_classes,
        num_convs=2,
        concat_input=True,
        dropout_ratio=0.1,
        norm_cfg=dict(type='BN'),
    )
    torch.manual_seed(0)
    fcn = MODELS.build(dict(type='FCNHead', **common)).to(device).train()
    torch.manual_seed(0)
    dnc = MODELS.build(
        dict(type='DNCFCNHead', num_subcentroids=args.num_subcentroids, **common)
    ).to(device)
    dnc.train()
    dnc.classifier.attach_subcentroid_updater()
    return fcn, dnc


@torch.no_grad()
def loop_update(bank, x, labels, correct) -> None:
    """The bank's update written as Alg. 1 is printed (one Python iteration per class)."""
    hyper = (bank.momentum, bank.sinkhorn_eps, bank.sinkhorn_iters)
    bank.prototypes.copy_(alg1_update(bank.prototypes, x, labels, correct, *hyper)[1])


def full_head_times(fcn, dnc, args, device) -> dict:
    """Whole FCN heads (``loss`` from the backbone features, + the DNC update) timed."""
    fb, fs = args.full_head_batch, args.full_head_feat_size
    x = [torch.randn(fb, args.in_channels, fs, fs, device=device)]
    label_size = fs * args.label_size // args.feat_size  # same label / feature stride
    full_samples = block_labels(fb, label_size, args.num_classes, device, block=label_size // 8)

    def full(head, update, name):
        def step():
            head.loss(x, full_samples, {})['loss_ce'].backward()
            head.zero_grad(set_to_none=True)
            if update:
                head.classifier.update_subcentroids()

        step.__name__ = name
        return step

    fns = [full(fcn, False, 'fcn_head_step'), full(dnc, True, 'dnc_fcn_head_step')]
    return measure(fns, device, args.repeats, args.warmup)


def figures_from(t: dict, args, diff: float, moved: float) -> dict:
    """The printed figures: times in ms and the side-by-side ratios."""
    figures = {}
    for name, (wall, cpu) in t.items():
        figures[f'{name}_wall_ms'] = 1e3 * wall
        figures[f'{name}_cpu_ms'] = 1e3 * cpu
    for kind, i in (('wall', 0), ('cpu', 1)):
        conv, dnc_s = t['conv_seg_step'][i], t['dnc_step'][i]
        upd, loop = t['update_only'][i], t['loop_only'][i]
        figures[f'step_ratio_dnc_vs_conv_seg_{kind}'] = dnc_s / conv
        # the same step with the per-class-loop update (forward / backward are identical)
        figures[f'step_ratio_loop_vs_conv_seg_{kind}'] = (dnc_s - upd + loop) / conv
        figures[f'update_speedup_vs_loop_{kind}'] = loop / upd
        figures[f'classifier_only_ratio_dnc_vs_conv_seg_{kind}'] = (
            t['dnc_cls'][i] / t['conv_seg_cls'][i]
        )
        if args.full_head:
            figures[f'full_head_ratio_dnc_vs_fcn_{kind}'] = (
                t['dnc_fcn_head_step'][i] / t['fcn_head_step'][i]
            )
    figures['update_max_abs_diff_vs_loop'] = diff
    figures['update_fraction_moved'] = moved
    if args.full_head:
        figures['full_head_pixels'] = args.full_head_batch * args.full_head_feat_size**2
    return figures


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    b, s = args.batch, args.feat_size
    print(
        f'device={device} threads={torch.get_num_threads()} C={args.num_classes} '
        f'K={args.num_subcentroids} D={args.channels} pixels={b * s * s} '
        f'labels={b}x{args.label_size}x{args.label_size}'
    )
    fcn, dnc = build_heads(args, device, args.in_channels)
    samples = block_labels(b, args.label_size, args.num_classes, device)
    feat = torch.randn(b, args.channels, s, s, device=device, requires_grad=True)

    def conv_seg_step():
        losses = fcn.loss_by_feat(fcn.cls_seg(feat), samples)
        losses['loss_ce'].backward()
        feat.grad = None

    def dnc_forward_backward():
        logits = dnc.cls_seg(feat)
        dnc.classifier.set_labels(dnc.pixel_labels(samples, (s, s)))
        dnc.loss_by_feat(logits, samples)['loss_ce'].backward()
        feat.grad = None

    def dnc_step():
        dnc_forward_backward()
        dnc.classifier.update_subcentroids()

    def update_only():
        dnc.classifier._cache = dict(cache)
        dnc.classifier.update_subcentroids()

    def loop_only():
        correct = cache['logits'].argmax(1) == cache['labels']
        loop_update(dnc.classifier.bank, cache['x'], cache['labels'], correct)

    # the update alone, on one cached batch; and a check that both updates agree. Logits
    # are set so that every labelled pixel counts as correct (late training): all of them
    # move sub-centroids, the heaviest case for the update
    dnc_forward_backward()
    cache = dict(dnc.classifier._cache)
    labels = cache['labels']
    cache['logits'] = F.one_hot(labels.clamp(min=0), args.num_classes).float()
    cache['logits'][labels < 0] = 0
    dnc.classifier._cache = None
    start = dnc.classifier.bank.prototypes.clone()
    update_only()
    vec = dnc.classifier.bank.prototypes.clone()
    dnc.classifier.bank.prototypes.copy_(start)
    loop_only()
    diff = (dnc.classifier.bank.prototypes - vec).abs().max().item()
    moved = ((vec - start).abs().amax(-1) > 0).float().mean().item()

    # the classifiers alone (loss at feature resolution: no upsampled logits)
    lab = dnc.pixel_labels(samples, (s, s)).view(-1)

    def conv_seg_cls():
        logits = fcn.conv_seg(feat).permute(0, 2, 3, 1).reshape(-1, args.num_classes)
        F.cross_entropy(logits, lab, ignore_index=-1).backward()
        feat.grad = None

    def dnc_cls():
        f = feat.permute(0, 2, 3, 1).reshape(-1, args.channels)
        F.cross_entropy(dnc.classifier(f), lab, ignore_index=-1).backward()
        feat.grad = None
        dnc.classifier.set_labels(lab)
        dnc.classifier.update_subcentroids()

    fns = [conv_seg_step, dnc_step, update_only, loop_only, conv_seg_cls, dnc_cls]
    t = measure(fns, device, args.repeats, args.warmup)
    dnc.classifier.bank.prototypes.copy_(start)
    feat = None  # free it before the full-head runs
    if args.full_head:
        t.update(full_head_times(fcn, dnc, args, device))
    for name, value in figures_from(t, args, diff, moved).items():
        print(f'{name}: {value:.4g}' if isinstance(value, float) else f'{name}: {value}')


if __name__ == '__main__':
    main()
