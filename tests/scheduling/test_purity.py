"""The scheduling core is pure: no Django, no clock (docs/style.md, rule 1)."""
import ast
from pathlib import Path

import pytest

import vuoro.scheduling

CORE_MODULES = sorted(Path(vuoro.scheduling.__file__).parent.glob("*.py"))
CLOCK_CALLS = {"now", "today", "utcnow", "time", "monotonic", "perf_counter", "time_ns"}


def _imported_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_core_has_modules_to_check():
    assert any(path.name == "queueing.py" for path in CORE_MODULES)


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda path: path.name)
def test_no_core_module_imports_django(path):
    imported = _imported_names(ast.parse(path.read_text()))
    assert not [name for name in imported if name == "django" or name.startswith("django.")]


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda path: path.name)
def test_no_core_module_reads_the_clock(path):
    tree = ast.parse(path.read_text())
    assert "time" not in _imported_names(tree)
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & CLOCK_CALLS
