"""Benchmark of the DNC sub-centroid update (Alg. 1) at ImageNet scale.

Measures, side by side in one run:
  1. the vectorised update (``SubCentroidBank.update``: memory push, class-wise Sinkhorn,
     correct-only statistics, Eq. 8) against a per-class Python loop implementing Alg. 1
     literally, for several memory sizes; asserts both give the same sub-centroids;
  2. a DNC head training step (loss, backward, sub-centroid update) against a
     ``LinearClsHead`` step on the same pooled features;
  3. the bytes of DNC state (sub-centroids + memory) with fp32 and fp16 memory storage, and
     how many memory batches fit in this machine's available RAM.

Example::

    python tools/benchmarks/dnc_subcentroid_update.py --device cpu \
        --memory-batches 0 10 100 1000
"""

import argparse
from typing import Callable, List

import torch
import torch.nn.functional as F
from _common import (
    interleaved,
    medians,
    paired_ratio,
    persistent_buffer_bytes,
    resnet50_classifier,
)
from dnc_alg1_reference import alg1_update

import mmproto  # noqa: F401  (registers DNCHead)
from mmproto.models.utils import SubCentroidBank
from mmproto.ops.own_class_similarity import default_chunk_rows


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cpu')
    p.add_argument('--num-classes', type=int, default=1000)
    p.add_argument('--num-subcentroids', type=int, default=4)
    p.add_argument('--dim', type=int, default=2048)
    p.add_argument('--batch', type=int, default=256, help='global batch size')
    p.add_argument('--memory-batches', type=int, nargs='+', default=[0, 10, 100, 1000])
    p.add_argument('--memory-dtype', default='float16')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--threads', type=int, default=0, help='torch threads (0: default)')
    p.add_argument(
        '--clock',
        choices=['wall', 'cpu'],
        default='wall',
        help="'cpu': this process's CPU time (robust to other jobs on a shared CPU; use with "
        '--threads 1)',
    )
    p.add_argument(
        '--resnet50',
        action='store_true',
        help='also time a full ResNet-50 training step, DNC vs linear head (side by side)',
    )
    p.add_argument('--resnet50-batch', type=int, default=32, help='images per step')
    p.add_argument(
        '--resnet50-memory-batches',
        type=int,
        default=1000,
        help='DNC memory of the full step, in batches of --resnet50-batch',
    )
    p.add_argument('--image-size', type=int, default=224)
    p.add_argument('--resnet50-repeats', type=int, default=2, help='timed pairs (+1 warm-up)')
    p.add_argument(
        '--skip-update', action='store_true', help='skip parts 1-2 (update and head step)'
    )
    return p.parse_args()


def timeit(fn: Callable, repeats: int, device: str, clock: str) -> float:
    """Median ms of ``fn`` (after one warm-up call) by ``clock`` (``--clock``)."""
    return medians(interleaved({'f': fn}, repeats, device), clock)['f'] * 1e3


def clustered_batch(protos, n, gen, device):
    """Unit features near a random sub-centroid of a random class (clear assignments)."""
    c, k, d = protos.shape
    labels = torch.randint(0, c, (n,), generator=gen).to(device)
    sub = torch.randint(0, k, (n,), generator=gen).to(device)
    noise = F.normalize(torch.randn(n, d, generator=gen).to(device), dim=-1)
    x = F.normalize(protos[labels, sub] + noise, dim=-1)
    correct = (torch.rand(n, generator=gen) < 0.7).to(device)
    return x, labels, correct


def read_bound(feats, chunk_rows: int) -> float:
    """The bound of the update: one pass reading every stored feature in its storage dtype,
    converting it to fp32 and reducing it (a column sum), in chunks of ``chunk_rows`` rows
    like the update. Returns the checksum (the result is used, so nothing is skipped)."""
    acc = torch.zeros(feats.shape[1], dtype=torch.float32, device=feats.device)
    buf = torch.empty(chunk_rows, feats.shape[1], dtype=torch.float32, device=feats.device)
    for s in range(0, feats.shape[0], chunk_rows):
        part = feats[s : s + chunk_rows]
        b = buf[: part.shape[0]]
        b.copy_(part)
        acc += b.sum(0)
    return float(acc.sum())


def bank_bytes(args, memory_batches: int, dtype: str) -> int:
    with torch.device('meta'):
        bank = SubCentroidBank(
            args.num_classes,
            args.dim,
            args.num_subcentroids,
            memory_size=memory_batches * args.batch,
            memory_dtype=dtype,
        )
    return persistent_buffer_bytes(bank)


