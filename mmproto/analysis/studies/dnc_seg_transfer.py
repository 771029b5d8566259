"""``dnc-seg-transfer``: DNC head and DNC-pretrained backbone in segmentation (DNC Table 3).

DNC's claims (§4.2, Tables 3, 9, 12): a DNC decode head beats the parametric one on the same
backbone, and a backbone pretrained with DNC transfers better than one pretrained with the
linear head. The chain as a user runs it: the small greyscale ResNet-18 (16 base channels) of
``configs/dnc/*resnet18-w16*`` is pretrained on Fashion-MNIST with the linear head and with
DNC (group ``pretrain``); each checkpoint goes through ``tools/model_converters/dnc2mmseg.py``
into the FCN / DNC-FCN of ``configs/dnc_seg/*_{lin,dnc}-r18-w16-d8_*_fashion-mnist-scenes-64x64.py``
(the checkpoint path replaced by the converted file), fine-tuned on the Fashion-MNIST scenes, as
is the same segmentor from scratch (``*_r18-w16-d8_*``) (groups ``scratch``,
``linear-pretrained``, ``DNC-pretrained``; arms ``fcn`` and ``dnc-fcn``). The scenes are composed
into the study's work dir by ``tools/dataset_converters/prepare_fashion_mnist_scenes.py`` from
the Fashion-MNIST idx files (``--data-root``, default ``data/fashion_mnist``). One more arm,
``scratch/dnc-fcn-majority``, tests one hypothesis: DNC-FCN with ``label_downsample='majority'``.
Expected wall time with ``--jobs 2`` on an idle 2-core CPU: about 35 min (27 runs; CPU time per
iteration measured 0.072 s FCN, 0.075 s DNC-FCN, 0.045 / 0.063 s linear / DNC pretraining).
After the runs, ``tools/analysis_tools/dnc_seg_qualitative.py`` draws one picture grid per group
(seed 0).
"""

import os
import os.path as osp
import subprocess
import sys
import threading
from typing import Dict, List

from ..report import compare
from ..study import Arm, Metric, Run, Study, arm_config, in_checkout, project_root, tool_path
from ._fashion_mnist import schedule

PRETRAIN = {
    'linear': 'configs/dnc/resnet18-w16_1xb128_fashion-mnist.py',
    'dnc': 'configs/dnc/dnc_resnet18-w16_1xb128_fashion-mnist.py',
}
SEG_CONFIG = 'configs/dnc_seg/{head}_{init}r18-w16-d8_1xb8-2k_fashion-mnist-scenes-64x64.py'
HEADS = ('fcn', 'dnc-fcn')
# group -> (config infix, the pretraining run it starts from)
INITS = {
    'scratch': ('', None),
    'linear-pretrained': ('lin-', 'pretrain/linear'),
    'DNC-pretrained': ('dnc-', 'pretrain/dnc'),
}
PRETRAIN_EPOCHS = 3  # the pretraining configs' schedule: 3 x 469 iterations of batch 128
SEG_ITERS = 2000  # the segmentation configs' schedule (batch 8), validated every 500
SCENES = dict(num_train=2000, num_val=200, seed=0)
SMOKE_SCENES = dict(num_train=16, num_val=8, seed=0)
SMOKE_ITERS = 4
CLASSES = (
    'background', 'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
    'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
)  # fmt: skip
_SCENES_LOCK = threading.Lock()


