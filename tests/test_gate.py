"""The gates work: a notebook with a false claim fails both the nbval step and the build,
a warning fails the build, and no notebook of the book can switch a gate off.

Each build test runs the real tool on a small fixture in a subprocess with the
flags the Makefile's ``test-build`` step uses (read from the Makefile), and
checks the exit status: a failing assert or a warning must make the step fail,
a clean notebook must let it pass. The tag tests forbid the cell tags and
markers that tell nbval or the build to skip a cell or accept its exception.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def makefile_build_flags() -> list[str]:
    """The options the Makefile's test-build step gives ``jupyter-book build``: its line
    runs ``tools/i18n.py build-all`` (through ``$(BUILD_EDITIONS)``), which builds both
    editions with :data:`i18n.STRICT_FLAGS` unless told ``--no-strict``."""
    text = (ROOT / "Makefile").read_text()
    lines = text.splitlines()
    editions = next(line for line in lines if line.startswith("BUILD_EDITIONS ="))
    start = lines.index(next(line for line in lines if line.startswith("test-build:")))
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        if "$(BUILD_EDITIONS)" in line:
            words = shlex.split(editions.split("=", 1)[1].strip()) + shlex.split(
                line.strip().replace("$(BUILD_EDITIONS)", ""))
            i = next(i for i, w in enumerate(words) if w.endswith("tools/i18n.py"))
            assert words[i + 1] == "build-all", words
            if "--no-strict" in words:
                return []
            sys.path.insert(0, str(ROOT / "tools"))
            import i18n

            return list(i18n.STRICT_FLAGS)
    raise AssertionError("the Makefile's test-build step does not run $(BUILD_EDITIONS)")


def test_makefile_build_flags_turn_warnings_into_errors():
    flags = makefile_build_flags()
    assert "-W" in flags and "-n" in flags, flags


def run_nbval(notebook: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    target = tmp_path / notebook.name
    shutil.copy(notebook, target)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
         "-p", "no:cacheprovider", "-q", str(target)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_nbval_step_fails_on_a_false_claim(tmp_path):
    result = run_nbval(FIXTURES / "failing_claim.ipynb", tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "a false claim must fail the run" in result.stdout


def test_nbval_step_passes_a_true_claim(tmp_path):
    result = run_nbval(FIXTURES / "true_claim.ipynb", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def build_book_with(notebook: Path, tmp_path: Path,
                    flags: list[str] | None = None) -> subprocess.CompletedProcess:
    book = tmp_path / "book"
    book.mkdir(parents=True)
    shutil.copy(notebook, book / "page.ipynb")
    (book / "intro.md").write_text("# Gate test\n")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    # the execution settings of the real book, read from its _config.yml
    real = (Path(__file__).resolve().parents[1] / "book" / "_config.yml").read_text()
    execute = real[real.index("execute:"):real.index("\nparse:")]
    (book / "_config.yml").write_text(f"title: gate\nonly_build_toc_files: true\n{execute}\n")
    flags = makefile_build_flags() if flags is None else flags
    return subprocess.run([str(BIN / "jupyter-book"), "build", str(book), *flags],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_book_build_fails_on_a_false_claim(tmp_path):
    result = build_book_with(FIXTURES / "failing_claim.ipynb", tmp_path)
    assert result.returncode != 0
    assert "a false claim must fail the run" in result.stdout + result.stderr


def test_book_build_passes_a_true_claim(tmp_path):
    result = build_book_with(FIXTURES / "true_claim.ipynb", tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_book_build_fails_on_a_warning_alone(tmp_path):
    """The fixture runs without error; only Sphinx's warning (an undefined label) is
    wrong with it. Without -W the build passes, so the failure comes from -W."""
    lenient = [f for f in makefile_build_flags() if f != "-W"]
    result = build_book_with(FIXTURES / "warning_only.ipynb", tmp_path / "lenient", lenient)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "a-label-that-does-not-exist" in result.stdout + result.stderr
    result = build_book_with(FIXTURES / "warning_only.ipynb", tmp_path / "strict")
    assert result.returncode != 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "a-label-that-does-not-exist" in result.stdout + result.stderr


# ----------------------------------------------------------------------------- no gate off

#: Cell tags that make nbval or the build skip a cell or accept its exception.
FORBIDDEN_TAGS = {"raises-exception", "skip-execution", "nbval-skip", "nbval-raises-exception",
                  "nbval-ignore-output-and-errors", "skip"}
#: Comment markers with the same effect (``# NBVAL_IGNORE_OUTPUT`` is harmless: allowed).
FORBIDDEN_MARKERS = re.compile(r"^\s*#\s*(NBVAL_SKIP|NBVAL_RAISES_EXCEPTION)\b",
                               re.MULTILINE | re.IGNORECASE)
#: Explicit exceptions, ``{(notebook relative to book/, cell index): reason}``. Empty: none.
ALLOWED: dict[tuple[str, int], str] = {}

BOOK_NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if "_build" not in p.parts)


def gate_offenders(nb: dict) -> list[tuple[int, str]]:
    """``(cell index, what)`` for every cell (or the notebook, index -1) that switches
    a gate off."""
    found = []
    meta = nb.get("metadata", {})
    execution = meta.get("execution", {}) or {}
    mystnb = meta.get("mystnb", {}) or {}
    if execution.get("allow_errors") or mystnb.get("execution_allow_errors"):
        found.append((-1, "notebook metadata allows errors"))
    if mystnb.get("execution_mode") in ("off", "cache", "inline") or \
            execution.get("execute_notebooks") in ("off", "cache"):
        found.append((-1, "notebook metadata changes the execution mode"))
    for i, cell in enumerate(nb.get("cells", [])):
        cmeta = cell.get("metadata", {}) or {}
        tags = set(cmeta.get("tags", []) or [])
        for tag in sorted(tags & FORBIDDEN_TAGS):
            found.append((i, f"tag {tag!r}"))
        if cmeta.get("skip") is True or (cmeta.get("nbval") or {}).get("skip"):
            found.append((i, "metadata skip: true"))
        if cell.get("cell_type") == "code":
            src = "".join(cell.get("source", ""))
            for marker in FORBIDDEN_MARKERS.findall(src):
                found.append((i, f"marker # {marker}"))
    return found


def test_every_notebook_of_the_book_is_checked():
    names = {p.name for p in BOOK_NOTEBOOKS}
    assert "library_tour.ipynb" in names and len(names) >= 5


@pytest.mark.parametrize("path", BOOK_NOTEBOOKS,
                         ids=[str(p.relative_to(ROOT / "book")) for p in BOOK_NOTEBOOKS])
def test_no_notebook_switches_a_gate_off(path):
    nb = json.loads(path.read_text())
    rel = str(path.relative_to(ROOT / "book"))
    bad = [(i, what) for i, what in gate_offenders(nb) if (rel, i) not in ALLOWED]
    assert not bad, f"{rel}: {bad} (a false claim would pass nbval and the build)"


def test_no_myst_page_switches_a_gate_off():
    for page in (ROOT / "book").rglob("*.md"):
        if "_build" in page.parts:
            continue
        text = page.read_text()
        assert not re.search(r":tags:.*(raises-exception|skip-execution)", text), page
        assert not FORBIDDEN_MARKERS.search(text), page


@pytest.mark.parametrize("cell_meta, source", [
    ({"tags": ["raises-exception"]}, "assert False"),
    ({"tags": ["remove-input", "skip-execution"]}, "assert False"),
    ({"tags": ["nbval-skip"]}, "assert False"),
    ({"skip": True}, "assert False"),
    ({}, "# NBVAL_SKIP\nassert False"),
    ({}, "  # nbval_raises_exception\nassert False"),
])
def test_gate_offenders_are_found(cell_meta, source):
    cell = {"cell_type": "code", "metadata": cell_meta, "source": source, "outputs": []}
    assert gate_offenders({"cells": [cell]})
    fine = {"cell_type": "code", "metadata": {"tags": ["remove-input", "hide-output"]},
            "source": "# NBVAL_IGNORE_OUTPUT\nx = 1", "outputs": []}
    assert not gate_offenders({"cells": [fine]})


@pytest.mark.parametrize("meta", [{"execution": {"allow_errors": True}},
                                  {"mystnb": {"execution_allow_errors": True}},
                                  {"mystnb": {"execution_mode": "off"}}])
def test_notebook_level_switches_are_found(meta):
    assert gate_offenders({"metadata": meta, "cells": []})


def test_book_config_keeps_the_gates_on():
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    execute = config["execute"]
    assert execute["execute_notebooks"] == "force"
    assert execute["raise_on_error"] is True
    assert execute.get("allow_errors", False) is False
    assert not execute.get("exclude_patterns"), "no notebook may be excluded from execution"