def available_bytes() -> int:
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemAvailable:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def compare_update(args, mb: int, gen: torch.Generator) -> List[tuple]:
    """Time ``SubCentroidBank.update`` and the per-class loop on the same state and batch."""
    dev, b = args.device, args.batch
    c, k, d = args.num_classes, args.num_subcentroids, args.dim
    torch.manual_seed(0)
    bank = SubCentroidBank(c, d, k, memory_size=mb * b, memory_dtype=args.memory_dtype).to(dev)
    protos = bank.prototypes.clone()
    for _ in range(max(mb - 1, 0)):  # fill the memory with earlier batches
        bank.memory.push(*clustered_batch(protos, b, gen, dev))
    x, labels, correct = clustered_batch(protos, b, gen, dev)
    snapshot = {n: t.clone() for n, t in bank.state_dict().items()}

    def restore():
        bank.load_state_dict(snapshot)

    def vectorised():
        bank.update(x, labels, correct)

    if bank.memory is not None:
        feats, ys, cor = bank.memory.features, bank.memory.labels, bank.memory.correct
    else:
        feats, ys, cor = x, labels, correct
    chunk = bank.chunk_rows or default_chunk_rows(d)  # also the update's class-group size
    fns = {'update': (vectorised, restore), 'bound': (lambda: read_bound(feats, chunk), None)}
    t = medians(interleaved(fns, args.repeats, dev), args.clock)
    t_vec, t_bound = t['update'] * 1e3, t['bound'] * 1e3
    restore()
    vectorised()
    ours = bank.prototypes.clone()
    ref = [None]
    hyper = (bank.momentum, bank.sinkhorn_eps, bank.sinkhorn_iters)

    def loop():
        ref[0] = alg1_update(protos, feats, ys, cor, *hyper)[1]

    t_loop = timeit(loop, args.repeats if mb < 100 else 1, dev, args.clock)
    delta_err = ((ours - ref[0]).norm() / (ref[0] - protos).norm().clamp(min=1e-12)).item()
    assert delta_err < 1e-3, f'vectorised and per-class results differ ({delta_err:.2e})'
    moved = int(((ref[0] - protos).abs().sum(-1) > 0).sum())
    print(
        f'memory {mb:5d} batches ({max(mb, 1) * b:7d} samples): vectorised {t_vec:9.1f} ms, '
        f'per-class loop {t_loop:9.1f} ms, x{t_loop / t_vec:6.1f}; moved sub-centroids '
        f'{moved}/{c * k}; relative difference of the update {delta_err:.1e}; bound (one '
        f'fp32 read of the memory) {t_bound:.1f} ms, update / bound x{t_vec / t_bound:.2f}'
    )
    return [
        (f'update_ms_vectorised_mem{mb}', f'{t_vec:.1f}'),
        (f'update_ms_per_class_loop_mem{mb}', f'{t_loop:.1f}'),
        (f'update_speedup_mem{mb}', f'{t_loop / t_vec:.1f}'),
        (f'bound_ms_mem{mb}', f'{t_bound:.1f}'),
        (f'update_to_bound_ratio_mem{mb}', f'{t_vec / t_bound:.2f}'),
    ]


def resnet50_step(args, gen: torch.Generator) -> List[tuple]:
    """A full ResNet-50 training step (forward, loss, backward, SGD step, and for DNC the
    sub-centroid update with a full memory) with ``DNCHead`` against ``LinearClsHead``.

    The two models alternate (one warm-up pair, then ``--resnet50-repeats`` timed pairs) so
    both see the same machine load; the ratio is the median of the per-pair ratios.
    """
    from mmpretrain.structures import DataSample

    dev, b, c, k = args.device, args.resnet50_batch, args.num_classes, args.num_subcentroids
    mb = args.resnet50_memory_batches

    def build(head):
        torch.manual_seed(0)
        model = resnet50_classifier(head, dev)
        return model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    linear = build(dict(type='LinearClsHead', num_classes=c, in_channels=2048))
    dnc = build(
        dict(
            type='DNCHead',
            num_classes=c,
            in_channels=2048,
            num_subcentroids=k,
            memory_size=mb * b,
            memory_dtype=args.memory_dtype,
        )
    )
    classifier = dnc[0].head.classifier
    classifier.attach_subcentroid_updater()
    if mb:
        for _ in range(mb - 1):  # a full memory, as in steady-state training
            classifier.bank.memory.push(*clustered_batch(dnc[0].head.prototypes, b, gen, dev))
    imgs = torch.randn(b, 3, args.image_size, args.image_size, generator=gen).to(dev)
    data = [DataSample().set_gt_label(int(y)) for y in torch.randint(0, c, (b,), generator=gen)]

    def step(model, opt, update=None):
        opt.zero_grad(set_to_none=True)
        losses = model(imgs, data, mode='loss')
        sum(v for n, v in losses.items() if 'loss' in n).backward()
        opt.step()
        if update is not None:
            update()

    fns = dict(linear=lambda: step(*linear), dnc=lambda: step(*dnc, classifier.update_subcentroids))
    runs = interleaved(fns, args.resnet50_repeats, dev)  # one warm-up pair
    for (t_lin, _), (t_dnc, _) in zip(runs['linear'], runs['dnc']):
        print(
            f'ResNet-50 train step, batch {b}: linear {t_lin * 1e3:.0f} ms, '
            f'DNC {t_dnc * 1e3:.0f} ms'
        )
    t = medians(runs)
    lin, dnc_ms = t['linear'] * 1e3, t['dnc'] * 1e3
    ratio = paired_ratio(runs, 'dnc', 'linear')
    return [
        (f'resnet50_step_ms_linear_b{b}', f'{lin:.0f}'),
        (f'resnet50_step_ms_dnc_b{b}_mem{mb}', f'{dnc_ms:.0f}'),
        (f'resnet50_step_ratio_dnc_vs_linear_b{b}_mem{mb}', f'{ratio:.3f}'),
    ]


