"""Aggregate a study's runs: mean ± std over seeds, verdicts, markdown table, plots."""

import json
import math
import os
import os.path as osp
import re
from dataclasses import dataclass
from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np

from .study import Run, Study, read_series

Key = Tuple[str, str, str]  # (group, arm, metric name)


@dataclass
class Summary:
    """One (group, arm, metric) over seeds: the table value and the curve."""

    values: List[float]  # reduced per-seed values (the table's)
    x: List[float]  # x shared by every seed's series
    curve_mean: List[float]
    curve_std: List[float]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values)) if self.values else math.nan

    @property
    def std(self) -> float:
        """Sample standard deviation over seeds (ddof = 1); ``nan`` below 2 seeds."""
        return float(np.std(self.values, ddof=1)) if self.n >= 2 else math.nan


def reduce_series(series: Mapping[float, float], how: str) -> float:
    """The table value of one run's series (``Metric.reduce``)."""
    if not series:
        return math.nan
    xs = sorted(series)
    if how == 'last':
        return series[xs[-1]]
    if how == 'first':
        return series[xs[0]]
    values = [series[x] for x in xs]
    return float({'sum': np.sum, 'max': np.max, 'min': np.min}[how](values))


def aggregate(
    study: Study, series: Mapping[Tuple[str, str, int], Mapping[str, Mapping[float, float]]]
) -> Dict[Key, Summary]:
    """Summaries from ``series[(group, arm, seed)][metric name] = {x: value}``.

    A seed whose series of a metric is empty (metric not logged) does not count in ``n``.
    """
    out: Dict[Key, Summary] = {}
    for arm in study.arms:
        runs = [v for (g, a, _), v in sorted(series.items()) if g == arm.group and a == arm.name]
        for metric in study.metrics:
            per_seed = [r.get(metric.name, {}) for r in runs]
            per_seed = [s for s in per_seed if s]
            values = [reduce_series(s, metric.reduce) for s in per_seed]
            xs = sorted(set.intersection(*(set(s) for s in per_seed))) if per_seed else []
            curves = np.array([[s[x] for x in xs] for s in per_seed], dtype=float)
            ddof = 1 if len(per_seed) >= 2 else 0
            out[(arm.group, arm.name, metric.name)] = Summary(
                values=values,
                x=xs,
                curve_mean=curves.mean(0).tolist() if xs else [],
                curve_std=curves.std(0, ddof=ddof).tolist() if xs else [],
            )
    return out


def compare(a: Summary, b: Summary, higher_is_better: bool = True) -> Tuple[float, float, str]:
    """``(Δ = mean_a - mean_b, 2 std, verdict)``; the threshold is twice the larger of the two
    sample stds, and ``|Δ| < 2 std`` is "no difference" (the project's rule)."""
    delta = a.mean - b.mean
    if a.n < 2 or b.n < 2:
        return delta, math.nan, 'n/a (< 2 seeds)'
    threshold = 2 * max(a.std, b.std)
    if abs(delta) < threshold or delta == 0:
        return delta, threshold, 'no difference'
    better = (delta > 0) == higher_is_better
    return delta, threshold, 'better' if better else 'worse'


def verdicts(study: Study, summaries: Mapping[Key, Summary]) -> List[dict]:
    """In every group, each method arm against each baseline arm on the first metric."""
    metric = study.metrics[0]
    rows = []
    for group in study.groups:
        present = {a.name for a in study.arms if a.group == group}
        for method in (m for m in study.methods if m in present):
            for baseline in (b for b in study.baselines if b in present and b != method):
                a = summaries[(group, method, metric.name)]
                b = summaries[(group, baseline, metric.name)]
                delta, threshold, verdict = compare(a, b, metric.higher_is_better)
                rows.append(
                    dict(
                        group=group,
                        method=method,
                        baseline=baseline,
                        delta=delta,
                        threshold=threshold,
                        verdict=verdict,
                    )
                )
    return rows


def _cell(s: Summary, fmt: str) -> str:
    if not s.n:
        return '—'
    if s.n < 2:
        return format(s.mean, fmt)
    return f'{s.mean:{fmt}} ± {s.std:{fmt}}'


def markdown_table(
    study: Study, summaries: Mapping[Key, Summary], rows: Sequence[dict] = ()
) -> str:
    """The results table (one line per group × arm, one column per metric, ``n`` seeds) and,
    if given, the verdict table."""
    names = [m.name + (f' ({m.reduce})' if m.reduce != 'last' else '') for m in study.metrics]
    lines = [
        '| group | arm | ' + ' | '.join(names) + ' | n |',
        '|---|---|' + '---|' * len(names) + '---|',
    ]
    for arm in study.arms:
        cells = [_cell(summaries[(arm.group, arm.name, m.name)], m.fmt) for m in study.metrics]
        n = max(summaries[(arm.group, arm.name, m.name)].n for m in study.metrics)
        lines.append(f'| {arm.group} | {arm.name} | ' + ' | '.join(cells) + f' | {n} |')
    if rows:
        metric = study.metrics[0]
        lines += [
            '',
            f'Verdicts on {metric.name} (final value; |Δ| < 2 × the larger std = "no difference"):',
            '',
            '| group | method | baseline | Δ | 2 std | verdict |',
            '|---|---|---|---|---|---|',
        ]
        for r in rows:
            lines.append(
                f'| {r["group"]} | {r["method"]} | {r["baseline"]} | {r["delta"]:+.2f} | '
                f'{r["threshold"]:.2f} | {r["verdict"]} |'
            )
    return '\n'.join(lines) + '\n'


