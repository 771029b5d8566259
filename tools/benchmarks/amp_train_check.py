"""AMP training check: DNC, DL2PA and MCC ResNet-50 classifiers on synthetic data.

Trains each model for ``--iters`` iterations under ``torch.autocast`` (fp16 with a
``GradScaler``, and bf16) and asserts that every loss is finite and that the training state
stays finite and, where the method keeps unit vectors, unit-norm: DNC's sub-centroids (its
clustering runs in fp32 under no_grad inside autocast), DL2PA's prototypes and class means.
MCC holds no unit-norm state (its centres and log-variances are parameters): they must stay
finite. Prints one ``<figure>: <value>`` line per model and dtype.

    python tools/benchmarks/amp_train_check.py --device cuda --iters 50
    python tools/benchmarks/amp_train_check.py --device cpu --smoke
"""

import argparse
import time
from typing import Dict

import torch
import torch.nn.functional as F

import mmproto  # noqa: F401  (registers the heads)
from mmproto.ops.assignment import label_to_prototype_assignment


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--iters', type=int, default=50)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--num-classes', type=int, default=1000)
    p.add_argument('--image-size', type=int, default=224)
    p.add_argument('--depth', type=int, default=50, help='ResNet depth')
    p.add_argument('--dnc-memory-batches', type=int, default=10)
    p.add_argument('--methods', nargs='+', default=['dnc', 'dl2pa', 'mcc'])
    p.add_argument('--dtypes', nargs='+', default=['float16', 'bfloat16'])
    p.add_argument('--smoke', action='store_true', help='toy sizes (CPU, seconds per model)')
    p.add_argument('--threads', type=int, default=0)
    args = p.parse_args()
    if args.smoke:
        args.iters, args.batch, args.num_classes = min(args.iters, 3), 4, 10
        args.image_size, args.dnc_memory_batches = 32, 2
    return args


def head_cfg(method: str, c: int, args) -> dict:
    if method == 'dnc':
        return dict(
            type='DNCHead',
            num_classes=c,
            in_channels=2048,
            memory_size=args.dnc_memory_batches * args.batch,
            memory_dtype='float16',
        )
    if method == 'dl2pa':
        return dict(type='HypersphericalHead', num_classes=c, in_channels=2048)
    if method == 'mcc':
        return dict(type='MultiCenterClsHead', num_classes=c, in_channels=2048)
    raise ValueError(f'unknown method {method!r}')


def unit_norm_error(x: torch.Tensor) -> float:
    return float((x.float().norm(dim=-1) - 1).abs().max())


def check_state(method: str, head) -> Dict[str, float]:
    """Finite state; max | ||v|| - 1 | over the unit vectors the method keeps."""
    for name, t in list(head.named_buffers()) + list(head.named_parameters()):
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise AssertionError(f'{method}: non-finite {name}')
    if method == 'dnc':
        bank = head.classifier.bank
        return {'unit_norm_err': unit_norm_error(bank.prototypes[bank.valid])}
    if method == 'dl2pa':
        a = head.assignment
        if sorted(a.tolist()) != list(range(a.numel())):
            raise AssertionError('dl2pa: the assignment is not a permutation')
        err = unit_norm_error(head.prototypes)
        return {'unit_norm_err': err}
    return {}


def run(method: str, dtype: str, args) -> Dict[str, float]:
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample

    dev, c, b = args.device, args.num_classes, args.batch
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='ResNet', depth=args.depth),
            neck=dict(type='GlobalAveragePooling'),
            head=head_cfg(method, c, args),
        )
    ).to(dev)
    head = model.head
    if method == 'dnc':
        head.classifier.attach_subcentroid_updater()
    if method == 'dl2pa':
        head.set_prototypes(F.normalize(torch.randn(c, 2048), dim=1).to(dev))
        head.assignment_hook_attached = True
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    amp_dtype = getattr(torch, dtype)
    scaler = torch.amp.GradScaler(dev.split(':')[0], enabled=dtype == 'float16')
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, c, (args.iters, b), generator=g)
    protos = F.normalize(torch.randn(c, 3, 8, 8, generator=g), dim=1)
    losses, start = [], time.perf_counter()
    for it in range(args.iters):
        y = labels[it]
        img = F.interpolate(protos[y], size=args.image_size) + 0.5 * torch.randn(
            b, 3, args.image_size, args.image_size, generator=g
        )
        data = [DataSample().set_gt_label(int(v)) for v in y]
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=dev.split(':')[0], dtype=amp_dtype):
            out = model(img.to(dev), data, mode='loss')
        loss = sum(v for k, v in out.items() if 'loss' in k)
        if not bool(torch.isfinite(loss)):
            raise AssertionError(f'{method} {dtype}: non-finite loss {float(loss)} at iter {it}')
        losses.append(float(loss))
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        if method == 'dnc':
            with torch.autocast(device_type=dev.split(':')[0], dtype=amp_dtype):
                head.classifier.update_subcentroids()  # the hook's call; fp32 inside
        if method == 'dl2pa' and (it + 1) % max(1, args.iters // 5) == 0:
            means = head.class_means.means.clone()
            unseen = ~head.class_means.initialized
            means[unseen] = head.assigned_prototypes[unseen]
            head.set_assignment(
                label_to_prototype_assignment(means, head.prototypes, init=head.assignment)
            )
    if dev.startswith('cuda'):
        torch.cuda.synchronize()
    stats = check_state(method, head)
    stats.update(
        first_loss=losses[0],
        last_loss=losses[-1],
        s_per_iter=(time.perf_counter() - start) / args.iters,
    )
    return stats


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    figures = []
    for method in args.methods:
        for dtype in args.dtypes:
            st = run(method, dtype, args)
            print(
                f'{method} {dtype}: {args.iters} iters, loss {st["first_loss"]:.3f} -> '
                f'{st["last_loss"]:.3f}, {st["s_per_iter"]:.3f} s/iter, all finite'
                + (f', max |norm - 1| {st["unit_norm_err"]:.2e}' if 'unit_norm_err' in st else '')
            )
            if 'unit_norm_err' in st and st['unit_norm_err'] > 1e-3:
                raise AssertionError(f'{method} {dtype}: state not unit-norm ({st})')
            figures += [
                (f'amp_{method}_{dtype}_finite', 'True'),
                (f'amp_{method}_{dtype}_last_loss', f'{st["last_loss"]:.4f}'),
                (f'amp_{method}_{dtype}_s_per_iter', f'{st["s_per_iter"]:.3f}'),
            ]
            if 'unit_norm_err' in st:
                figures.append(
                    (f'amp_{method}_{dtype}_unit_norm_err', f'{st["unit_norm_err"]:.2e}')
                )
    for name, value in figures:
        print(f'{name}: {value}')


if __name__ == '__main__':
    main()
