"""Precompute fixed hyperspherical prototypes (DL2PA §3.2.1) and report their geometry.

Writes ``{'w': (d, C)}`` (the official DL2PA layout, read by ``PrototypePrecomputeHook``'s
``method='file'``) and prints the max / min / mean pairwise cosine (DL2PA Table 7), e.g.::

    python tools/precompute_prototypes.py --num-classes 100 --dim 50 --out protos.pth --plot
"""

import argparse
import os.path as osp
import sys
import time

import torch
from mmengine.utils import ProgressBar

import mmproto  # noqa: F401  (compat shims before anything else)
from mmproto.engine.hooks.prototype_precompute_hook import PrototypePrecomputeHook
from mmproto.ops.prototypes import pairwise_cosine_stats


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--num-classes', type=int, required=True, help='C')
    p.add_argument('--dim', type=int, required=True, help='d')
    p.add_argument('--method', default='uniformity', choices=['uniformity', 'etf', 'hpn'])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--iters', type=int, default=1000, help='uniformity SGD steps')
    p.add_argument('--lr', type=float, default=0.1, help='per-prototype lr (step lr*B/2)')
    p.add_argument('--momentum', type=float, default=0.0)
    p.add_argument('--t', type=float, default=2.0, help='Gaussian kernel scale')
    p.add_argument('--batch-size', type=int, default=None, help='prototypes per step (C)')
    p.add_argument('--hpn-iters', type=int, default=10000)
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', required=True, help='output .pth')
    p.add_argument('--plot', nargs='?', const='', default=None, help='histogram PNG path')
    return p.parse_args(argv)


def plot_histogram(w: torch.Tensor, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    cos = w @ w.T
    vals = cos[~torch.eye(w.size(0), dtype=torch.bool)].numpy()
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=120)
    ax.hist(vals, bins=100, color='tab:blue')
    ax.set_xlabel('pairwise cosine similarity')
    ax.set_ylabel('pairs (ordered)')
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None) -> dict:
    args = parse_args(argv)
    hook = PrototypePrecomputeHook(
        method=args.method, seed=args.seed, iters=args.iters, lr=args.lr,
        momentum=args.momentum, t=args.t, batch_size=args.batch_size,
        hpn_iters=args.hpn_iters, cache_dir=None,
    )  # fmt: skip
    steps = dict(uniformity=args.iters, hpn=args.hpn_iters).get(args.method, 0)
    bar = ProgressBar(steps, file=sys.stdout) if steps else None
    start = time.perf_counter()
    w = hook.compute(
        args.num_classes, args.dim, device=args.device, progress=bar.update if bar else None
    ).cpu()
    seconds = time.perf_counter() - start
    if bar is not None:
        print()
    torch.save(dict(w=w.T.contiguous(), method=args.method, seed=args.seed), args.out)
    stats = pairwise_cosine_stats(w)
    tag = f'{args.method} prototypes C={args.num_classes} d={args.dim} seed={args.seed}'
    print(f'{tag}: {seconds:.2f} s')
    for k, v in stats.items():
        print(f'{k} pairwise cosine: {v:.4f}')
    if args.plot is not None:
        path = args.plot or osp.splitext(args.out)[0] + '_cosine_hist.png'
        plot_histogram(w, path, f'{args.method}: C={args.num_classes}, d={args.dim}')
        print(f'histogram: {path}')
    return stats


if __name__ == '__main__':
    main()
