"""A study: arms (a config + overrides) × seeds, each trained by ``tools/train.py``.

Works from a source checkout and from an installed package alike: relative arm configs
(``configs/...``) and data roots are read from the checkout, or, installed, from the package's
``.mim/configs`` and the working directory; the train tool is the checkout's
``tools/train.py`` or the installed ``mmproto/.mim/tools/train.py`` (:func:`train_tool`).

Every run gets its own directory ``WORK_DIR/runs/<group>__<arm>__s<seed>`` holding the recipe
(``recipe.py``: ``_base_`` = the arm's config + the study's and the arm's overrides + the seed),
the resolved config that was trained, mmengine's logs (``*/vis_data/scalars.json``) and a
``DONE`` marker (json: return code, seconds). Finished runs are skipped, so an interrupted study
resumes where it stopped; an unfinished run is restarted from scratch.
"""

import contextlib
import copy
import importlib.util
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
_CHECKOUT = osp.dirname(_PACKAGE_DIR)
REDUCTIONS = ('last', 'first', 'sum', 'max', 'min')
# mmengine resolves `package::` bases through pkg_resources, which is not thread-safe
# (--jobs N writes configs from N threads): one config is read at a time
_CONFIG_LOCK = threading.Lock()


@dataclass(frozen=True)
class Metric:
    """One measured quantity of a run.

    Args:
        key: the scalar's name in ``vis_data/scalars.json`` (the per-epoch validation lines,
            x = epoch), e.g. ``'accuracy/top1'`` or ``'mcc_sigma'``.
        label: name in tables and plots (default ``key``).
        reduce: how the per-run series becomes the table's value: ``'last'`` (final epoch),
            ``'first'``, ``'sum'``, ``'max'`` or ``'min'``.
        log_pattern: read the series from the run's text log instead: one value (the regex's
            first group) per matching line, x = 1, 2, ... (e.g. one per assignment update).
        higher_is_better: direction used by the verdicts (only the study's first metric).
        fmt: number format in the table.
        x_unit: the x axis of the series in plots; default ``'epoch'`` (``'log line'`` with
            ``log_pattern``). ``'iteration'`` for the validation lines of an
            ``IterBasedTrainLoop``, whose ``step`` is the iteration.
    """

    key: str
    label: Optional[str] = None
    reduce: str = 'last'
    log_pattern: Optional[str] = None
    higher_is_better: bool = True
    fmt: str = '.2f'
    x_unit: Optional[str] = None

    def __post_init__(self):
        if self.reduce not in REDUCTIONS:
            raise ValueError(f'Metric.reduce must be one of {REDUCTIONS}, got {self.reduce!r}')
        if self.log_pattern is not None:
            re.compile(self.log_pattern)

    @property
    def name(self) -> str:
        return self.label or self.key

    @property
    def x_label(self) -> str:
        if self.x_unit is not None:
            return self.x_unit
        return 'log line' if self.log_pattern else 'epoch'


@dataclass(frozen=True)
class Arm:
    """One trained variant.

    Args:
        name: short slug (also a directory name), e.g. ``'dl2pa-paper-epoch'``.
        config: the config file, relative to the repository root (or absolute).
        overrides: top-level config fields written after ``_base_`` (mmengine inheritance:
            nested dicts merge, ``_delete_=True`` replaces); merged over the study's.
        group: table block / plot panel (e.g. ``'d=3'`` or ``'LT 0.01'``).
        smoke_overrides: merged last in a ``--smoke`` run (e.g. a long-tail head-class size
            that fits the tiny subset).
        needs: ``'group/name'`` of arms whose run with the same seed must finish first (e.g.
            the pretraining a fine-tuning starts from).
        prepare: ``prepare(run, cfg, context)`` edits the resolved config of a run in place
            just before it is written (``context``: ``data_root``, ``smoke`` and ``needs``,
            the needed :class:`Run` by spec); an exception fails the run.
    """

    name: str
    config: str
    overrides: Dict = field(default_factory=dict)
    group: str = ''
    smoke_overrides: Dict = field(default_factory=dict)
    needs: Tuple[str, ...] = ()
    prepare: Optional[Callable] = None

    def __post_init__(self):
        if not re.fullmatch(r'[A-Za-z0-9][A-Za-z0-9_.+-]*', self.name):
            raise ValueError(f'Arm.name must be a slug ([A-Za-z0-9_.+-]), got {self.name!r}')


