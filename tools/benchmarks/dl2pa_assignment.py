"""DL2PA speed: label-to-prototype assignment (Eq. 9) and prototype precomputation.

Times every available exact solver side by side on the same cost matrices, for two regimes:
``random`` (class means unrelated to the prototypes: the worst case, as at the very first
update from untrained features) and ``trained`` (class means near a permutation of the
prototypes: what the epoch-end update meets once training has started). Also times the
uniformity prototype precomputation for (1000, 512). ``assignment_s_<regime>_c<C>`` is the
time of the solver ``LabelPrototypeAssignmentHook`` uses by default.

    python tools/benchmarks/dl2pa_assignment.py --device cpu
"""

import argparse
import importlib.util
import inspect
import time

import numpy as np
import torch
import torch.nn.functional as F

import mmproto  # noqa: F401
from mmproto.engine.hooks import LabelPrototypeAssignmentHook
from mmproto.ops.assignment import assignment_scores, solve_linear_assignment
from mmproto.ops.prototypes import optimise_prototypes, pairwise_cosine_stats


def costs(c: int, d: int, regime: str, device: str, seed: int = 0) -> np.ndarray:
    g = torch.Generator(device=device).manual_seed(seed)
    w = F.normalize(torch.randn(c, d, generator=g, device=device), dim=1)
    if regime == 'random':
        means = torch.randn(c, d, generator=g, device=device)
    else:
        perm = torch.randperm(c, generator=g, device=device)
        means = w[perm] + torch.randn(c, d, generator=g, device=device) / d**0.5
    return -assignment_scores(means, w).cpu().double().numpy()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', default='cpu', help='device for the cost matrix and prototypes')
    p.add_argument('--sizes', type=int, nargs='+', default=[100, 1000, 5000, 10000])
    p.add_argument('--dim', type=int, default=512)
    p.add_argument('--solvers', nargs='+', default=['sparse', 'scipy', 'lapjv', 'lap'])
    p.add_argument('--regimes', nargs='+', default=['random', 'trained'])
    p.add_argument('--repeats', type=int, default=1)
    p.add_argument('--proto-iters', type=int, default=1000, help='0: skip the prototypes')
    args = p.parse_args()
    default = inspect.signature(LabelPrototypeAssignmentHook).parameters['solver'].default
    if default not in args.solvers:
        args.solvers = [default] + args.solvers
    solvers = [s for s in args.solvers if s in ('scipy', 'sparse') or importlib.util.find_spec(s)]
    skipped = sorted(set(args.solvers) - set(solvers))
    if skipped:
        print(f'not installed, skipped: {skipped}')
    warm = costs(20, 8, 'random', args.device)
    for s in solvers:  # imports and first-call overhead stay out of the timings
        solve_linear_assignment(warm, s)
    figures = []
    for regime in args.regimes:
        for c in args.sizes:
            cost = costs(c, args.dim, regime, args.device)
            row, best = {}, {}
            for s in solvers:
                times = []
                for _ in range(args.repeats if c >= 5000 else max(args.repeats, 3)):
                    t0 = time.perf_counter()
                    a = solve_linear_assignment(cost, s)
                    times.append(time.perf_counter() - t0)
                row[s], best[s] = min(times), cost[np.arange(c), a].sum()
            ref = best['scipy'] if 'scipy' in best else None
            exact = ref is None or all(
                abs(v - ref) <= 1e-9 * max(1.0, abs(ref)) for v in best.values()
            )
            base = row.get('scipy', row[solvers[0]])
            ratios = ', '.join(
                f'{s} {row[s]:.4f} s (x{base / max(row[s], 1e-9):.2f})' for s in solvers
            )
            print(f'[{regime}] C={c} d={args.dim}: {ratios}; same optimum as scipy: {exact}')
            assert exact, f'solvers disagree on the optimum: {best}'
            for s in solvers:
                figures.append((f'assignment_{regime}_{s}_C{c}_s', f'{row[s]:.4f}'))
            figures.append((f'assignment_s_{regime}_c{c}', f'{row[default]:.4f}'))
    if args.proto_iters:
        t0 = time.perf_counter()
        w = optimise_prototypes(1000, 512, iters=args.proto_iters, device=args.device)
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        sec = time.perf_counter() - t0
        st = pairwise_cosine_stats(w)
        print(
            f'prototypes (1000, 512), {args.proto_iters} iters on {args.device}: {sec:.1f} s; '
            f'max cos {st["max"]:.3f}, mean nearest-neighbour cos {st["mean_nn"]:.3f}'
        )
        figures.append(('prototype_precompute_1000x512_s', f'{sec:.1f}'))
    for name, value in figures:
        print(f'{name}: {value}')


if __name__ == '__main__':
    main()
