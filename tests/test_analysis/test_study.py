"""mmproto.analysis: aggregation (mean / std / verdicts on synthetic scalars) and a smoke run of
every registered study end to end (tools/analysis_tools/study.py --smoke) on a tiny
Fashion-MNIST-shaped dataset."""

import importlib.util
import json
import math
import os
import os.path as osp
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

from mmproto.analysis import STUDIES, Arm, Metric, Study, aggregate, markdown_table, verdicts
from mmproto.analysis.report import (
    Summary,
    compare,
    judge_claim,
    reduce_series,
    welch,
    write_report,
)
from mmproto.analysis.study import Run, merge_overrides, read_series, study_runs

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

LINEAR = 'configs/dnc/lenet5_1xb128_fashion-mnist.py'


def _study():
    arms = (Arm('m', LINEAR, group='g'), Arm('b1', LINEAR, group='g'), Arm('b2', LINEAR, group='g'))
    return Study(
        name='toy',
        arms=arms,
        metrics=(Metric('acc'), Metric('moved', reduce='sum')),
        methods=('m',),
        baselines=('b1', 'b2'),
    )


def _write_scalars(run_dir, rows):
    vis = osp.join(run_dir, '20260101_000000', 'vis_data')
    os.makedirs(vis)
    with open(osp.join(vis, 'scalars.json'), 'w') as f:
        for row in rows:
            f.write(json.dumps(row) + '\n')


def test_aggregate_mean_std_and_verdicts(tmp_path):
    study = _study()
    # final accuracies: m = 80, 82, 84 (std 2); b1 = 77, 78, 79 (std 1); b2 = 81, 82, 83
    finals = dict(m=[80, 82, 84], b1=[77, 78, 79], b2=[81, 82, 83])
    runs = []
    for arm in study.arms:
        for seed, final in enumerate(finals[arm.name]):
            run = Run(arm, seed, str(tmp_path))
            rows = [
                {'lr': 0.1, 'acc': 0.0, 'epoch': 1, 'iter': 5, 'step': 5},  # a training line
                {'acc': final - 10.0, 'moved': 3, 'step': 1},
                {'acc': float(final), 'moved': 1, 'step': 2},
            ]
            _write_scalars(run.dir, rows)
            with open(run.done_file, 'w') as f:
                json.dump(dict(rc=0, seconds=1.0), f)
            runs.append(run)
    assert read_series(runs[0].dir, study.metrics[0]) == {1.0: 70.0, 2.0: 80.0}
    report = write_report(study, runs, str(tmp_path), 'cmd')
    summaries = aggregate(study, {(r.arm.group, r.arm.name, r.seed): {
        m.name: read_series(r.dir, m) for m in study.metrics} for r in runs})  # fmt: skip
    s = summaries[('g', 'm', 'acc')]
    assert s.n == 3 and s.mean == pytest.approx(82.0) and s.std == pytest.approx(2.0)
    assert s.x == [1.0, 2.0] and s.curve_mean == pytest.approx([72.0, 82.0])
    assert s.curve_std == pytest.approx([2.0, 2.0])
    assert summaries[('g', 'b1', 'moved')].mean == pytest.approx(4.0)  # reduce='sum'
    rows = {r['baseline']: r for r in verdicts(study, summaries)}
    # m - b1 = 4 >= 2 * max(2, 1) = 4 -> better; m - b2 = 0 -> no difference
    assert rows['b1']['verdict'] == 'better' and rows['b1']['threshold'] == pytest.approx(4.0)
    assert rows['b2']['verdict'] == 'no difference'
    table = markdown_table(study, summaries, list(rows.values()))
    assert '| g | m | 82.00 ± 2.00 | 4.00 ± 0.00 | 3 |' in table
    assert '| g | m | b1 | +4.00 | 2 std | 4.00 | — | — | better |' in table
    assert report['verdicts'] == verdicts(study, summaries)
    for png in report['pngs']:
        assert osp.getsize(png) > 1000
    assert '82.00 ± 2.00' in open(tmp_path / 'results.md').read()