@dataclass(frozen=True)
class Study:
    """Arms × seeds, the metrics read from each run, and which arms to compare.

    Args:
        name: the command-line name. arms: the variants (names unique within a group).
        metrics: what to collect; the first is the one the verdicts compare.
        methods, baselines: arm names; in each group every method present is compared with
            every baseline present (``report.compare``: 2 std at n = 3, Welch from 5 seeds).
        seeds: default seeds. overrides: config fields applied to every arm (the shared
            schedule and data), below the arm's own.
        claims: ``{(method, baseline): Δ}``, the paper's claimed difference of the first metric;
            each verdict then says whether the measured Δ excludes, confirms or cannot resolve it
            (``report.judge_claim``).
        smoke_overrides: extra fields of a ``--smoke`` run (default: 1 epoch, no workers);
            ``smoke_train_size`` / ``smoke_val_size`` cut the innermost train / val datasets.
        description: one paragraph for ``results.md``.
        report_extra: ``report_extra(study, runs, work_dir, summaries)`` -> markdown lines
            appended to ``results.md`` (e.g. pictures of the trained models).
    """

    name: str
    arms: Tuple[Arm, ...]
    metrics: Tuple[Metric, ...]
    methods: Tuple[str, ...] = ()
    baselines: Tuple[str, ...] = ()
    seeds: Tuple[int, ...] = (0, 1, 2)
    overrides: Dict = field(default_factory=dict)
    claims: Dict[Tuple[str, str], float] = field(default_factory=dict)
    smoke_overrides: Dict = field(
        default_factory=lambda: dict(train_cfg=dict(max_epochs=1), param_scheduler=dict(T_max=1))
    )
    smoke_train_size: int = 1000
    smoke_val_size: int = 200
    description: str = ''
    report_extra: Optional[Callable] = None

    def __post_init__(self):
        if not self.arms or not self.metrics:
            raise ValueError(f'study {self.name!r} needs at least one arm and one metric')
        seen = set()
        for arm in self.arms:
            if (arm.group, arm.name) in seen:
                raise ValueError(f'study {self.name!r}: arm {arm.name!r} twice in {arm.group!r}')
            seen.add((arm.group, arm.name))
        for arm in self.arms:
            unknown = [s for s in arm.needs if tuple(s.split('/', 1)) not in seen]
            if unknown:
                raise ValueError(f'study {self.name!r}: arm {arm.name!r} needs {unknown}')
        names = {a.name for a in self.arms}
        for role in ('methods', 'baselines'):
            unknown = set(getattr(self, role)) - names
            if unknown:
                raise ValueError(f'study {self.name!r}: {role} {sorted(unknown)} are not arms')
        for method, baseline in self.claims:
            if method not in self.methods or baseline not in self.baselines:
                raise ValueError(
                    f'study {self.name!r}: claim ({method!r}, {baseline!r}) is not a '
                    '(method, baseline) pair'
                )

    @property
    def groups(self) -> List[str]:
        return list(dict.fromkeys(a.group for a in self.arms))

    def select(self, groups: Sequence[str]) -> 'Study':
        """This study restricted to the arms of ``groups`` (e.g. ``['LT 0.1']``): train or
        report one table block on its own. An unknown group, or an arm whose ``needs`` lie
        outside ``groups``, is a ``ValueError``."""
        unknown = [g for g in groups if g not in self.groups]
        if unknown:
            raise ValueError(
                f'study {self.name!r} has no group(s) {unknown}; its groups: {self.groups}'
            )
        arms = tuple(a for a in self.arms if a.group in groups)
        names = {a.name for a in arms}
        return replace(
            self,
            arms=arms,
            methods=tuple(m for m in self.methods if m in names),
            baselines=tuple(b for b in self.baselines if b in names),
            claims={k: v for k, v in self.claims.items() if k[0] in names and k[1] in names},
        )


