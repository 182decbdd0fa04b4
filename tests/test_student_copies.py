"""The homework format: every chapter has >= 3 exercises with gated solutions, and its
student copy (solution code blanked, solution prose removed, no solution line left)
still runs, each check reporting "not yet solved" instead of crashing."""

from __future__ import annotations

import json
from pathlib import Path

import nbclient
import nbformat
import pytest

from nntheory.student import PLACEHOLDER, blank_solutions, make_student_copy

# Chapters carry homework; appendices (appendix_*.ipynb) are reference pages without exercises.
CHAPTERS = sorted(p for p in (Path(__file__).resolve().parents[1] / "book" / "chapters")
                  .glob("*.ipynb") if not p.stem.startswith("appendix_"))


def test_blank_solutions():
    src = "x = ...\n# BEGIN SOLUTION\nx = 2\ny = x\n# END SOLUTION\nprint(x)"
    assert blank_solutions(src) == f"x = ...\n{PLACEHOLDER}\nprint(x)"
    indented = "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n"
    assert blank_solutions(indented) == f"def f():\n    {PLACEHOLDER}\n"
    two = "a = ...\n# BEGIN SOLUTION\na = 1\n# END SOLUTION\nb = ...\n# BEGIN SOLUTION  \nb = 2\n" \
          "# END SOLUTION\n"
    assert blank_solutions(two) == f"a = ...\n{PLACEHOLDER}\nb = ...\n{PLACEHOLDER}\n"
    assert blank_solutions("x = 1\n") == "x = 1\n"   # no markers: unchanged
    assert PLACEHOLDER.startswith("pass")            # a statement: no Ellipsis output


def test_blanked_cell_runs_without_output_and_keeps_the_placeholder():
    src = "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n" \
          "answer = ...\n# BEGIN SOLUTION\nanswer = f()\n# END SOLUTION"
    namespace: dict = {}
    exec(compile(blank_solutions(src), "<cell>", "exec"), namespace)
    assert namespace["answer"] is Ellipsis and namespace["f"]() is None


MALFORMED = {
    "nested": "# BEGIN SOLUTION\nx = 1\n# BEGIN SOLUTION\nsecret = 2\n# END SOLUTION\n"
              "secret2 = 3\n# END SOLUTION\n",
    "end before begin": "# END SOLUTION\nsecret = 1\n# BEGIN SOLUTION\n",
    "end only": "secret = 1\n# END SOLUTION\n",
    "begin never closed": "# BEGIN SOLUTION\nsecret = 1\n",
    "begin at end of a code line": "x = 1  # BEGIN SOLUTION\nsecret = 1\n# END SOLUTION\n",
    "end at end of a code line": "# BEGIN SOLUTION\nsecret = 1  # END SOLUTION\nsecret2 = 2\n",
    "text after the marker": "# BEGIN SOLUTION here\nsecret = 1\n# END SOLUTION\n",
    "marker inside a string": "s = '# BEGIN SOLUTION'\nsecret = 1\n# END SOLUTION\n",
}


@pytest.mark.parametrize("source", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_markers_are_refused(source):
    with pytest.raises(ValueError, match="cell 3"):
        blank_solutions(source, where="cell 3")
    nb = {"cells": [{"cell_type": "code", "id": "abc", "source": source, "outputs": [],
                     "execution_count": None, "metadata": {}}]}
    with pytest.raises(ValueError, match=r"cell 0 \(id abc\)"):
        make_student_copy(nb)


@pytest.mark.parametrize("bad", [None, 3, b"# BEGIN SOLUTION", ["x = 1"]])
def test_blank_solutions_refuses_non_strings(bad):
    with pytest.raises(TypeError, match="source"):
        blank_solutions(bad)


@pytest.mark.parametrize("bad", [None, [], "text", {"cells": "x"}])
def test_make_student_copy_refuses_non_notebooks(bad):
    with pytest.raises(TypeError, match="notebook"):
        make_student_copy(bad)


def _md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text):
    return {"cell_type": "code", "metadata": {}, "source": text, "outputs": [],
            "execution_count": None}