def test_ungrouped_single_epoch_report(tmp_path):
    """No group column when no arm has a group; one value per arm plots as bars named by arm."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmproto.analysis.report import _plot_single_points

    arms = (Arm('m', LINEAR), Arm('b', LINEAR))
    study = Study(
        name='flat', arms=arms, metrics=(Metric('acc'),), methods=('m',), baselines=('b',)
    )
    series = {('', a.name, 0): {'acc': {1.0: v}} for a, v in zip(arms, (80.0, 78.0))}
    summaries = aggregate(study, series)
    table = markdown_table(study, summaries, verdicts(study, summaries))
    assert table.startswith('| arm | acc | n |') and '| m | 80.00 | 1 |' in table
    assert '| group' not in table and '| m | b |' in table
    fig, ax = plt.subplots()
    colors = {'m': 'C0', 'b': 'C1'}
    _plot_single_points(
        ax, list(arms), [summaries[('', a.name, 'acc')] for a in arms], 'epoch', colors
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ['m', 'b']
    assert [p.get_height() for p in ax.patches] == [80.0, 78.0]
    plt.close(fig)


def test_arm_colors_agree_across_panels():
    """An arm keeps its colour in every group, whatever the group's order of arms."""
    from mmproto.analysis.report import arm_colors

    arms = (
        Arm('iter', LINEAR, group='d=2'),
        Arm('linear', LINEAR, group='d=2'),
        Arm('paper', LINEAR, group='LT'),
        Arm('etf', LINEAR, group='LT'),
        Arm('iter', LINEAR, group='LT'),
        Arm('linear', LINEAR, group='LT'),
    )
    study = Study('s', arms, (Metric('acc'),))
    assert arm_colors(study) == {'iter': 'C0', 'linear': 'C1', 'paper': 'C2', 'etf': 'C3'}


def test_compare_and_reduce_rules():
    a = Summary([80.0, 81.0, 82.0], [], [], [])
    b = Summary([79.0, 80.0, 81.0], [], [], [])
    assert compare(a, b)[2] == 'no difference'  # 1 < 2 * 1
    assert compare(a, Summary([70.0, 71.0, 72.0], [], [], []), higher_is_better=False)[2] == 'worse'
    assert compare(a, Summary([70.0], [], [], []))[2] == 'n/a (< 2 seeds)'
    assert math.isnan(Summary([1.0], [], [], []).std)
    series = {1.0: 3.0, 2.0: 1.0, 3.0: 2.0}
    assert [reduce_series(series, h) for h in ('last', 'first', 'sum', 'max', 'min')] == [
        2.0, 3.0, 6.0, 3.0, 1.0,
    ]  # fmt: skip
    assert math.isnan(reduce_series({}, 'last'))


@pytest.mark.filterwarnings('ignore:Precision loss')  # b is constant
def test_welch_hand_computed():
    # a = [2, 4], b = [1, 1]: s_a^2 / n_a = 2 / 2 = 1, s_b = 0 -> SE = 1, Δ = 2, t = 2 and
    # df = 1^2 / (1^2 / 1) = 1: Student's t with 1 df is Cauchy, two-sided p = 1 - 2 atan(t) / π
    # and t_{0.975, 1} = tan(0.475 π)
    w = welch([2.0, 4.0], [1.0, 1.0])
    assert w['delta'] == 2.0 and w['se'] == pytest.approx(1.0) and w['df'] == pytest.approx(1.0)
    assert w['t'] == pytest.approx(2.0)
    assert w['p'] == pytest.approx(1 - 2 * math.atan(2.0) / math.pi)  # 0.2952
    assert w['threshold'] == pytest.approx(math.tan(0.475 * math.pi))  # 12.71
    with pytest.raises(ValueError, match='>= 2 values'):
        welch([1.0], [1.0, 2.0])


def test_compare_uses_welch_from_five_seeds_and_judges_claims():
    # n = 10 each: a = 79, 81, ... (mean 80), b = 78, 80, ... (mean 79), s^2 = 10/9 in both:
    # SE = sqrt(2 * (10/9) / 10) = sqrt(2) / 3, df = 2 (n - 1) = 18, t = 3 / sqrt(2) = 2.121,
    # t_{0.975, 18} = 2.1009 (table) -> threshold = 0.990 < Δ = 1: better (p just below 0.05),
    # where the 2-std rule (2 sqrt(10/9) = 2.11) says "no difference"
    a, b = Summary([79.0, 81.0] * 5, [], [], []), Summary([78.0, 80.0] * 5, [], [], [])
    c = compare(a, b)
    assert c.rule == 'Welch' and c.verdict == 'better' and c.delta == pytest.approx(1.0)
    assert c.se == pytest.approx(math.sqrt(2) / 3) and c.df == pytest.approx(18.0)
    assert c.threshold == pytest.approx(2.1009 * math.sqrt(2) / 3, abs=1e-4)
    assert 0.045 < c.p < 0.05
    assert compare(b, a, higher_is_better=True).verdict == 'worse'
    assert compare(Summary(a.values[:3], [], [], []), Summary(b.values[:3], [], [], [])).rule == (
        '2 std'
    )
    # the paper's claim against this resolution (0.99)
    assert judge_claim(0.3, c) == 'below resolution'  # |1 - 0.3| < 0.99, |0.3| < 0.99
    assert judge_claim(1.5, c) == 'confirmed'  # |1 - 1.5| < 0.99 <= |1|
    assert judge_claim(3.0, c) == 'excluded'  # |1 - 3| >= 0.99
    # a claim below the resolution is still excluded by a Δ far from it (MCC on LT 0.01)
    assert judge_claim(0.3, c._replace(delta=-1.27, threshold=0.40)) == 'excluded'
    # the claim is resolvable but Δ lies between 0 and the claim
    assert judge_claim(0.3, c._replace(delta=0.15, threshold=0.26)) == 'consistent, as is 0'
    # constant arms: the difference is exact
    exact = compare(Summary([1.0] * 5, [], [], []), Summary([0.0] * 5, [], [], []))
    assert exact.verdict == 'better' and exact.threshold == 0.0 and exact.p == 0.0