def run_tool(script: str, args: List[str], log: str) -> None:
    """Run ``python tools/<script> args`` (as a user would), appending its output to ``log``."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    root = project_root()
    if in_checkout():  # the tool imports this checkout's mmproto
        env['PYTHONPATH'] = os.pathsep.join(p for p in (root, env.get('PYTHONPATH')) if p)
    os.makedirs(osp.dirname(log), exist_ok=True)
    with open(log, 'a') as f:
        f.write(f'$ python tools/{script} {" ".join(args)}\n')
        f.flush()
        proc = subprocess.run(
            [sys.executable, tool_path(script), *args],
            stdout=f, stderr=subprocess.STDOUT, env=env, cwd=root,
        )  # fmt: skip
    if proc.returncode:
        raise RuntimeError(f'tools/{script} failed (rc {proc.returncode}), see {log}')


def scenes_root(work_dir: str, data_root, smoke: bool) -> str:
    """The study's scenes (composed once per work dir) from the Fashion-MNIST idx files."""
    out = osp.join(work_dir, 'data', 'fashion_mnist_scenes')
    with _SCENES_LOCK:
        if not osp.isfile(osp.join(out, 'DONE')):
            src = data_root or osp.join(project_root(), 'data', 'fashion_mnist')
            sizes = SMOKE_SCENES if smoke else SCENES
            args = ['--src', osp.abspath(src), '--out', out]
            args += [f'--{k.replace("_", "-")}={v}' for k, v in sizes.items()]
            run_tool('dataset_converters/prepare_fashion_mnist_scenes.py', args, out + '.log')
            open(osp.join(out, 'DONE'), 'w').close()
    return out


def prepare_segmentation(run: Run, cfg, context: Dict) -> None:
    """Scenes as the data of ``run``; a pretrained arm's backbone from its pretraining run of
    the same seed, converted by ``dnc2mmseg.py`` into the run's directory."""
    root = scenes_root(run.work_dir, context['data_root'], context['smoke'])
    if cfg.get('visualizer'):  # mmseg names its visualizer: one instance per run, not shared
        cfg.visualizer.pop('name', None)  # by the runs of one process (--smoke)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key):
            cfg[key]['dataset']['data_root'] = root
    for spec, pre in context['needs'].items():
        status = pre.status()
        if status is None or status['rc'] != 0:
            raise RuntimeError(f'the pretraining run {pre.slug} ({spec}) did not finish')
        with open(osp.join(pre.dir, 'last_checkpoint')) as f:
            src = f.read().strip()
        dst = osp.join(run.dir, 'backbone.pth')
        config = arm_config(run.arm.config)
        run_tool('model_converters/dnc2mmseg.py', [src, dst, '--config', config], dst + '.log')
        cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=dst, prefix='backbone.')


def _seg_schedule(iters: int) -> Dict:
    return dict(
        train_cfg=dict(max_iters=iters, val_interval=iters // 4 or 1),
        param_scheduler=[dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=iters,
                              by_epoch=False)],
        default_hooks=dict(checkpoint=dict(interval=iters, max_keep_ckpts=1),
                           logger=dict(interval=min(50, iters))),
    )  # fmt: skip


def _arms():
    # full runs: the configs' own schedules; --smoke: 1 epoch / 4 iterations
    for name, config in PRETRAIN.items():
        yield Arm(name, config, {}, 'pretrain', schedule(1))
    for group, (infix, need) in INITS.items():
        for head in HEADS:
            config = SEG_CONFIG.format(head=head, init=infix)
            yield Arm(
                head, config, {}, group, _seg_schedule(SMOKE_ITERS),
                needs=(need,) if need else (), prepare=prepare_segmentation,
            )  # fmt: skip
    # one hypothesis: nearest label downsampling (one pixel per 8x8 cell) feeds DNC's clustering
    # wrong labels on item cells (34 % of them on the scenes); the majority label instead
    majority = dict(model=dict(decode_head=dict(label_downsample='majority')))
    yield Arm(
        'dnc-fcn-majority', SEG_CONFIG.format(head='dnc-fcn', init=''), majority, 'scratch',
        _seg_schedule(SMOKE_ITERS), prepare=prepare_segmentation,
    )  # fmt: skip


def _class_metric(name: str) -> Metric:
    import re

    pattern = r'^\|\s*' + re.escape(name) + r'\s*\|\s*([-\d.]+|nan)\s*\|'
    return Metric(f'IoU.{name}', f'IoU {name}', log_pattern=pattern, x_unit='validation')


