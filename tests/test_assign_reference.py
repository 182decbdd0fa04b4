"""``nntheory assign`` keeps the chapter as assigned (issue 23): the grader recognises a
submission's chapter cells against the notebook the students were given, so a book
updated during the term does not run the older chapter cells of their copies as the
student's own (with the exercises' forbidden functions disabled)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nntheory.teaching import assign, grade, student

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "chapters" / "03_backprop.ipynb"


def _roster(tmp_path: Path) -> Path:
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns001,Ann\ns002,Bo\n")
    return roster


def _edited_chapter_cell(nb: dict) -> int:
    """Edit the first code cell outside the solutions that the reference counts as the
    chapter's own (what a new edition of the book would do); return its index."""
    own = grade.load_reference(CHAPTER).own_sources
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and grade._normal(grade._source(cell)) in own \
                and "import" not in grade._source(cell):
            source = grade._source(cell)
            cell["source"] = source + "\n# second edition of this cell"
            return index
    raise AssertionError("no chapter cell to edit")


def test_assign_keeps_the_chapter_as_assigned_and_refuses_a_changed_one(tmp_path):
    source = tmp_path / "book" / CHAPTER.name
    source.parent.mkdir()
    shutil.copy(CHAPTER, source)
    out = tmp_path / "assigned"
    assign.assign(source, _roster(tmp_path), out)
    reference = assign.reference_path(out, CHAPTER.name)
    assert reference.read_bytes() == source.read_bytes()
    keys = (out / "keys.csv").read_text()
    assign.assign(source, _roster(tmp_path), out)         # the same chapter again: fine
    assert (out / "keys.csv").read_text() == keys
    nb = json.loads(source.read_text())
    _edited_chapter_cell(nb)
    source.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    with pytest.raises(ValueError, match="has changed since"):
        assign.assign(source, _roster(tmp_path), out)
    assert (out / "keys.csv").read_text() == keys           # nothing was rewritten
    assert reference.read_bytes() == CHAPTER.read_bytes()
    assign.assign(source, _roster(tmp_path), tmp_path / "assigned2")   # a new folder: fine


def test_a_stale_copy_is_recognised_against_its_reference_not_the_new_edition(tmp_path):
    out = tmp_path / "assigned"
    paths = assign.assign(CHAPTER, _roster(tmp_path), out)
    copy = json.loads(paths[0].read_text())
    as_assigned = grade.load_reference(assign.reference_path(out, CHAPTER.name))
    own_then = grade._own_cells(copy, as_assigned)
    # the book moves on: one chapter cell changes
    new = json.loads(CHAPTER.read_text())
    index = _edited_chapter_cell(new)
    edition2 = tmp_path / "edition2" / CHAPTER.name
    edition2.parent.mkdir()
    edition2.write_text(json.dumps(new))
    own_now = grade._own_cells(copy, grade.load_reference(edition2))
    # the copy's cell (shifted by the key cell) is the chapter's against the reference ...
    stale = grade._source(json.loads(CHAPTER.read_text())["cells"][index])
    position = next(i + 1 for i, c in enumerate(copy["cells"])
                    if c["cell_type"] == "code" and grade._source(c) == stale)
    assert position in own_then
    # ... and would run locked, as the student's, against the new edition
    assert position not in own_now and set(own_now) < set(own_then)
    # every code cell of the plain copy that is not a solution or the key cell is own
    plain = student.make_student_copy(json.loads(CHAPTER.read_text()))
    assert len(own_then) == len(grade._own_cells(plain, as_assigned))


def test_the_assign_command_prints_how_to_grade_against_the_reference(tmp_path):
    result = subprocess.run([sys.executable, "-m", "nntheory", "assign", str(CHAPTER),
                             "--roster", str(_roster(tmp_path)), "--out",
                             str(tmp_path / "assigned")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    reference = tmp_path / "assigned" / "reference" / CHAPTER.name
    assert reference.is_file()
    assert f"nntheory grade {reference} SUBMISSIONS --keys" in result.stdout