def test_claims_reach_the_verdict_table():
    study = Study(
        name='toy',
        arms=(Arm('m', LINEAR), Arm('b', LINEAR)),
        metrics=(Metric('acc'),),
        methods=('m',),
        baselines=('b',),
        claims={('m', 'b'): 0.3},
    )
    summaries = {
        ('', 'm', 'acc'): Summary([79.0, 81.0] * 5, [], [], []),
        ('', 'b', 'acc'): Summary([78.0, 80.0] * 5, [], [], []),
    }
    (row,) = verdicts(study, summaries)
    assert row['claim'] == 0.3 and row['claim_verdict'] == 'below resolution'
    table = markdown_table(study, summaries, [row])
    assert '| m | b | +1.00 | Welch | 0.99 | 0.47 | 0.04' in table
    assert '| better | +0.30 | below resolution |' in table
    with pytest.raises(ValueError, match='claim'):
        Study('s', (Arm('a', LINEAR),), (Metric('acc'),), claims={('a', 'x'): 1.0})


def test_definitions_are_checked():
    with pytest.raises(ValueError, match='reduce'):
        Metric('acc', reduce='mean')
    with pytest.raises(ValueError, match='slug'):
        Arm('a b', LINEAR)
    # the plots' x axis: validation lines of an IterBasedTrainLoop are per iteration
    assert Metric('acc').x_label == 'epoch' and Metric('a', log_pattern='x').x_label == 'log line'
    seg = {m.name: m.x_label for m in STUDIES['dnc-seg-transfer'].metrics}
    assert seg['mIoU'] == 'iteration' and seg['pretrain top-1'] == 'epoch'
    with pytest.raises(ValueError, match='not arms'):
        Study('s', (Arm('a', LINEAR),), (Metric('acc'),), methods=('x',))
    with pytest.raises(ValueError, match='twice'):
        Study('s', (Arm('a', LINEAR), Arm('a', LINEAR)), (Metric('acc'),))
    merged = merge_overrides(
        dict(model=dict(head=dict(a=1, b=2)), x=1),
        dict(model=dict(head=dict(b=3)), y=dict(_delete_=True, z=1)),
    )
    assert merged == dict(model=dict(head=dict(a=1, b=3)), x=1, y=dict(_delete_=True, z=1))


def test_select_keeps_one_table_block():
    """``--groups``: the selected study holds only those groups' arms, drops methods,
    baselines and claims without an arm there, and names an unknown group or a ``needs``
    that the selection would cut."""
    arms = (
        Arm('m', LINEAR, group='A'),
        Arm('b', LINEAR, group='A'),
        Arm('m', LINEAR, group='B'),
        Arm('c', LINEAR, group='B'),
    )
    study = Study(
        's', arms, (Metric('acc'),), methods=('m',), baselines=('b', 'c'),
        claims={('m', 'b'): 0.3, ('m', 'c'): 1.0},
    )  # fmt: skip
    only_b = study.select(['B'])
    assert [(a.group, a.name) for a in only_b.arms] == [('B', 'm'), ('B', 'c')]
    assert only_b.methods == ('m',) and only_b.baselines == ('c',)
    assert only_b.claims == {('m', 'c'): 1.0} and only_b.groups == ['B']
    assert study.select(['A', 'B']).arms == study.arms
    with pytest.raises(ValueError, match=r"no group\(s\) \['C'\]"):
        study.select(['C'])
    needing = Study('n', (Arm('p', LINEAR, group='A'), Arm('f', LINEAR, group='B', needs=('A/p',))),
                    (Metric('acc'),))  # fmt: skip
    with pytest.raises(ValueError, match='needs'):
        needing.select(['B'])
    real = STUDIES['dl2pa-lt-200e'].select(['LT 0.1'])
    assert len(real.arms) == 5 and {a.group for a in real.arms} == {'LT 0.1'}


