"""Aggregate a study's runs: mean ± std over seeds, verdicts, markdown table, plots."""

import json
import math
import os
import os.path as osp
import re
import textwrap
from dataclasses import dataclass
from typing import Dict, List, Mapping, NamedTuple, Sequence, Tuple

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


WELCH_MIN_N = 5  # seeds per arm from which a difference is judged by Welch's t-test
ALPHA = 0.05  # two-sided level of Welch's t-test


class Comparison(NamedTuple):
    """A method arm against a baseline arm on one metric (DESIGN.md, Studies).

    ``threshold`` is the smallest ``|Δ|`` the rule calls a difference (the study's resolution):
    ``2 × the larger std`` below :data:`WELCH_MIN_N` seeds per arm, else ``t_{1-α/2, df} × SE``
    with ``SE = sqrt(s_a²/n_a + s_b²/n_b)`` the standard error of the difference of the means
    and ``df`` the Welch-Satterthwaite degrees of freedom (Welch's t-test: ``p < α`` exactly
    when ``|Δ| > threshold``). ``|Δ| < threshold`` is "no difference".
    """

    delta: float
    threshold: float
    verdict: str
    rule: str  # '2 std' or 'Welch'
    se: float = math.nan
    df: float = math.nan
    p: float = math.nan


def welch(a: Sequence[float], b: Sequence[float], alpha: float = ALPHA) -> Dict[str, float]:
    """Welch's t-test of ``mean(a) - mean(b)``: ``delta, se, df, t, p`` and ``threshold =
    t_{1-α/2, df} × se``; ``p`` from ``scipy.stats.ttest_ind(a, b, equal_var=False)``."""
    from scipy import stats

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size < 2 or b.size < 2:
        raise ValueError(f'welch needs >= 2 values per arm, got {a.size} and {b.size}')
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    delta, se = float(a.mean() - b.mean()), float(math.sqrt(va + vb))
    if se == 0.0:  # both arms constant: any difference is exact
        p = 1.0 if delta == 0 else 0.0
        return dict(delta=delta, se=0.0, df=math.inf, t=math.nan, p=p, threshold=0.0)
    df = float((va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1)))
    t, p = stats.ttest_ind(a, b, equal_var=False)
    threshold = float(stats.t.ppf(1 - alpha / 2, df) * se)
    return dict(delta=delta, se=se, df=df, t=float(t), p=float(p), threshold=threshold)


def compare(a: Summary, b: Summary, higher_is_better: bool = True) -> Comparison:
    """``a`` against ``b``: ``|Δ| < threshold`` (see :class:`Comparison`) is "no difference".

    Below :data:`WELCH_MIN_N` seeds in either arm (n = 3) the threshold is twice the larger of
    the two sample stds (the project's rule); from there on Welch's t-test at level
    :data:`ALPHA` judges the difference by the standard error of the difference of the means.
    """
    delta = a.mean - b.mean
    if a.n < 2 or b.n < 2:
        return Comparison(delta, math.nan, 'n/a (< 2 seeds)', '—')
    if min(a.n, b.n) >= WELCH_MIN_N:
        w = welch(a.values, b.values)
        threshold, rule, extra = w['threshold'], 'Welch', (w['se'], w['df'], w['p'])
    else:
        threshold, rule, extra = 2 * max(a.std, b.std), '2 std', ()
    if abs(delta) < threshold or delta == 0:
        return Comparison(delta, threshold, 'no difference', rule, *extra)
    better = (delta > 0) == higher_is_better
    return Comparison(delta, threshold, 'better' if better else 'worse', rule, *extra)