def test_student_copy_removes_solution_prose_and_keeps_the_rest():
    nb = {"cells": [
        _md("Intro prose.\n\n```{exercise}\n:label: ex-a\nCompute m.\n```\n\n"
            "```{solution-start} ex-a\n:class: dropdown\n```\nSECRET m = 71 in the start cell."),
        _md("SECRET prose cell inside the gated block."),
        _code("m = ...\n# BEGIN SOLUTION\nm = 71  # SECRET\n# END SOLUTION"),
        _md("SECRET before the end.\n```{solution-end}\n```\n\nKept prose after the end."),
        _code("check(m)"),
        _md("```{solution-start} ex-b\n:class: dropdown\n```\nSECRET b"),
        _md("```{solution-end}\n```"),
    ]}
    student = make_student_copy(nb)
    text = "\n".join("".join(c["source"]) for c in student["cells"])
    assert "SECRET" not in text
    assert "Intro prose." in text and "Compute m." in text and "Kept prose after the end." in text
    assert "solution-start" not in text and "solution-end" not in text
    assert [c["cell_type"] for c in student["cells"]] == ["markdown", "code", "markdown", "code"]
    assert student["cells"][1]["source"] == f"m = ...\n{PLACEHOLDER}"
    assert nb["cells"][1]["source"].startswith("SECRET")   # the source is left alone


@pytest.mark.parametrize("cells", [
    [_md("```{solution-start} a\n```\nx"), _md("```{solution-start} b\n```\n")],
    [_md("```{solution-end}\n```")],
    [_md("```{solution-start} a\n```\nx")],
    [_md("```{solution-end}\n```\n```{solution-start} a\n```\n")],
], ids=["nested", "end first", "never closed", "end before start in one cell"])
def test_malformed_solution_directives_are_refused(cells):
    with pytest.raises(ValueError, match="cell"):
        make_student_copy({"cells": cells})


def solution_lines(nb: dict) -> set[str]:
    """The lines only a solution contains: code between markers, prose between
    {solution-start} and {solution-end} (directive syntax and lines that also
    occur outside the solutions excluded)."""
    inside, outside = set(), set()
    in_prose = False
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        in_code = False
        for line in src.split("\n"):
            key = line.strip()
            if cell["cell_type"] == "markdown":
                if "{solution-start}" in key:
                    in_prose = True
                    continue
                if "{solution-end}" in key:
                    in_prose = False
                    continue
                (inside if in_prose else outside).add(key)
            else:
                if key in ("# BEGIN SOLUTION", "# END SOLUTION"):
                    in_code = key == "# BEGIN SOLUTION"
                    continue
                (inside if in_code else outside).add(key)
    generic = {"", "```", ":::", "$$", ":class: dropdown"}
    return {line for line in inside - outside if line not in generic}


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_no_solution_line_survives_in_the_student_copy(path):
    nb = json.loads(path.read_text())
    secret = solution_lines(nb)
    assert secret, "every chapter has solutions to hide"
    student = make_student_copy(nb)
    left = {line.strip() for c in student["cells"] for line in "".join(c["source"]).split("\n")}
    assert not secret & left, sorted(secret & left)[:5]
    assert not any("{solution-" in line for line in left)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_homework_anatomy(path):
    nb = json.loads(path.read_text())
    text = ["".join(c["source"]) for c in nb["cells"]]
    exercises = [t for t in text if "```{exercise}" in t]
    starts = [t for t in text if "```{solution-start}" in t]
    assert len(exercises) >= 3, "at least three exercises per chapter"
    assert len(starts) == len(exercises)
    assert all(":class: dropdown" in t for t in starts), "solutions fold away as dropdowns"
    from nntheory.teaching import exercises as registry
    written = [ex for ex in registry.for_chapter(path.stem) if ex.kind == "written"]
    coded = len(exercises) - len(written)          # a written answer is a Markdown cell
    solution_cells = [t for t in text if "# BEGIN SOLUTION" in t]
    assert len(solution_cells) >= coded
    assert sum("checks.check_" in t for t in text) >= coded, "one answer check each"


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
    assert n_checks >= 3
    assert printed.count("Not yet solved") == n_checks
    assert "✅ Correct" not in printed and "❌ Not yet" not in printed
    shown = "".join(str(o.get("data", {}).get("text/plain", "")) for c in student.cells
                    if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Ellipsis" not in shown, "a blanked cell shows Ellipsis"


def test_the_solution_free_site_keeps_the_guide_but_not_its_rubrics(tmp_path):
    """A rubric describes the model answer of a written exercise: the teacher's guide of
    the solution-free site (student_book) has every other paragraph, but no rubric."""
    from nntheory.teaching import student as teaching_student

    root = Path(__file__).resolve().parents[1]
    page = (root / "book" / "teaching.md").read_text(encoding="utf-8")
    assert "**Rubric for `" in page  # the guide has at least one rubric to strip
    out = teaching_student.student_book(root / "book", tmp_path / "book")
    copy = (out / "teaching.md").read_text(encoding="utf-8")
    assert "Rubric for" not in copy
    kept = [p for p in page.split("\n\n") if not p.startswith("**Rubric for `")]
    assert copy.split("\n\n") == kept