def test_log_metric_reads_every_matching_line(tmp_path):
    run_dir = tmp_path / 'run' / '20260101_000000'
    os.makedirs(run_dir)
    (run_dir / '20260101_000000.log').write_text(
        'x\nLabelPrototypeAssignmentHook: 3/10 classes changed\ny\n'
        'LabelPrototypeAssignmentHook: 0/10 classes changed\n'
    )
    metric = Metric('moved', log_pattern=r'Hook: (\d+)/\d+ classes changed')
    assert read_series(str(tmp_path / 'run'), metric) == {1.0: 3.0, 2.0: 0.0}


def test_report_tells_failed_from_unfinished_runs(tmp_path):
    """A run with an error is "failed"; one without its DONE record (not started, or still
    training beside ``--report-only``) is "unfinished"; neither counts as finished."""
    study = Study('toy', (Arm('a', LINEAR),), (Metric('acc'),), seeds=(0, 1, 2))
    runs = study_runs(study, str(tmp_path), study.seeds)
    for run, rc in zip(runs[:2], (0, 1)):
        os.makedirs(run.dir)
        with open(run.done_file, 'w') as f:
            json.dump(dict(rc=rc, seconds=60.0), f)
    report = write_report(study, runs, str(tmp_path))
    assert report['failed'] == [runs[1].slug] and report['unfinished'] == [runs[2].slug]
    assert '1/3 runs finished, 2.0 min of training' in report['markdown']
    assert f'Failed runs (see their log.txt): {runs[1].slug}' in report['markdown']
    assert f'Unfinished runs (not started or still training): {runs[2].slug}' in report['markdown']
    saved = json.load(open(tmp_path / 'results.json'))
    assert saved['unfinished'] == [runs[2].slug]


