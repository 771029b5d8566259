"""No function in ``mmproto/`` or ``tools/`` is longer than 80 lines (decorators and docstring
included)."""

import ast
import os
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MAX_LINES = 80
ALLOWED: set = set()  # files exempt from the limit: none


def _python_files():
    for top in ('mmproto', 'tools'):
        for folder, dirs, files in os.walk(osp.join(REPO, top)):
            dirs[:] = [d for d in dirs if not d.startswith('.') and d != '__pycache__']
            for name in files:
                if name.endswith('.py'):
                    yield osp.relpath(osp.join(folder, name), REPO)


def long_functions(source: str, limit: int = MAX_LINES):
    """``(name, first line, length)`` of every function longer than ``limit`` lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            length = node.end_lineno - first + 1
            if length > limit:
                found.append((node.name, first, length))
    return found


def test_the_check_finds_a_long_function():
    body = ''.join(f'    x{i} = {i}\n' for i in range(MAX_LINES))
    assert long_functions(f'def f():\n{body}') == [('f', 1, MAX_LINES + 1)]
    assert long_functions(f'def f():\n{body.partition(chr(10))[2]}') == []


def test_no_function_longer_than_the_limit():
    too_long = [
        f'{path}:{line} {name} ({length} lines)'
        for path in _python_files()
        if path not in ALLOWED
        for name, line, length in long_functions(open(osp.join(REPO, path)).read())
    ]
    assert not too_long, too_long