def pictures_and_claims(study: Study, runs, work_dir: str, summaries) -> List[str]:
    """Picture grid per group (seed-0 FCN and DNC-FCN) and the second claim of the paper
    (DNC-pretrained vs linear-pretrained backbone, for each head)."""
    lines = ['## DNC-pretrained vs linear-pretrained backbone (mIoU)', '']
    lines += ['| head | Δ (DNC-pre − linear-pre) | rule | threshold | verdict |']
    lines += ['|---|---|---|---|---|']
    for head in HEADS:
        a = summaries[('DNC-pretrained', head, 'mIoU')]
        b = summaries[('linear-pretrained', head, 'mIoU')]
        c = compare(a, b)
        lines.append(f'| {head} | {c.delta:+.2f} | {c.rule} | {c.threshold:.2f} | {c.verdict} |')
    lines += ['', '## Pictures (first seed; scene | ground truth | FCN | DNC-FCN | sub-centroid k)']
    seed = min(r.seed for r in runs) if runs else 0
    by_key = {(r.arm.group, r.arm.name, r.seed): r for r in runs}
    for group in INITS:
        pair = [by_key.get((group, head, seed)) for head in HEADS]
        if not all(r is not None and (r.status() or {}).get('rc') == 0 for r in pair):
            continue
        ckpts, configs = [], []
        for r in pair:
            with open(osp.join(r.dir, 'last_checkpoint')) as f:
                ckpts.append(f.read().strip())
            configs.append(next(osp.join(r.dir, p) for p in os.listdir(r.dir) if
                                p.startswith(study.name) and p.endswith('.py')))  # fmt: skip
        grid = osp.join(work_dir, f'{study.name}_grid_{group}.png')
        try:
            run_tool(
                'analysis_tools/dnc_seg_qualitative.py',
                [configs[0], ckpts[0], configs[1], ckpts[1], '--out-dir',
                 osp.join(work_dir, 'pictures', group), '--num', '6', '--subcentroids',
                 '--scale', '3', '--grid', grid],
                osp.join(work_dir, 'pictures', f'{group}.log'),
            )  # fmt: skip
        except RuntimeError as err:
            lines += ['', f'{group}: no pictures ({err})']
            continue
        lines += ['', f'{group}: ![{group}]({osp.basename(grid)})']
    return lines + ['']


STUDY = Study(
    name='dnc-seg-transfer',
    arms=tuple(_arms()),
    metrics=(
        Metric('mIoU', 'mIoU', x_unit='iteration'),
        *(_class_metric(c) for c in CLASSES),
        Metric('accuracy/top1', 'pretrain top-1'),
    ),
    methods=('dnc-fcn', 'dnc-fcn-majority'),
    baselines=('fcn', 'dnc-fcn'),
    smoke_overrides={},
    smoke_train_size=256,
    smoke_val_size=64,
    description=(
        f'FCN vs DNC-FCN (K = 10, mu = 0.999) on the Fashion-MNIST scenes (64x64 greyscale, '
        f'{SCENES["num_train"]} train / {SCENES["num_val"]} val scenes of 2-5 items, seed '
        f'{SCENES["seed"]}), small ResNet-18-D8 (16 base channels), batch 8, SGD 0.01 + poly, '
        f'{SEG_ITERS} iterations; backbone from scratch or from the same seed\'s Fashion-MNIST '
        f'pretraining ({PRETRAIN_EPOCHS} epoch(s), batch 128, SGD 0.05 + cosine) with the linear '
        'head or with DNC (K = 4, mu = 0.999, memory of 100 batches), converted by '
        "dnc2mmseg.py. scratch/dnc-fcn-majority: label_downsample='majority' (the cell's most "
        'frequent label for the clustering instead of its top-left pixel). Per-class IoU from the '
        'last validation; pretrain top-1 on the 10k test images.'
    ),
    report_extra=pictures_and_claims,
)