def group_slug(group: str) -> str:
    """``group`` as a file-name part: ``'LT 0.1'`` -> ``'LT_0.1'``."""
    return re.sub(r'[^A-Za-z0-9_.+-]+', '', group.replace(' ', '_'))


@dataclass(frozen=True)
class Run:
    """One arm trained with one seed in ``work_dir/runs/<slug>``."""

    arm: Arm
    seed: int
    work_dir: str

    @property
    def slug(self) -> str:
        return f'{group_slug(self.arm.group) or "all"}__{self.arm.name}__s{self.seed}'

    @property
    def dir(self) -> str:
        return osp.join(self.work_dir, 'runs', self.slug)

    @property
    def done_file(self) -> str:
        return osp.join(self.dir, 'DONE')

    def status(self) -> Optional[dict]:
        """The ``DONE`` record (``rc``, ``seconds``) of a finished run, else ``None``."""
        if not osp.isfile(self.done_file):
            return None
        with open(self.done_file) as f:
            return json.load(f)


def merge_overrides(base: Dict, update: Dict) -> Dict:
    """``update`` merged into a copy of ``base`` (nested dicts merge; ``_delete_`` replaces)."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if (
            isinstance(value, dict)
            and isinstance(out.get(key), dict)
            and not value.get('_delete_', False)
        ):
            out[key] = merge_overrides(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _innermost(dataset: dict) -> List[dict]:
    """The innermost dataset dicts: through wrappers (``dataset``: LongTailDataset,
    CoarseLabelDataset, RepeatDataset) and both halves of a ``QueryGalleryDataset``."""
    if isinstance(dataset.get('query'), dict):
        parts = [dataset['query'], dataset.get('gallery')]
        return [leaf for part in parts if isinstance(part, dict) for leaf in _innermost(part)]
    while isinstance(dataset.get('dataset'), dict):
        dataset = dataset['dataset']
    return [dataset]


def in_checkout() -> bool:
    """Whether mmproto runs from a source checkout (``setup.py`` and ``tools/`` beside it)."""
    return osp.isfile(osp.join(_CHECKOUT, 'setup.py')) and osp.isdir(osp.join(_CHECKOUT, 'tools'))


def project_root() -> str:
    """What relative data roots are relative to: the checkout, else the working directory."""
    return _CHECKOUT if in_checkout() else os.getcwd()


def tool_path(script: str) -> str:
    """``tools/<script>`` of the checkout, else of the installed package (``.mim/tools``)."""
    root = _CHECKOUT if in_checkout() else osp.join(_PACKAGE_DIR, '.mim')
    path = osp.join(root, 'tools', script)
    if not osp.isfile(path):
        raise FileNotFoundError(f'no tool at {path}; reinstall mmproto (pip install .)')
    return path


def train_tool() -> str:
    """``tools/train.py`` of the checkout, else of the installed package (``.mim/tools``)."""
    return tool_path('train.py')


def arm_config(config: str) -> str:
    """Absolute path of an :class:`Arm`'s config: absolute as given, ``package::path``, or
    relative to the checkout (installed: ``configs/X`` from the package's configs, anything
    else from the working directory)."""
    from mmproto.utils.package_scope import configs_root, resolve_config_path

    if '::' in config:
        return resolve_config_path(config)
    if osp.isabs(config):
        return config
    if in_checkout():
        return osp.join(_CHECKOUT, config)
    head, _, rest = config.partition('/')
    return osp.join(configs_root(), rest) if head == 'configs' else osp.abspath(config)


def write_run_config(
    study: Study, run: Run, smoke: bool = False, data_root: Optional[str] = None
) -> str:
    """Write ``recipe.py`` and the resolved, trained config of ``run``; returns the latter.

    Data roots become absolute (runs start in the study's work dir, where relative caches such
    as ``data/prototypes`` land); ``data_root`` replaces the innermost datasets' roots.
    """
    from mmengine.config import Config

    config = arm_config(run.arm.config)
    if not osp.isfile(config):
        raise FileNotFoundError(f'arm {run.arm.name!r}: config {config!r} not found')
    fields = merge_overrides(study.overrides, run.arm.overrides)
    if smoke:
        fields = merge_overrides(fields, study.smoke_overrides)
        fields = merge_overrides(fields, run.arm.smoke_overrides)
    fields = merge_overrides(fields, dict(randomness=dict(seed=run.seed)))
    os.makedirs(run.dir, exist_ok=True)
    recipe = osp.join(run.dir, 'recipe.py')
    with open(recipe, 'w') as f:
        f.write(f'# study {study.name}, arm {run.arm.name}, group {run.arm.group!r}\n')
        f.write(f'_base_ = {config!r}\n')
        for key, value in fields.items():
            f.write(f'{key} = {value!r}\n')
    with _CONFIG_LOCK:
        cfg = Config.fromfile(recipe)
    for loader_key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(loader_key)
        if not loader:
            continue
        for inner in _innermost(loader['dataset']):
            if data_root is not None and 'data_root' in inner:
                inner['data_root'] = osp.abspath(data_root)
            elif isinstance(inner.get('data_root'), str) and not osp.isabs(inner['data_root']):
                inner['data_root'] = osp.join(project_root(), inner['data_root'])
            if smoke:
                size = study.smoke_train_size if loader_key == 'train_dataloader' else None
                inner['indices'] = size or study.smoke_val_size
        if smoke:
            loader['num_workers'], loader['persistent_workers'] = 0, False
    if run.arm.prepare is not None:
        needs = {s: needed_run(study, run, s) for s in run.arm.needs}
        run.arm.prepare(run, cfg, dict(data_root=data_root, smoke=smoke, needs=needs))
    path = osp.join(run.dir, f'{study.name}__{run.slug}.py')  # unique experiment name
    cfg.dump(path)
    return path


def _train_in_process(config: str, run: Run) -> int:
    spec = importlib.util.spec_from_file_location('_mmproto_train_tool', train_tool())
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    cwd = os.getcwd()
    # the run's output (config dump, training log) goes to its log.txt, as in a subprocess
    with open(osp.join(run.dir, 'log.txt'), 'w') as log:
        try:
            os.chdir(run.work_dir)
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                tool.main([config, '--work-dir', run.dir])
            return 0
        except Exception:  # recorded in the run's log; the study reports the failed run
            log.write(traceback.format_exc())
            return 1
        finally:
            os.chdir(cwd)


def _train_subprocess(config: str, run: Run) -> int:
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    if in_checkout():  # the checkout's mmproto, also when it is not installed
        env['PYTHONPATH'] = os.pathsep.join(p for p in (_CHECKOUT, env.get('PYTHONPATH')) if p)
    with open(osp.join(run.dir, 'log.txt'), 'w') as log:
        proc = subprocess.run(
            [sys.executable, train_tool(), config, '--work-dir', run.dir],
            cwd=run.work_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return proc.returncode


def train_run(
    study: Study,
    run: Run,
    smoke: bool = False,
    data_root: Optional[str] = None,
    in_process: bool = False,
) -> dict:
    """Train ``run`` unless it is done; returns its ``DONE`` record (``rc`` 0 = success)."""
    status = run.status()
    if status is not None and status['rc'] == 0:
        return dict(status, skipped=True)
    if osp.isdir(run.dir):
        shutil.rmtree(run.dir)  # unfinished or failed: start over
    start = time.time()
    try:
        config = write_run_config(study, run, smoke, data_root)
    except Exception:  # e.g. a failed run it needs: recorded, the others go on
        os.makedirs(run.dir, exist_ok=True)
        with open(osp.join(run.dir, 'log.txt'), 'a') as f:
            f.write(traceback.format_exc())
        config = None
    rc = (
        1
        if config is None
        else (_train_in_process if in_process else _train_subprocess)(config, run)
    )
    status = dict(
        arm=run.arm.name, group=run.arm.group, seed=run.seed, rc=rc, seconds=time.time() - start
    )
    with open(run.done_file, 'w') as f:
        json.dump(status, f)
    return status


def needed_run(study: Study, run: Run, spec: str) -> Run:
    """The run of the arm ``spec`` (``'group/name'``) with ``run``'s seed."""
    group, name = spec.split('/', 1)
    arm = next(a for a in study.arms if (a.group, a.name) == (group, name))
    return Run(arm, run.seed, run.work_dir)


