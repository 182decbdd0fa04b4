"""The gates work: a notebook with a false claim fails both the nbval step and the build.

Each test runs the real tool on a small fixture in a subprocess, exactly as
``make test`` runs it on the book, and checks the exit status: a failing
assert must make the step fail, a true one must let it pass.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent


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


def build_book_with(notebook: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy(notebook, book / "page.ipynb")
    (book / "intro.md").write_text("# Gate test\n")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    # the execution settings of the real book, read from its _config.yml
    real = (Path(__file__).resolve().parents[1] / "book" / "_config.yml").read_text()
    execute = real[real.index("execute:"):real.index("\nparse:")]
    (book / "_config.yml").write_text(f"title: gate\nonly_build_toc_files: true\n{execute}\n")
    return subprocess.run([str(BIN / "jupyter-book"), "build", str(book), "-W", "-n"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_book_build_fails_on_a_false_claim(tmp_path):
    result = build_book_with(FIXTURES / "failing_claim.ipynb", tmp_path)
    assert result.returncode != 0
    assert "a false claim must fail the run" in result.stdout + result.stderr


def test_book_build_passes_a_true_claim(tmp_path):
    result = build_book_with(FIXTURES / "true_claim.ipynb", tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
