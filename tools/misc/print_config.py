"""Print the whole resolved config (as mmpretrain's tools/misc/print_config.py), optionally
with a method's head swapped in and written to a file.

Usage::

    python tools/misc/print_config.py CONFIG [--head {dnc,dl2pa,mcc}] [--out FILE.py]
        [--cfg-options key=value ...]

CONFIG is a file or ``package::path`` (``mmpretrain::resnet/resnet18_8xb32_in1k.py``,
``mmproto::dnc/...``). ``--head`` is ``tools/train.py --head`` (:mod:`mmproto.utils.head_swap`),
``--cfg-options`` apply after it. ``--out`` writes the flattened config: it has no
``mmproto::`` base left, so mmpretrain's own tools (and ``mim train mmpretrain``) take it.
"""

import mmproto  # noqa: F401  (registers mmproto:: config paths)

# isort: split
import argparse

from mmengine.config import Config, DictAction

from mmproto.utils import HEAD_RECIPES, resolve_config_path, swap_head


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file, or package::path (mmproto::, mmpretrain::)')
    parser.add_argument(
        '--head',
        choices=sorted(HEAD_RECIPES),
        help="replace the classifier head (mmpretrain configs) by this method's recipe",
    )
    parser.add_argument('--out', help='also write the resolved config to this .py file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries after --head, xxx=yyy format (a list: key="[a,b]" or '
        'key=a,b; nested: key="[(a,b),(c,d)]"; quotes needed, no white space)',
    )
    return parser.parse_args(argv)


def resolved_config(args: argparse.Namespace) -> Config:
    """The config ``args`` describe: file, then ``--head``, then ``--cfg-options``."""
    cfg = Config.fromfile(resolve_config_path(args.config))
    if args.head is not None:
        swap_head(cfg, args.head)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main(argv=None) -> Config:
    args = parse_args(argv)
    cfg = resolved_config(args)
    print(cfg.pretty_text)
    if args.out:
        cfg.dump(args.out)
    return cfg


if __name__ == '__main__':
    main()