def plot_metrics(
    study: Study, summaries: Mapping[Key, Summary], out_dir: str, dpi: int = 80
) -> List[str]:
    """One PNG per metric: a panel per group, a line per arm (mean over seeds, ± std shaded)."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    groups, paths = study.groups, []
    for metric in study.metrics:
        fig, axes = plt.subplots(
            1, len(groups), figsize=(3.2 * len(groups) + 0.8, 3.0), squeeze=False
        )
        for ax, group in zip(axes[0], groups):
            for arm in (a for a in study.arms if a.group == group):
                s = summaries[(group, arm.name, metric.name)]
                if not s.x:
                    continue
                x, m, sd = np.array(s.x), np.array(s.curve_mean), np.array(s.curve_std)
                (line,) = ax.plot(x, m, marker='o' if len(x) < 20 else None, ms=3, label=arm.name)
                ax.fill_between(x, m - sd, m + sd, color=line.get_color(), alpha=0.2, lw=0)
            ax.set_title(group or study.name, fontsize=9)
            ax.set_xlabel(metric.x_label, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
        axes[0][0].set_ylabel(metric.name, fontsize=8)
        handles, labels = {}, []
        for ax in axes[0]:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in handles:
                    handles[lab] = h
                    labels.append(lab)
        if labels:
            fig.legend([handles[lab] for lab in labels], labels, loc='center right', fontsize=7)
        fig.suptitle(f'{study.name}: {metric.name} (mean ± std over seeds)', fontsize=9)
        fig.tight_layout(rect=(0, 0, 1 - 1.0 / (3.2 * len(groups) + 0.8), 1))
        slug = re.sub(r'[^A-Za-z0-9]+', '_', metric.name).strip('_')
        path = osp.join(out_dir, f'{study.name}_{slug}.png')
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
        paths.append(path)
    return paths


def collect(study: Study, runs: Sequence[Run]) -> Dict[Tuple[str, str, int], Dict]:
    """``{(group, arm, seed): {metric name: {x: value}}}`` of the finished runs (rc 0)."""
    out = {}
    for run in runs:
        status = run.status()
        if status is None or status['rc'] != 0:
            continue
        out[(run.arm.group, run.arm.name, run.seed)] = {
            m.name: read_series(run.dir, m) for m in study.metrics
        }
    return out


def write_report(study: Study, runs: Sequence[Run], work_dir: str, command: str = '') -> dict:
    """Write ``results.md``, ``results.json`` (per-seed values) and one PNG per metric into
    ``work_dir``; returns ``dict(markdown=..., pngs=[...], verdicts=[...], failed=[...])``."""
    summaries = aggregate(study, collect(study, runs))
    rows = verdicts(study, summaries)
    failed = [r.slug for r in runs if (r.status() or {}).get('rc', 1) != 0]
    seconds = sum((r.status() or {}).get('seconds', 0.0) for r in runs)
    seeds = sorted({r.seed for r in runs})
    text = [f'# Study `{study.name}`', '']
    if study.description:
        text += [study.description, '']
    if command:
        text += ['```shell', command, '```', '']
    text += [
        f'Seeds {seeds}; value = final epoch unless the column says otherwise; mean ± sample '
        f'std over the seeds (n). {len(runs) - len(failed)}/{len(runs)} runs finished, '
        f'{seconds / 60:.1f} min of training in all.',
        '',
        markdown_table(study, summaries, rows),
    ]
    if failed:
        text += ['Failed runs (see their log.txt): ' + ', '.join(failed), '']
    if study.report_extra is not None:
        text += list(study.report_extra(study, runs, work_dir, summaries))
    markdown = '\n'.join(text)
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'results.md'), 'w') as f:
        f.write(markdown)
    raw = {
        f'{g}|{a}|{m}': dict(
            values=s.values,
            mean=s.mean,
            std=s.std,
            n=s.n,
            x=s.x,
            curve_mean=s.curve_mean,
            curve_std=s.curve_std,
        )
        for (g, a, m), s in summaries.items()
    }
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump(dict(summaries=raw, verdicts=rows, failed=failed), f, indent=1)
    pngs = plot_metrics(study, summaries, work_dir)
    return dict(markdown=markdown, pngs=pngs, verdicts=rows, failed=failed)