def judge_claim(claim: float, comparison: Comparison) -> str:
    """What the measured ``Δ`` says of a paper's claimed difference ``claim`` (same sign as ``Δ``).

    With ``threshold`` the study's resolution (the half-width of the interval of ``Δ`` values
    the rule cannot tell apart): ``'excluded'`` when ``|Δ - claim| >= threshold`` (the claim is
    outside that interval, whatever its size); otherwise ``'below resolution'`` when
    ``|claim| < threshold`` (the claim cannot be told from no difference), ``'confirmed'``
    when ``|Δ| >= threshold`` (consistent with the claim, and a difference), else
    ``'consistent, as is 0'`` (both the claim and no difference are within the interval)."""
    if math.isnan(comparison.threshold):
        return 'n/a'
    if abs(comparison.delta - claim) >= comparison.threshold:
        return 'excluded'
    if abs(claim) < comparison.threshold:
        return 'below resolution'
    if abs(comparison.delta) >= comparison.threshold:
        return 'confirmed'
    return 'consistent, as is 0'


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
                c = compare(a, b, metric.higher_is_better)
                row = dict(group=group, method=method, baseline=baseline, **c._asdict())
                claim = study.claims.get((method, baseline))
                if claim is not None:
                    row.update(claim=claim, claim_verdict=judge_claim(claim, c))
                rows.append(row)
    return rows


def _num(value: float, fmt: str) -> str:
    return '—' if math.isnan(value) else format(value, fmt)


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
    grouped = any(arm.group for arm in study.arms)  # no empty group column
    first = ['group', 'arm'] if grouped else ['arm']
    lines = [
        '| ' + ' | '.join(first + names) + ' | n |',
        '|' + '---|' * (len(first) + len(names) + 1),
    ]
    for arm in study.arms:
        cells = [_cell(summaries[(arm.group, arm.name, m.name)], m.fmt) for m in study.metrics]
        n = max(summaries[(arm.group, arm.name, m.name)].n for m in study.metrics)
        row = [arm.group, arm.name] if grouped else [arm.name]
        lines.append('| ' + ' | '.join(row + cells) + f' | {n} |')
    if rows:
        metric = study.metrics[0]
        claims = any('claim' in r for r in rows)
        lines += [
            '',
            f'Verdicts on {metric.name} (final value): |Δ| < threshold is "no difference"; '
            f"threshold = 2 × the larger std below {WELCH_MIN_N} seeds per arm, else Welch's "
            f't-test (α = {ALPHA}): t(1-α/2, df) × SE of the difference of the means.',
            '',
            ('| group ' if grouped else '')
            + '| method | baseline | Δ | rule | threshold | SE | p | verdict |'
            + (" paper's Δ | claim |" if claims else ''),
            '|---' * (9 if grouped else 8) + '|' + ('---|---|' if claims else ''),
        ]
        for r in rows:
            line = (
                (f'| {r["group"]} ' if grouped else '')
                + f'| {r["method"]} | {r["baseline"]} | {r["delta"]:+.2f} | '
                f'{r["rule"]} | {_num(r["threshold"], ".2f")} | {_num(r["se"], ".2f")} | '
                f'{_num(r["p"], ".3g")} | {r["verdict"]} |'
            )
            if claims:
                claim = r.get('claim')
                line += ' — | — |' if claim is None else f' {claim:+.2f} | {r["claim_verdict"]} |'
            lines.append(line)
    return '\n'.join(lines) + '\n'


def arm_colors(study: Study) -> Dict[str, str]:
    """One colour per arm name, the same in every panel (groups may list their arms in another
    order or leave some out): matplotlib's cycle ``C0, C1, ...`` in order of first appearance."""
    names = dict.fromkeys(a.name for a in study.arms)
    return {name: f'C{i % 10}' for i, name in enumerate(names)}


def _plot_single_points(ax, arms, series, x_label: str, colors: Mapping[str, str]) -> None:
    """One value per arm (e.g. a one-epoch smoke run): bars with the arm names on the x axis
    instead of a curve of one point."""
    names = [a.name for a, s in zip(arms, series) if s.x]
    kept = [s for s in series if s.x]
    means = [s.curve_mean[-1] for s in kept]
    stds = [s.curve_std[-1] for s in kept]
    colors = [colors[name] for name in names]
    ax.bar(range(len(kept)), means, yerr=stds, color=colors, alpha=0.8)
    ax.set_xticks(range(len(kept)))
    ax.set_xticklabels(names, rotation=30, ha='right', fontsize=7)
    if kept:
        ax.set_xlabel(f'at {x_label} {kept[0].x[-1]:g}', fontsize=8)