def study_runs(study: Study, work_dir: str, seeds: Optional[Sequence[int]] = None) -> List[Run]:
    seeds = study.seeds if seeds is None else tuple(seeds)
    return [Run(arm, seed, osp.abspath(work_dir)) for arm in study.arms for seed in seeds]


def run_study(
    study: Study,
    work_dir: str,
    seeds: Optional[Sequence[int]] = None,
    smoke: bool = False,
    jobs: int = 1,
    data_root: Optional[str] = None,
    in_process: bool = False,
    progress: Optional[Callable[[Run, dict], None]] = None,
) -> List[Tuple[Run, dict]]:
    """Train every arm × seed (``jobs`` subprocesses at a time, or sequentially in this
    process); returns ``(run, DONE record)`` in the study's order."""
    if in_process and jobs != 1:
        raise ValueError('in_process runs train one after the other: use jobs=1')
    if jobs < 1:
        raise ValueError(f'jobs must be >= 1, got {jobs}')
    runs = study_runs(study, work_dir, seeds)
    os.makedirs(osp.join(osp.abspath(work_dir), 'runs'), exist_ok=True)

    def one(run: Run) -> dict:
        status = train_run(study, run, smoke, data_root, in_process)
        if progress is not None:
            progress(run, status)
        return status

    # waves: a run trains once every run it needs has finished
    statuses: Dict[str, dict] = {}
    todo = list(runs)
    while todo:
        wave = [
            r for r in todo if all(needed_run(study, r, s).slug in statuses for s in r.arm.needs)
        ]
        if not wave:
            raise ValueError(f'study {study.name!r}: circular needs among {[r.slug for r in todo]}')
        if jobs == 1:
            done = [one(r) for r in wave]
        else:
            with ThreadPoolExecutor(jobs) as pool:
                done = list(pool.map(one, wave))
        statuses.update((r.slug, s) for r, s in zip(wave, done))
        todo = [r for r in todo if r.slug not in statuses]
    return [(r, statuses[r.slug]) for r in runs]


