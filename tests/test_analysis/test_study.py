"""mmproto.analysis: aggregation (mean / std / verdicts on synthetic scalars) and a smoke run of
every registered study end to end (tools/analysis_tools/study.py --smoke) on a tiny
Fashion-MNIST-shaped dataset."""

import importlib.util
import json
import math
import os
import os.path as osp
import struct

import numpy as np
import pytest

from mmproto.analysis import STUDIES, Arm, Metric, Study, aggregate, markdown_table, verdicts
from mmproto.analysis.report import compare, reduce_series, write_report
from mmproto.analysis.study import REPO, Run, merge_overrides, read_series

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
    assert '| g | m | b1 | +4.00 | 4.00 | better |' in table
    assert report['verdicts'] == verdicts(study, summaries)
    for png in report['pngs']:
        assert osp.getsize(png) > 1000
    assert '82.00 ± 2.00' in open(tmp_path / 'results.md').read()


def test_compare_and_reduce_rules():
    from mmproto.analysis.report import Summary

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


def test_definitions_are_checked():
    with pytest.raises(ValueError, match='reduce'):
        Metric('acc', reduce='mean')
    with pytest.raises(ValueError, match='slug'):
        Arm('a b', LINEAR)
    with pytest.raises(ValueError, match='not arms'):
        Study('s', (Arm('a', LINEAR),), (Metric('acc'),), methods=('x',))
    with pytest.raises(ValueError, match='twice'):
        Study('s', (Arm('a', LINEAR), Arm('a', LINEAR)), (Metric('acc'),))
    merged = merge_overrides(
        dict(model=dict(head=dict(a=1, b=2)), x=1),
        dict(model=dict(head=dict(b=3)), y=dict(_delete_=True, z=1)),
    )
    assert merged == dict(model=dict(head=dict(a=1, b=3)), x=1, y=dict(_delete_=True, z=1))


def test_log_metric_reads_every_matching_line(tmp_path):
    run_dir = tmp_path / 'run' / '20260101_000000'
    os.makedirs(run_dir)
    (run_dir / '20260101_000000.log').write_text(
        'x\nLabelPrototypeAssignmentHook: 3/10 classes changed\ny\n'
        'LabelPrototypeAssignmentHook: 0/10 classes changed\n'
    )
    metric = Metric('moved', log_pattern=r'Hook: (\d+)/\d+ classes changed')
    assert read_series(str(tmp_path / 'run'), metric) == {1.0: 3.0, 2.0: 0.0}


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
    for arm in study.arms:
        assert f'| {arm.group} | {arm.name} |' in table
    # every arm logged the study's first metric (one epoch): n = 1 everywhere
    assert table.count(' | 1 |') == len(study.arms)
    # finished runs are skipped on a second call
    again = tool.main([name, '--smoke', '--work-dir', work, '--data-root', data])
    assert again['verdicts'] == report['verdicts']


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