def state_figures(args) -> List[tuple]:
    """Bytes of the bank's state per memory size and dtype, and how many memory batches fit
    in half of the available RAM."""
    figures = []
    for mb in sorted({0, 1000, max(args.memory_batches)}):
        for dtype in ('float32', args.memory_dtype):
            nbytes = bank_bytes(args, mb, dtype)
            figures.append((f'state_bytes_{dtype}_mem{mb}', str(nbytes)))
            print(f'state bytes, memory {mb} batches, {dtype}: {nbytes / 2**20:.1f} MiB')
    per_batch = bank_bytes(args, 1, args.memory_dtype) - bank_bytes(args, 0, args.memory_dtype)
    avail = available_bytes()
    if avail:
        # leave half of the available RAM for the model, activations and fp32 chunks
        fit = int(avail * 0.5 // per_batch)
        print(f'available RAM {avail / 2**30:.1f} GiB: about {fit} memory batches fit')
        figures.append((f'memory_batches_fit_{args.memory_dtype}', str(fit)))

    return figures


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = args.device
    figures: List[tuple] = []
    gen = torch.Generator().manual_seed(0)
    c, k, d, b = args.num_classes, args.num_subcentroids, args.dim, args.batch
    print(
        f'device={dev} threads={torch.get_num_threads()} clock={args.clock} C={c} K={k} D={d} '
        f'batch={b}'
    )

    # 1. vectorised vs per-class loop -------------------------------------------------
    for mb in [] if args.skip_update else args.memory_batches:
        figures += compare_update(args, mb, gen)

    # 2. head train step: DNC vs linear -----------------------------------------------
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample

    feats = torch.randn(b, d, device=dev)
    data = [DataSample().set_gt_label(int(y)) for y in torch.randint(0, c, (b,))]
    linear = MODELS.build(dict(type='LinearClsHead', num_classes=c, in_channels=d)).to(dev)

    def step(head, update=None):
        f = feats.clone().requires_grad_()
        head.zero_grad(set_to_none=True)
        head.loss((f,), data)['loss'].backward()
        if update is not None:
            update()

    t_lin = timeit(lambda: step(linear), args.repeats, dev, args.clock)
    figures.append(('head_step_ms_linear', f'{t_lin:.1f}'))
    for mb in [] if args.skip_update else sorted({0, max(args.memory_batches)}):
        head = MODELS.build(
            dict(
                type='DNCHead',
                num_classes=c,
                in_channels=d,
                num_subcentroids=k,
                memory_size=mb * b,
                memory_dtype=args.memory_dtype,
            )
        ).to(dev)
        head.classifier.attach_subcentroid_updater()
        for _ in range(max(mb - 1, 0)):  # a full memory, as in steady-state training
            head.classifier.bank.memory.push(*clustered_batch(head.prototypes, b, gen, dev))
        t_dnc = timeit(
            lambda h=head: step(h, h.classifier.update_subcentroids),
            args.repeats if mb < 1000 else 1,
            dev,
            args.clock,
        )
        print(
            f'head train step (loss+backward+update), memory {mb} batches: DNC {t_dnc:.1f} ms, '
            f'LinearClsHead {t_lin:.1f} ms, x{t_dnc / t_lin:.2f}'
        )
        figures += [
            (f'head_step_ms_dnc_mem{mb}', f'{t_dnc:.1f}'),
            (f'head_step_ratio_dnc_vs_linear_mem{mb}', f'{t_dnc / t_lin:.2f}'),
        ]
        del head

    # 2b. full ResNet-50 training step: DNC vs linear ----------------------------------
    if args.resnet50:
        figures += resnet50_step(args, gen)

    # 3. bytes of state ---------------------------------------------------------------
    figures += state_figures(args)

    for name, value in figures:
        print(f'{name}: {value}')


if __name__ == '__main__':
    main()