def _latest(run_dir: str, *parts: str) -> Optional[str]:
    stamps = (
        sorted(d for d in os.listdir(run_dir) if osp.isfile(osp.join(run_dir, d, *parts)))
        if osp.isdir(run_dir)
        else []
    )
    return osp.join(run_dir, stamps[-1], *parts) if stamps else None


def read_series(run_dir: str, metric: Metric) -> Dict[float, float]:
    """``{x: value}`` of ``metric`` in one run: per epoch from the validation lines of the
    newest ``vis_data/scalars.json``, or per matching line of the text log (``log_pattern``)."""
    if metric.log_pattern is not None:
        logs = sorted(
            osp.join(run_dir, d, f)
            for d in (os.listdir(run_dir) if osp.isdir(run_dir) else [])
            if osp.isdir(osp.join(run_dir, d))
            for f in os.listdir(osp.join(run_dir, d))
            if f.endswith('.log')
        )
        if not logs:
            return {}
        pattern = re.compile(metric.log_pattern)
        values = []
        with open(logs[-1]) as f:
            for line in f:
                m = pattern.search(line)
                if m:
                    values.append(float(m.group(1)))
        return {float(i + 1): v for i, v in enumerate(values)}
    path = _latest(run_dir, 'vis_data', 'scalars.json')
    if path is None:
        return {}
    series = {}
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if 'iter' in record or metric.key not in record:  # training lines carry 'iter'
                continue
            series[float(record['step'])] = float(record[metric.key])
    return series
