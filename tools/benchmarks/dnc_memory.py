"""Memory cost of DNC's state vs K and memory size (Table 24a/24b, App. K, DNC).

For each setting a ``SubCentroidBank`` with the ImageNet sizes (C=1000, D=2048, global batch
256 = 8 GPUs x 32) is built on ``--device``, its FIFO memory is filled, and one Alg. 1 update
(memory push, class-wise Sinkhorn over memory + batch, Eq. 8) runs on a random global batch.
Reported per setting: bytes of the persistent state (sub-centroids + memory), the update time
and, on CUDA, the peak memory allocated during the update (state included). With
``--backbone`` (CUDA) a full DNC-ResNet-50 training step at 32 images per GPU is measured
instead, which is what Table 24 reports per GPU.

Every setting is measured in the same run; ratios are against the paper's default
(K=4, 1000 batches), as are the paper's (26.31 / 26.35 GB). Ends with ``<figure>: <value>``.

    python tools/benchmarks/dnc_memory.py --device cpu
    python tools/benchmarks/dnc_memory.py --device cuda --backbone
"""

import argparse
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from _common import interleaved, persistent_buffer_bytes, resnet50_classifier

import mmproto  # noqa: F401  (compat shims)  # isort: skip
from mmproto.models.utils import SubCentroidBank

PAPER_24A = {1: 16.07, 2: 19.04, 3: 22.03, 4: 26.31}  # GB per GPU, memory 1000 batches
PAPER_24B = {400: 11.88, 600: 16.35, 800: 21.65, 1000: 26.35}  # GB per GPU, K = 4


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cpu')
    p.add_argument('--num-classes', type=int, default=1000)
    p.add_argument('--embed-dim', type=int, default=2048)
    p.add_argument('--global-batch', type=int, default=256, help='8 GPUs x 32 in the paper')
    p.add_argument('--ks', type=int, nargs='+', default=[1, 2, 3, 4])
    p.add_argument('--memory-batches', type=int, nargs='+', default=[400, 600, 800, 1000])
    p.add_argument('--memory-dtype', default='float32')
    p.add_argument('--scale', type=float, default=1.0, help='shrink every memory (quick runs)')
    p.add_argument('--backbone', action='store_true', help='CUDA: full DNC-ResNet-50 step')
    p.add_argument('--repeats', type=int, default=1, help='updates timed (0: state only)')
    return p.parse_args()


def fill_memory(bank: SubCentroidBank, g: torch.Generator) -> None:
    mem = bank.memory
    n, c = mem.size, bank.num_classes
    feats = F.normalize(torch.randn(n, bank.embed_dim, generator=g), dim=1)
    mem.features.copy_(feats.to(mem.features.dtype))
    mem.labels.copy_(torch.randint(0, c, (n,), generator=g))
    mem.correct.fill_(True)
    mem.ptr.fill_(0)


def measure_bank(args, k: int, batches: int, device: torch.device) -> Dict[str, float]:
    g = torch.Generator().manual_seed(0)
    size = max(int(batches * args.global_batch * args.scale), args.global_batch)
    if device.type == 'cuda':
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    bank = SubCentroidBank(
        args.num_classes, args.embed_dim, k, memory_size=size, memory_dtype=args.memory_dtype
    ).to(device)
    fill_memory(bank, g)
    x = F.normalize(torch.randn(args.global_batch, args.embed_dim, generator=g), dim=1)
    labels = torch.randint(0, args.num_classes, (args.global_batch,), generator=g)
    x, labels = x.to(device), labels.to(device)
    correct = torch.ones_like(labels, dtype=torch.bool)
    seconds = float('nan')
    if args.repeats:
        runs = interleaved({'update': lambda: bank.update(x, labels, correct)}, args.repeats,
                           device, warmup=0)  # fmt: skip
        seconds = min(wall for wall, _ in runs['update'])
    out = dict(state=persistent_buffer_bytes(bank), seconds=seconds, memory_size=size)
    if device.type == 'cuda':
        out['peak'] = torch.cuda.max_memory_allocated(device)
    return out


