"""Train-step and eval cost of MultiCenterClsHead vs mmpretrain's LinearClsHead, side by side.

Figures (each printed last as one ``<figure>: <value>`` line):
- head-only train step (forward + loss + backward + SGD step on backbone-sized features)
  MCC / linear time ratio, at C classes, d features, batch B, K sub-centres;
- full ResNet-50 train step (``ImageClassifier.loss`` + backward + SGD step) MCC / linear ratio,
  at ``--full-batch`` images of ``--img-size`` (use a small batch on a CPU);
- eval forward time ratio, FLOPs ratio and parameter ratio of the deployed heads (must be 1).

Runs are interleaved (linear, MCC, linear, MCC, ...) and the medians compared.

Example:
    python tools/benchmarks/mcc_head_step.py --device cpu --full-batch 16
"""

import argparse
from typing import Dict

import torch
from _common import interleaved, medians, paired_ratio, resnet50_classifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmproto  # noqa: F401


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--num-classes', type=int, default=1000)
    p.add_argument('--in-channels', type=int, default=2048)
    p.add_argument('--batch', type=int, default=256, help='batch of the head-only figures')
    p.add_argument('--num-subcenters', type=int, default=2)
    p.add_argument('--full-batch', type=int, default=256, help='batch of the ResNet-50 step')
    p.add_argument('--img-size', type=int, default=224)
    p.add_argument('--repeat', type=int, default=20, help='timed runs per model (head only)')
    p.add_argument('--full-repeat', type=int, default=5, help='timed runs per model (ResNet-50)')
    p.add_argument('--skip-full', action='store_true', help='skip the ResNet-50 step')
    p.add_argument('--threads', type=int, default=0, help='torch CPU threads (0: default)')
    return p.parse_args()


def head_cfgs(args) -> Dict[str, dict]:
    common = dict(num_classes=args.num_classes, in_channels=args.in_channels)
    return dict(
        linear=dict(type='LinearClsHead', **common),
        mcc=dict(type='MultiCenterClsHead', num_subcenters=args.num_subcenters, **common),
    )


def samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


def head_train_step(head, x, data_samples, optim):
    def step():
        optim.zero_grad(set_to_none=True)
        feats = x.detach().requires_grad_()  # gradient to the (absent) backbone too
        losses = head.loss((feats,), data_samples)
        sum(losses.values()).backward()
        optim.step()

    return step


def bench_heads(args, batch):
    dev = args.device
    torch.manual_seed(0)
    x = torch.randn(batch, args.in_channels, device=dev)
    labels = torch.randint(0, args.num_classes, (batch,))
    ds = samples(labels)
    heads = {k: MODELS.build(c).to(dev).train() for k, c in head_cfgs(args).items()}
    steps = {
        k: head_train_step(h, x, ds, torch.optim.SGD(h.parameters(), lr=0.01, momentum=0.9))
        for k, h in heads.items()
    }
    train = interleaved(steps, args.repeat, dev, warmup=2)
    for h in heads.values():
        h.eval()

    def eval_fn(h):
        def run():
            with torch.no_grad():
                h((x,))

        return run

    evals = interleaved({k: eval_fn(h) for k, h in heads.items()}, args.repeat * 5, dev, warmup=2)
    return train, evals


def deployed_cost(args):
    from mmengine.analysis import FlopAnalyzer

    class Wrap(torch.nn.Module):
        def __init__(self, head):
            super().__init__()
            self.head = head

        def forward(self, x):
            return self.head((x,))

    cfgs = head_cfgs(args)
    cfgs['mcc'].update(bias=True, deploy=True)  # LinearClsHead has a bias
    x = torch.randn(1, args.in_channels)
    out = {}
    for k, cfg in cfgs.items():
        head = MODELS.build(cfg).eval()
        flops = FlopAnalyzer(Wrap(head), (x,)).unsupported_ops_warnings(False).total()
        out[k] = (flops, sum(p.numel() for p in head.parameters()))
    return out


def bench_full(args):
    dev = args.device
    torch.manual_seed(0)
    inputs = torch.randn(args.full_batch, 3, args.img_size, args.img_size, device=dev)
    ds = samples(torch.randint(0, args.num_classes, (args.full_batch,)))
    steps = {}
    for name, head in head_cfgs(args).items():
        model = resnet50_classifier(head, dev).train()
        optim = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def step(model=model, optim=optim):
            optim.zero_grad(set_to_none=True)
            losses = model.loss(inputs, ds)
            sum(losses.values()).backward()
            optim.step()

        steps[name] = step
    return interleaved(steps, args.full_repeat, dev, warmup=1)


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f'device={args.device} threads={torch.get_num_threads()} C={args.num_classes} '
        f'd={args.in_channels} K={args.num_subcenters} head batch={args.batch} '
        f'ResNet-50 batch={args.full_batch} img={args.img_size}'
    )
    train_runs, eval_runs = bench_heads(args, args.batch)
    train, evals = medians(train_runs), medians(eval_runs)
    print(
        f'head-only train step (median): linear {train["linear"] * 1e3:.2f} ms, '
        f'mcc {train["mcc"] * 1e3:.2f} ms'
    )
    print(f'head-only eval (median): linear {evals["linear"] * 1e3:.3f} ms, '
          f'mcc {evals["mcc"] * 1e3:.3f} ms')  # fmt: skip
    cost = deployed_cost(args)
    print(f'deployed head FLOPs / params: linear {cost["linear"]}, mcc {cost["mcc"]}')
    full_runs = None
    if not args.skip_full:
        full_runs = bench_full(args)
        for name, runs in full_runs.items():
            print(f'ResNet-50 train step (batch {args.full_batch}) {name}: ' +
                  ', '.join(f'{wall:.3f}' for wall, _ in runs) + ' s')  # fmt: skip
        small = medians(bench_heads(args, args.full_batch)[0])
        delta = small['mcc'] - small['linear']
        linear_step = medians(full_runs)['linear']
        print(
            f'head-only train step at batch {args.full_batch}: linear {small["linear"] * 1e3:.2f} '
            f'ms, mcc {small["mcc"] * 1e3:.2f} ms (extra {delta * 1e3:.2f} ms)'
        )
    print(f'head_train_step_ratio: {paired_ratio(train_runs, "mcc", "linear"):.3f}')
    if full_runs is not None:
        print(f'resnet50_train_step_ratio: {paired_ratio(full_runs, "mcc", "linear"):.3f}')
        # the same, from the head's extra time measured in isolation (robust to a loaded machine)
        print(f'resnet50_train_step_ratio_from_head_delta: {1 + delta / linear_step:.3f}')
    print(f'head_eval_time_ratio: {paired_ratio(eval_runs, "mcc", "linear"):.3f}')
    print(f'eval_flops_ratio: {cost["mcc"][0] / cost["linear"][0]:.3f}')
    print(f'eval_params_ratio: {cost["mcc"][1] / cost["linear"][1]:.3f}')


if __name__ == '__main__':
    main()
