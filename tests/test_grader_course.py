"""The grader as a course runs it (issue 23 item 5, issue 28 item 4): the output folder
checked first, re-grading one student merged into grades.csv, per-student variants
checked against keys.csv, written answers and hand marks, the class summary and the
gradebook exports, one entry point (``python -m nntheory``)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from grading_fixture import RIGHT, RIGHT_SOFTPLUS, answers, correct, write_reference

from nntheory.teaching import exercises, grade, report, student

ROOT = Path(__file__).resolve().parents[1]


def _rows(path: Path) -> dict[str, dict]:
    with path.open(newline="") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


# ------------------------------------------------------------------ before any grading


@pytest.mark.parametrize("make_out", [lambda f: f, lambda f: f / "sub"],
                         ids=["a file", "under a file"])
def test_an_output_folder_that_cannot_be_one_is_refused_before_grading(tmp_path, make_out):
    reference = write_reference(tmp_path / "reference")
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "a.ipynb").write_text(json.dumps(correct()))
    blocker = tmp_path / "grades.txt"
    blocker.write_text("a file")
    start = time.monotonic()
    with pytest.raises(ValueError, match="grades.txt is a file"):
        grade.grade(reference, tmp_path / "subs", make_out(blocker), progress=False)
    assert time.monotonic() - start < 5                  # refused before any notebook ran
    result = subprocess.run([sys.executable, "-m", "nntheory", "grade", str(reference),
                             str(tmp_path / "subs"), "--out", str(make_out(blocker))],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "is a file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_chapter_notebook_that_is_not_json_is_named(tmp_path):
    bad = tmp_path / "03_backprop.ipynb"
    bad.write_text("")
    with pytest.raises(ValueError, match=r"03_backprop\.ipynb is not a Jupyter notebook"):
        grade.load_reference(bad)
    result = subprocess.run([sys.executable, "-m", "nntheory", "grade", str(bad),
                             str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and str(bad) in result.stderr


@pytest.mark.parametrize("option, value", [("--memory-mb", "10"), ("--processes", "2"),
                                           ("--disk-mb", "0"), ("--cpu-seconds", "-1")])
def test_limits_too_small_to_run_a_kernel_are_refused(tmp_path, option, value):
    result = subprocess.run([sys.executable, "-m", "nntheory", "grade", "3", str(tmp_path),
                             "--out", str(tmp_path / "out"), option, value],
                            capture_output=True, text=True, timeout=60)
    name = option[2:].replace("-", "_")
    assert result.returncode != 0 and name in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_chapter_is_named_by_number_stem_or_path():
    by_number = grade.resolve_chapter(7)
    assert by_number == grade.resolve_chapter("07") == grade.resolve_chapter(
        "07_approximation_spaces") == grade.resolve_chapter(str(by_number))
    with pytest.raises(TypeError, match="chapter"):
        grade.resolve_chapter(7.0)


def test_python_m_nntheory_is_the_command():
    result = subprocess.run([sys.executable, "-m", "nntheory", "grade", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for option in ("--no-sandbox", "--marks", "--keys", "--student", "--cell-timeout",
                   "--memory-mb", "--processes", "--disk-mb", "--quiet"):
        assert option in result.stdout


# ------------------------------------------------------------------ a class with keys

try:
    from nntheory.teaching import variants
except ImportError:         # pragma: no cover - before the variants module landed
    variants = None
KEYS = {"alice": "a1" * 16, "bob": "b2" * 16, "mallory": "c3" * 16, "eve": "d4" * 16}


def _keyed(nb: dict, who: str, key: str) -> dict:
    nb["cells"].insert(0, variants.key_cell(who, key))
    return nb


def _scalar_for(who: str) -> list[float]:
    """The partials of ex-bp-scalar on ``who``'s printed instance (what a copier would
    paste, as a function returning them)."""
    variants.set_student(who, KEYS[who])
    try:
        x, y, w1, b1, w2, b2 = exercises.data("ex-bp-scalar")
    finally:
        variants.clear()
    a = np.tanh(w1 * x + b1)
    r = 2 * (w2 * a + b2 - y)
    return [float(r * w2 * (1 - a ** 2) * x), float(r * w2 * (1 - a ** 2)), float(r * a),
            float(r)]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    if variants is None:
        pytest.skip("nntheory.teaching.variants is not there")
    root = tmp_path_factory.mktemp("course")
    reference = write_reference(root / "reference")
    subs = root / "subs"
    subs.mkdir()
    with (root / "keys.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "key"])
        writer.writerows(KEYS.items())
    (root / "roster.csv").write_text("student_id,name,email\nalice,Alice A.,alice@example.org\n"
                                     "bob,Bob B.,bob@example.org\n")
    assert _scalar_for("bob") != pytest.approx(_scalar_for("mallory"), rel=1e-3)
    copied = f"def tiny_grad(*_):\n    return {_scalar_for('bob')!r}"
    notebooks = {
        "alice": _keyed(correct(), "alice", KEYS["alice"]),
        "bob": _keyed(answers(), "bob", KEYS["bob"]),              # blank
        # bob's copy, with bob's key cell, and bob's numbers pasted in
        "mallory": _keyed(answers(RIGHT["n_params"], copied, RIGHT_SOFTPLUS), "bob", KEYS["bob"]),
        "eve": correct(),                                 # the key cell deleted
    }
    for name, nb in notebooks.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(nb))
    out = root / "grades"
    grade.grade(reference, subs, out, jobs=2, timeout=120, progress=False,
                keys=root / "keys.csv", roster=root / "roster.csv")
    first = (out / "grades.csv").read_text()
    # bob resubmits a correct notebook; only bob is graded again
    (subs / "bob.ipynb").write_text(json.dumps(_keyed(correct(), "bob", KEYS["bob"])))
    grade.grade(reference, subs, out, progress=False, students=["bob"],
                keys=root / "keys.csv")
    return {"root": root, "out": out, "first": first, "reference": reference}


def test_a_course_keys_regrading_summary_and_exports(course):
    """One test for the course (graded once, also under xdist): keys, re-grading one
    student, the summary and the exports."""
    _keys_flag_a_copied_or_missing_key_and_grade_with_the_students_own(course)
    _regrading_one_student_keeps_the_others(course)
    _the_summary_and_the_exports(course)


def _keys_flag_a_copied_or_missing_key_and_grade_with_the_students_own(course):
    rows = _rows(course["out"] / "grades.csv")
    assert rows["alice"]["status"] == "ok" and float(rows["alice"]["total"]) == 5
    mallory = rows["mallory"]
    assert mallory["status"] == "key flagged" and "not the student's own" in mallory["flag"]
    # graded with her own key: the number pasted from bob's variant is wrong
    assert [mallory[lab] for lab in ("ex-bp-count", "ex-bp-scalar", "ex-bp-softplus")] == \
        ["1", "0", "3"]
    assert rows["eve"]["status"] == "key flagged" and "missing" in rows["eve"]["flag"]
    text = (course["out"] / "feedback" / "mallory.md").read_text()
    assert "graded with your own key" in text
    summary = (course["out"] / "summary.md").read_text()
    assert "Flagged" in summary and "mallory" in summary


def _regrading_one_student_keeps_the_others(course):
    out = course["out"]
    first = list(csv.DictReader(course["first"].splitlines()))
    before = {row["student"]: row for row in first}
    assert before["bob"]["status"] == "blank" and float(before["bob"]["total"]) == 0
    rows = _rows(out / "grades.csv")
    assert set(rows) == set(KEYS)
    assert float(rows["bob"]["total"]) == 5 and rows["bob"]["status"] == "ok"
    for name in ("alice", "mallory", "eve"):
        assert rows[name] == before[name]
    assert (out / "grades.csv.bak").read_text() == course["first"]   # the previous file kept


def _the_summary_and_the_exports(course):
    out = course["out"]
    summary = (out / "summary.md").read_text()
    assert "4 submission(s)" in summary and "| ex-bp-scalar | 1 | 3 of 4 | 75% |" in summary
    assert (out / "histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with (out / "export" / "canvas.csv").open(newline="") as fh:
        canvas = list(csv.reader(fh))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         "03_backprop (nntheory)"]
    possible = sum(ex.points for ex in exercises.for_chapter("03_backprop"))  # written too
    assert canvas[1][0] == "Points Possible" and canvas[1][-1] == str(possible)
    by_id = {row[2]: row for row in canvas[2:]}
    assert by_id["alice"][0] == "Alice A." and by_id["alice"][-1] == "5"
    assert set(by_id) == set(KEYS)
    with (out / "export" / "moodle.csv").open(newline="") as fh:
        moodle = list(csv.DictReader(fh))
    assert list(moodle[0]) == ["ID number", "Email address", "03_backprop", "Feedback"]
    alice = next(r for r in moodle if r["ID number"] == "alice")
    assert alice["Email address"] == "alice@example.org" and alice["03_backprop"] == "5"


# ------------------------------------------------------------------ written answers, marks


@dataclass(frozen=True)
class _Ex:
    label: str
    title: str
    difficulty: str
    points: int
    kind: str = "value"
    needs_human: str = ""


def _reference():
    exs = [_Ex("ex-a", "A value", "easy", 1), _Ex("ex-w", "Why", "medium", 2, kind="written")]
    return grade.Reference("99_demo", Path("99_demo.ipynb"), ["ex-a", "ex-w"], exs, {},
                           [exs[1]])


def _result(points: int, written: str) -> dict:
    return {"status": "ok", "points": {"ex-a": points, "ex-w": 0},
            "results": {"ex-a": "correct" if points else "not yet right", "ex-w": ""},
            "problems": [], "seconds": 1.0, "max": 3, "chapter": "99_demo",
            "written": {"ex-w": written}, "flag": "", "sandboxed": True}


def test_written_answers_are_copied_and_marks_merged_into_the_totals(tmp_path):
    ref = _reference()
    out = tmp_path / "out"
    out.mkdir()
    graded = [("ann", "ann.ipynb", _result(1, "Because <script>alert(1)</script> the hulls "
                                              "meet.")),
              ("ben", "ben.ipynb", _result(0, "I do not know."))]
    report.write(ref, graded, out)
    rows = _rows(out / "grades.csv")
    assert rows["ann"]["ex-w (written)"] == "" and rows["ann"]["total"] == "1"
    text = (out / "feedback" / "ann.md").read_text()
    assert "> Because <script>" in text and "your teacher marks it" in text
    page = (out / "feedback" / "ann.html").read_text()
    assert "&lt;script&gt;" in page and "<script>" not in page
    marks = tmp_path / "marks.csv"
    marks.write_text("student_id,exercise,mark,comment\nann,ex-w,1.5,the Radon partition\n")
    report.write(ref, [], out, marks=report.read_marks(marks, ref))
    rows = _rows(out / "grades.csv")
    assert rows["ann"]["ex-w (written)"] == "1.5" and rows["ann"]["total"] == "2.5"
    assert rows["ben"]["ex-w (written)"] == "" and rows["ben"]["total"] == "0"
    assert "the Radon partition" in (out / "feedback" / "ann.md").read_text()
    marks.write_text("student_id,exercise,mark\nben,ex-w,2\n")     # a later file adds ben
    report.write(ref, [], out, marks=report.read_marks(marks, ref))
    rows = _rows(out / "grades.csv")
    assert (rows["ann"]["total"], rows["ben"]["total"]) == ("2.5", "2")
    assert "| ex-w (written) | 2 | 1 of 2 marked | 50% |" in (out / "summary.md").read_text()


def test_the_answer_cell_of_a_written_exercise_is_read_from_the_notebook():
    """Chapter 10's student copy has a tagged answer cell per written exercise: its
    prompt alone is no answer; the student's text is copied as written."""
    chapter = ROOT / "book" / "chapters" / "10_generalisation.ipynb"
    reference = grade.load_reference(chapter)
    written = [ex.label for ex in reference.written]
    if not written:
        pytest.skip("chapter 10 has no written exercise registered")
    copy = student.make_student_copy(json.loads(chapter.read_text(encoding="utf-8")))
    assert grade._written_answers(copy, written) == {}
    cells = [c for c in copy["cells"] if grade.ANSWER_TAG in c["metadata"].get("tags", [])]
    assert [c["metadata"]["nntheory"]["exercise"] for c in cells] == written
    cells[0]["source"] = cells[0]["source"] + "The Radon partition $I, J$: *both* hulls meet."
    found = grade._written_answers(copy, written)
    assert found == {written[0]: "The Radon partition $I, J$: *both* hulls meet."}


@pytest.mark.parametrize("line, match", [
    ("ann,ex-a,1", "graded automatically"),
    ("ann,ex-zzz,1", "not a written exercise"),
    ("ann,ex-w,3", "outside 0..2"),
    ("ann,ex-w,much", "not a number"),
    (",ex-w,1", "no student_id"),
])
def test_bad_marks_are_refused_with_the_line(tmp_path, line, match):
    marks = tmp_path / "marks.csv"
    marks.write_text(f"student_id,exercise,mark\n{line}\n")
    with pytest.raises(ValueError, match=match):
        report.read_marks(marks, _reference())


def test_marks_of_an_ungraded_student_and_another_chapters_folder_are_refused(tmp_path):
    ref = _reference()
    out = tmp_path / "out"
    out.mkdir()
    report.write(ref, [("ann", "ann.ipynb", _result(1, ""))], out)
    with pytest.raises(ValueError, match="no graded submission of zed"):
        report.write(ref, [], out, marks={"zed": {"ex-w": [1.0, ""]}})
    other = grade.load_reference(write_reference(tmp_path / "ref"))
    with pytest.raises(ValueError, match="holds the grades of chapter 99_demo"):
        report.check_compatible(other, out)