def _fake_fashion_mnist(root, n_train=1000, n_test=200):
    """idx files of random 28x28 images, labels 0..9 in turn."""
    os.makedirs(root)
    rng = np.random.default_rng(0)
    for prefix, n in (('train', n_train), ('t10k', n_test)):
        with open(osp.join(root, f'{prefix}-images-idx3-ubyte'), 'wb') as f:
            f.write(struct.pack('>IIII', 2051, n, 28, 28))
            f.write(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8).tobytes())
        with open(osp.join(root, f'{prefix}-labels-idx1-ubyte'), 'wb') as f:
            f.write(struct.pack('>II', 2049, n))
            f.write((np.arange(n) % 10).astype(np.uint8).tobytes())
    return root


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(STUDIES))
def test_study_smoke_end_to_end(name, tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        'study_tool', osp.join(REPO, 'tools', 'analysis_tools', 'study.py')
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    data = _fake_fashion_mnist(str(tmp_path / 'fm'))
    work = str(tmp_path / 'work')
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    report = tool.main([name, '--smoke', '--work-dir', work, '--data-root', data])
    study = STUDIES[name]
    assert not report['failed']
    assert len(os.listdir(osp.join(work, 'runs'))) == len(study.arms)
    assert len(report['pngs']) == len(study.metrics)
    table = open(osp.join(work, 'results.md')).read()
    grouped = any(arm.group for arm in study.arms)
    for arm in study.arms:
        assert (f'| {arm.group} | {arm.name} |' if grouped else f'| {arm.name} |') in table
    assert ('| group |' in table) is grouped  # no empty group column
    # every arm logged the study's first metric (one epoch): n = 1 everywhere
    assert table.count(' | 1 |') == len(study.arms)
    # finished runs are skipped on a second call
    again = tool.main([name, '--smoke', '--work-dir', work, '--data-root', data])
    assert again['verdicts'] == report['verdicts']


def test_groups_report_beside_the_whole_study(tmp_path):
    """``--groups`` reads the study's runs but writes its report to ``groups_<groups>/``,
    leaving the whole study's ``results.md`` alone."""
    spec = importlib.util.spec_from_file_location(
        'study_tool', osp.join(REPO, 'tools', 'analysis_tools', 'study.py')
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    work = str(tmp_path / 'work')
    os.makedirs(work)
    (tmp_path / 'work' / 'results.md').write_text('the whole study')
    report = tool.main(['dl2pa-lt-200e', '--groups', 'LT 0.1', '--report-only', '--work-dir', work])
    assert (tmp_path / 'work' / 'results.md').read_text() == 'the whole study'
    part = tmp_path / 'work' / 'groups_LT_0.1' / 'results.md'
    assert part.is_file() and '| LT 0.01 |' not in part.read_text()
    assert len(report['unfinished']) == 15 and all(
        s.startswith('LT_0.1__') for s in report['unfinished']
    )


INSTALLED_RUN = """
import json, sys
from mmproto.analysis import Arm, Metric, Study
from mmproto.analysis.study import Run, arm_config, train_run, train_tool
study = Study('installed', (Arm('linear', 'configs/dnc/lenet5_1xb128_fashion-mnist.py'),),
              (Metric('accuracy/top1'),), seeds=(0,))
status = train_run(study, Run(study.arms[0], 0, sys.argv[1]), smoke=True, data_root=sys.argv[2])
import mmproto
print(json.dumps(dict(status, tool=train_tool(), config=arm_config(study.arms[0].config),
                      package=mmproto.__file__)))
"""


@pytest.mark.slow
def test_study_runs_from_an_installed_package(tmp_path):
    """A wheel's layout (the package, configs and tools under ``mmproto/.mim``), used from
    another directory: the study finds the installed train tool and configs."""
    site = tmp_path / 'site'
    shutil.copytree(
        osp.join(REPO, 'mmproto'), site / 'mmproto', ignore=shutil.ignore_patterns('.mim')
    )
    (site / 'mmproto' / '.mim').mkdir()
    for name in ('configs', 'tools'):
        os.symlink(osp.join(REPO, name), site / 'mmproto' / '.mim' / name)
    data = _fake_fashion_mnist(str(tmp_path / 'fm'))
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site), OMP_NUM_THREADS='1')
    out = subprocess.run(
        [sys.executable, '-c', INSTALLED_RUN, str(tmp_path / 'work'), data],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    status = json.loads(out.stdout.strip().splitlines()[-1])
    mim = str(site / 'mmproto' / '.mim')
    assert status['tool'] == osp.join(mim, 'tools', 'train.py')
    assert status['config'] == osp.join(mim, 'configs', 'dnc', 'lenet5_1xb128_fashion-mnist.py')
    assert status['package'] == str(site / 'mmproto' / '__init__.py')
    log = open(tmp_path / 'work' / 'runs' / 'all__linear__s0' / 'log.txt').read()
    assert status['rc'] == 0, log[-3000:]
    assert 'Epoch(val)' in log and 'accuracy/top1' in log


def test_needs_train_first_and_reach_prepare(tmp_path, monkeypatch):
    """An arm's ``needs`` (same seed) finish before it; ``prepare`` edits its resolved config
    and sees those runs; an unknown or circular need is refused."""
    import mmproto.analysis.study as study_module

    seen = []

    def prepare(run, cfg, context):
        seen.append((run.slug, sorted(r.slug for r in context['needs'].values())))
        cfg.train_cfg.max_epochs = 7

    pre = Arm('pre', LINEAR, group='p')
    fine = Arm('fine', LINEAR, group='f', needs=('p/pre',), prepare=prepare)
    study = Study('deps', (fine, pre), (Metric('acc'),))
    order = []

    def fake_train(study_, run, smoke=False, data_root=None, in_process=False):
        if run.arm.name == 'fine':
            study_module.write_run_config(study_, run)
        order.append(run.slug)
        return dict(rc=0, seconds=0.0)

    monkeypatch.setattr(study_module, 'train_run', fake_train)
    done = study_module.run_study(study, str(tmp_path), seeds=(0, 1), jobs=2)
    assert [r.slug for r, _ in done] == ['f__fine__s0', 'f__fine__s1', 'p__pre__s0', 'p__pre__s1']
    assert order.index('p__pre__s0') < order.index('f__fine__s0')
    assert order.index('p__pre__s1') < order.index('f__fine__s1')
    assert sorted(seen) == [('f__fine__s0', ['p__pre__s0']), ('f__fine__s1', ['p__pre__s1'])]
    written = [f for f in os.listdir(tmp_path / 'runs' / 'f__fine__s0') if f.startswith('deps')]
    assert 'max_epochs=7' in open(tmp_path / 'runs' / 'f__fine__s0' / written[0]).read()
    with pytest.raises(ValueError, match='needs'):
        Study('s', (Arm('a', LINEAR, needs=('x/y',)),), (Metric('acc'),))
    loop = (Arm('a', LINEAR, needs=('/b',)), Arm('b', LINEAR, needs=('/a',)))
    with pytest.raises(ValueError, match='circular'):
        study_module.run_study(Study('loop', loop, (Metric('acc'),)), str(tmp_path / 'l'), (0,))
