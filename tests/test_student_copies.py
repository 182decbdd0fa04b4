"""The homework format: every chapter has >= 3 exercises with gated solutions, and its
student copy (solutions blanked to ``...``) still runs, each check reporting
"not yet solved" instead of crashing."""

from __future__ import annotations

import json
from pathlib import Path

import nbclient
import nbformat
import pytest

from nntheory.student import blank_solutions, make_student_copy

CHAPTERS = sorted((Path(__file__).resolve().parents[1] / "book" / "chapters").glob("*.ipynb"))


def test_blank_solutions():
    src = "x = ...\n# BEGIN SOLUTION\nx = 2\ny = x\n# END SOLUTION\nprint(x)"
    assert blank_solutions(src) == "x = ...\n...  # your solution here\nprint(x)"
    indented = "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n"
    assert blank_solutions(indented) == "def f():\n    ...  # your solution here\n"
    with pytest.raises(ValueError, match="unbalanced"):
        blank_solutions("# BEGIN SOLUTION\nx = 1\n")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_homework_anatomy(path):
    nb = json.loads(path.read_text())
    text = ["".join(c["source"]) for c in nb["cells"]]
    exercises = [t for t in text if "```{exercise}" in t]
    starts = [t for t in text if "```{solution-start}" in t]
    assert len(exercises) >= 3, "at least three exercises per chapter"
    assert len(starts) == len(exercises)
    assert all(":class: dropdown" in t for t in starts), "solutions fold away as dropdowns"
    solution_cells = [t for t in text if "# BEGIN SOLUTION" in t]
    assert len(solution_cells) >= len(exercises)
    assert sum("checks.check_" in t for t in text) >= len(exercises), "one answer check each"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_student_copy_runs_and_reports_unsolved(path, monkeypatch):
    monkeypatch.setenv("NNTHEORY_QUIET", "1")
    student = nbformat.reads(json.dumps(make_student_copy(json.loads(path.read_text()))),
                             as_version=4)
    nbclient.NotebookClient(student, kernel_name="python3", timeout=300,
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    printed = "".join(o.get("text", "") for c in student.cells if c.cell_type == "code"
                      for o in c.get("outputs", []) if o.get("output_type") == "stream")
    n_checks = sum("checks.check_" in c.source for c in student.cells if c.cell_type == "code")
    assert printed.count("Not yet solved") == n_checks
    assert "✅ Correct" not in printed
