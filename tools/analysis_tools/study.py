"""Run a study: train every arm × seed, then write results.md and one PNG per metric.

Usage::

    python tools/analysis_tools/study.py NAME [--work-dir DIR] [--seeds 0 1 2] [--jobs N]
        [--groups G [G ...]] [--smoke] [--data-root DIR] [--report-only] [--list]

Finished runs in the work dir are skipped (resume by running the same command again).
``--groups`` trains and reports only those table blocks (e.g. ``--groups 'LT 0.1'``): the runs
are the study's own (``WORK_DIR/runs``), the report goes to ``WORK_DIR/groups_<groups>/`` so that
the whole study's ``results.md`` is not overwritten.
``--smoke`` trains every arm for one epoch on a tiny subset, in this process, one seed.
"""

import mmproto  # noqa: F401  (compat shims before any mmpretrain import)

# isort: split
import argparse
import os.path as osp
import shlex
import sys

from mmproto.analysis import STUDIES, get_study, run_study, write_report
from mmproto.analysis.study import group_slug, study_runs


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('name', nargs='?', help=f'the study: {", ".join(sorted(STUDIES))}')
    parser.add_argument('--work-dir', help='default: work_dirs/study_<name>[_smoke]')
    parser.add_argument('--seeds', type=int, nargs='+', help="default: the study's seeds")
    parser.add_argument(
        '--groups', nargs='+', help="only these groups (table blocks), e.g. 'LT 0.1'"
    )
    parser.add_argument('--jobs', type=int, default=1, help='runs trained at the same time')
    parser.add_argument(
        '--smoke', action='store_true', help='1 epoch on a tiny subset, 1 seed, in-process'
    )
    parser.add_argument('--data-root', help="replace the datasets' data_root")
    parser.add_argument(
        '--report-only', action='store_true', help='only aggregate the finished runs'
    )
    parser.add_argument('--list', action='store_true', help='list the studies and their arms')
    args = parser.parse_args(argv)
    if not args.list and not args.name:
        parser.error('give a study NAME (or --list)')
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.list:
        for name in sorted(STUDIES):
            study = STUDIES[name]
            arms = ', '.join(f'{a.group}/{a.name}' if a.group else a.name for a in study.arms)
            print(f'{name}: {len(study.arms)} arms x seeds {list(study.seeds)}: {arms}')
        return {}
    study = get_study(args.name)
    if args.groups:
        study = study.select(args.groups)
    work_dir = args.work_dir or osp.join(
        'work_dirs', f'study_{study.name}' + ('_smoke' if args.smoke else '')
    )
    seeds = args.seeds or (study.seeds[:1] if args.smoke else study.seeds)
    total = len(study.arms) * len(seeds)
    count = [0]

    def progress(run, status):
        count[0] += 1
        state = 'skipped (done)' if status.get('skipped') else f'rc {status["rc"]}'
        print(f'[{count[0]}/{total}] {run.slug}: {state}, {status["seconds"]:.0f} s', flush=True)

    if args.report_only:
        runs = study_runs(study, work_dir, seeds)
    else:
        done = run_study(
            study, work_dir, seeds, args.smoke, args.jobs, args.data_root,
            in_process=args.smoke and args.jobs == 1, progress=progress,
        )  # fmt: skip
        runs = [r for r, _ in done]
    command = ' '.join(
        ['python tools/analysis_tools/study.py', *map(shlex.quote, argv or sys.argv[1:])]
    )
    report_dir = work_dir
    if args.groups:
        report_dir = osp.join(work_dir, 'groups_' + '+'.join(map(group_slug, args.groups)))
    report = write_report(study, runs, report_dir, command)
    print(report['markdown'])
    print('plots: ' + ', '.join(report['pngs']))
    # after training every run has its DONE record: one missing there is a failure too
    failed = report['failed'] + ([] if args.report_only else report['unfinished'])
    if failed:
        raise SystemExit(f'{len(failed)} run(s) failed: {", ".join(failed)}')
    return report


if __name__ == '__main__':
    main()