def plot_metrics(
    study: Study, summaries: Mapping[Key, Summary], out_dir: str, dpi: int = 80
) -> List[str]:
    """One PNG per metric: a panel per group, a line per arm (mean over seeds, ± std shaded)."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    groups, paths, colors = study.groups, [], arm_colors(study)
    # one panel still leaves room for the legend column and a two-line title
    width = max(3.2 * len(groups) + 0.8, 4.8)
    for metric in study.metrics:
        fig, axes = plt.subplots(1, len(groups), figsize=(width, 3.2), squeeze=False)
        for ax, group in zip(axes[0], groups):
            arms = [a for a in study.arms if a.group == group]
            series = [summaries[(group, a.name, metric.name)] for a in arms]
            if max((len(s.x) for s in series), default=0) == 1:
                _plot_single_points(ax, arms, series, metric.x_label, colors)
            else:
                for arm, s in zip(arms, series):
                    if not s.x:
                        continue
                    x, m, sd = np.array(s.x), np.array(s.curve_mean), np.array(s.curve_std)
                    color = colors[arm.name]
                    ax.plot(
                        x, m, marker='o' if len(x) < 20 else None, ms=3, label=arm.name,
                        color=color,
                    )  # fmt: skip
                    ax.fill_between(x, m - sd, m + sd, color=color, alpha=0.2, lw=0)
                ax.xaxis.get_major_locator().set_params(integer=True)
                ax.set_xlabel(metric.x_label, fontsize=8)
            ax.set_title(group or study.name, fontsize=9)
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
        title = f'{study.name}: {metric.name} (mean ± std over seeds)'
        # ~11 characters of 9-pt text per inch: wrap instead of running off the figure
        fig.suptitle(textwrap.fill(title, width=int(width * 11)), fontsize=9)
        fig.tight_layout(rect=(0, 0, 1 - 1.0 / width, 1))
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
    ``work_dir``; returns ``dict(markdown=..., pngs=[...], verdicts=[...], failed=[...],
    unfinished=[...])``: ``failed`` ended with an error, ``unfinished`` have no ``DONE`` record
    (not started yet, or still training: ``--report-only`` beside a running study)."""
    summaries = aggregate(study, collect(study, runs))
    rows = verdicts(study, summaries)
    status = {r.slug: r.status() for r in runs}
    unfinished = [slug for slug, s in status.items() if s is None]
    failed = [slug for slug, s in status.items() if s is not None and s.get('rc', 1) != 0]
    seconds = sum(s.get('seconds', 0.0) for s in status.values() if s is not None)
    seeds = sorted({r.seed for r in runs})
    text = [f'# Study `{study.name}`', '']
    if study.description:
        text += [study.description, '']
    if command:
        text += ['```shell', command, '```', '']
    text += [
        f'Seeds {seeds}; value = final epoch unless the column says otherwise; mean ± sample '
        f'std over the seeds (n). {len(runs) - len(failed) - len(unfinished)}/{len(runs)} runs '
        f'finished, {seconds / 60:.1f} min of training in all.',
        '',
        markdown_table(study, summaries, rows),
    ]
    if failed:
        text += ['Failed runs (see their log.txt): ' + ', '.join(failed), '']
    if unfinished:
        text += ['Unfinished runs (not started or still training): ' + ', '.join(unfinished), '']
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
        json.dump(
            dict(summaries=raw, verdicts=rows, failed=failed, unfinished=unfinished), f, indent=1
        )
    pngs = plot_metrics(study, summaries, work_dir)
    return dict(markdown=markdown, pngs=pngs, verdicts=rows, failed=failed, unfinished=unfinished)