def measure_backbone(args, k: int, batches: int, device: torch.device) -> Dict[str, float]:
    """Peak CUDA memory of one DNC-ResNet-50 train step with 32 images on this GPU."""
    from mmengine.registry import init_default_scope
    from mmpretrain.structures import DataSample

    init_default_scope('mmpretrain')
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats(device)
    size = max(int(batches * args.global_batch * args.scale), args.global_batch)
    head = dict(
        type='DNCHead', num_classes=args.num_classes, in_channels=2048, num_subcentroids=k,
        memory_size=size, memory_dtype=args.memory_dtype,
    )  # fmt: skip
    model = resnet50_classifier(head, device)
    fill_memory(model.head.classifier.bank, torch.Generator().manual_seed(0))
    model.head.classifier.attach_subcentroid_updater()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    per_gpu = args.global_batch // 8
    inputs = torch.randn(per_gpu, 3, 224, 224, device=device)
    samples = [DataSample().set_gt_label(i % args.num_classes) for i in range(per_gpu)]

    def step():
        losses = model.loss(inputs, samples)
        losses['loss'].backward()
        opt.step()
        opt.zero_grad()
        # the global batch (8 x 32) is what the bank clusters after the gather
        cache = model.head.classifier._cache
        reps = args.global_batch // per_gpu
        cache['x'], cache['logits'] = cache['x'].repeat(reps, 1), cache['logits'].repeat(reps, 1)
        cache['labels'] = cache['labels'].repeat(reps)
        model.head.classifier.update_subcentroids()

    # the first step allocates the optimizer state
    runs = interleaved({'step': step}, max(args.repeats, 2) - 1, device, warmup=1)
    out = dict(
        state=persistent_buffer_bytes(model.head), memory_size=size,
        seconds=min(wall for wall, _ in runs['step']),
        peak=torch.cuda.max_memory_allocated(device),
    )  # fmt: skip
    return out


def main():
    args = parse_args()
    device = torch.device(args.device)
    if args.backbone and device.type != 'cuda':
        raise SystemExit('--backbone needs a CUDA device')
    measure = measure_backbone if args.backbone else measure_bank
    settings: List[Tuple[str, int, int]] = [('24a', k, 1000) for k in args.ks]
    settings += [('24b', 4, b) for b in args.memory_batches if b != 1000 or 4 not in args.ks]
    results = {}
    for table, k, batches in settings:
        results[(k, batches)] = r = measure(args, k, batches, device)
        peak = f', peak {r["peak"] / 2**30:.2f} GiB' if 'peak' in r else ''
        print(
            f'[{table}] K={k} memory={batches} batches ({r["memory_size"]} samples): state '
            f'{r["state"] / 2**30:.3f} GiB, update {r["seconds"] * 1000:.0f} ms{peak}'
        )
    ref = results.get((4, 1000))
    name = torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'
    print(f'device: {device} ({name})')
    key = 'peak' if 'peak' in next(iter(results.values())) else 'state'
    for (k, batches), r in results.items():
        name = f'K{k}_mem{batches}'
        print(f'state_GiB_{name}: {r["state"] / 2**30:.4f}')
        if 'peak' in r:
            print(f'peak_GiB_{name}: {r["peak"] / 2**30:.4f}')
        print(f'update_ms_{name}: {r["seconds"] * 1000:.1f}')
        if ref is not None:
            paper = PAPER_24A.get(k) if batches == 1000 else PAPER_24B.get(batches)
            paper_ref = PAPER_24A[4] if batches == 1000 else PAPER_24B[1000]
            ours = r[key] / ref[key]
            print(f'{key}_ratio_vs_K4_mem1000_{name}: {ours:.3f}')
            if paper is not None and k in (1, 2, 3, 4):
                print(f'paper_ratio_vs_K4_mem1000_{name}: {paper / paper_ref:.3f}')


if __name__ == '__main__':
    main()
