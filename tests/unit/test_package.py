"""The package's public names, found where they live and imported only when asked for."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import graphring


@pytest.mark.parametrize("name", graphring.__all__)
def test_every_public_name_is_the_object_of_its_module(name: str) -> None:
    value = getattr(graphring, name)
    home = importlib.import_module(f"graphring.{graphring._HOME.get(name, 'evaluate')}")
    assert value is getattr(home, name)
    assert name in dir(graphring)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = graphring.nothing_here  # type: ignore[attr-defined]


def test_the_command_line_starts_without_the_data_libraries() -> None:
    """`graphring --help` and each command's start do not wait for pandas, Arrow, scipy
    and networkx to import: a command imports what it uses when it runs."""
    code = (
        "import sys, graphring, graphring.cli; "
        "print(sorted(m for m in ('pandas', 'pyarrow', 'scipy', 'networkx') if m in sys.modules))"
    )
    out = _fresh_python(code)
    assert out.strip() == "[]"


def test_the_package_modules_are_reachable_from_the_package() -> None:
    """As before the names were imported lazily: ``graphring.config.load_settings()``
    right after ``import graphring``, as notebooks write it."""
    code = (
        "import graphring; print(graphring.config.load_settings().backend, "
        "graphring.pipeline.run_pipeline.__name__, graphring.queries.__name__)"
    )
    out = _fresh_python(code)
    assert out.split() == ["memory", "run_pipeline", "graphring.queries"]


def _fresh_python(code: str) -> str:
    """What ``code`` prints in a new interpreter (nothing of graphring imported yet)."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
