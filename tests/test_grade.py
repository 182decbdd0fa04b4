"""The teaching kit: the exercise registry, the checks' grading channel, the grader.

The grader's tests run a class of fixture submissions made from one small
notebook (tests/grading_fixture.py: chapter 3's exercise section cut from the
chapter, so each runs in seconds), one per case the grader must survive, each in
its own sandbox, and assert each student's points; then one real chapter end to
end: its student copy grades to 0 (status blank) and its solution to full marks.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from grading_fixture import (  # the small chapter the grader's tests grade
    CHECK_CELLS,
    FITTED_SOFTPLUS,
    RIGHT,
    RIGHT_SOFTPLUS,
    WRONG,
    answers,
    fixture_notebook,
    insert_after_imports,
    set_cell,
    write_reference,
)

from nntheory import checks as shim_checks
from nntheory.teaching import checks, exercises, grade, guide, student

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "book" / "chapters"


def run(fn, *args, **kwargs):
    buf = io.StringIO()
    with redirect_stdout(buf):
        result = fn(*args, **kwargs)
    return result, buf.getvalue()


# ------------------------------------------------------------------ the checks' channel


def test_nntheory_checks_is_the_teaching_module():
    assert shim_checks is checks
    from nntheory.student import make_student_copy
    assert make_student_copy is student.make_student_copy


def test_every_check_appends_one_json_line_when_the_grader_names_a_log(tmp_path, monkeypatch):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv(checks.LOG_ENV, str(log))
    run(checks.check_number, 4.0, 4.0, name="q1")
    run(checks.check_number, ..., 4.0, name="q2")
    run(checks.check_array, [1, 2], [1, 3], name="q3", exercise="ex-bp-count")
    run(checks.check_true, 3, lambda a: (False, "no"), exercise="ex-ua-hat")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["name"], r["exercise"], r["passed"], r["unsolved"]) for r in lines] == [
        ("q1", None, True, False), ("q2", None, False, True),
        ("q3", "ex-bp-count", False, False), ("ex-ua-hat", "ex-ua-hat", False, False)]
    assert all(r["kind"] == "check" and r["message"] for r in lines)
    monkeypatch.delenv(checks.LOG_ENV)
    run(checks.check_number, 4.0, 4.0)
    assert len(log.read_text().splitlines()) == 4        # no log named: nothing written


def test_expected_values_come_from_the_registry_and_are_never_printed():
    # ex-ua-units, variant 0: (b - a) sqrt(sup|f''| / (8 tol)) = 2 sqrt(pi^2 / 8e-3) = 70.2
    expected = 71                                          # (ex-bp-count is a function now)
    ok, out = run(checks.check_exercise, "ex-ua-units", expected)
    assert ok and "[ex-ua-units]" in out and str(expected) not in out
    assert not hasattr(exercises.get("ex-ua-units"), "expected_value")   # issue 23
    for wrong in (expected + 1, expected - 7, -expected, 10 * expected):
        ok, out = run(checks.check_exercise, "ex-ua-units", wrong)
        assert not ok and str(expected) not in out
    ok, out = run(checks.check_exercise, "ex-ua-units", ...)
    assert not ok and "Not yet solved" in out


@pytest.mark.parametrize("call, exc, match", [
    (lambda: checks.check_number(1, exercise="ex-nonexistent"), ValueError, "ex-nonexistent"),
    (lambda: checks.check_number(1, exercise=3), TypeError, "exercise"),
    (lambda: checks.check_number(1), TypeError, "expected"),
    (lambda: checks.check_exercise(None, 1), TypeError, "exercise"),
    (lambda: checks.check_number(1, exercise="ex-ua-hat"), ValueError, "check_exercise"),
])
def test_author_mistakes_with_labels_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("label", list(exercises.REGISTRY))
def test_every_registered_exercise_reports_placeholders_and_junk(label):
    ex = exercises.get(label)
    assert ex.difficulty in exercises.POINTS and ex.goal
    for junk in ("text", object(), [1, 2, 3], float("nan")):
        ok, message = ex.verdict(junk)
        assert ok is False and isinstance(message, str)
    ok, out = run(checks.check_exercise, label, ...)
    assert not ok and "Not yet solved" in out


def test_hidden_cases_catch_an_answer_fitted_to_the_visible_case():
    ex = exercises.get("ex-bp-softplus")
    namespace: dict = {"np": np, "beta_sp": 1.0}                  # variant 0's sharpness
    exec(RIGHT["softplus"].format(denominator="out.size"), namespace)
    right = namespace["softplus_gradients"]
    exec(RIGHT["softplus"].format(denominator="14"), namespace)   # 7 examples x 2 outputs
    fitted = namespace["softplus_gradients"]
    assert ex.verdict(right)[0] and all(case.run(right)[0] for case in ex.hidden)
    assert ex.verdict(fitted)[0]
    assert not all(case.run(fitted)[0] for case in ex.hidden)


# ------------------------------------------------------------------ registry vs the book


def _cells(path: Path) -> list[tuple[str, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


@pytest.mark.parametrize("chapter", exercises.chapters())
def test_the_registry_matches_the_chapter(chapter):
    """Every registered exercise is in its chapter, under its label, with its answer
    variable; every answer check of the chapter is recognised by the grader."""
    path = CHAPTERS / f"{chapter}.ipynb"
    cells = _cells(path)
    markdown = "\n".join(src for kind, src in cells if kind == "markdown")
    code = "\n".join(src for kind, src in cells if kind == "code")
    labels = re.findall(r":label:\s*(ex-[\w-]+)", markdown)
    registered = exercises.for_chapter(chapter)
    assert [ex.label for ex in registered] == labels, "register every exercise, in order"
    for ex in registered:
        if ex.kind == "written":          # answered in a Markdown cell of the student copy
            continue
        assert re.search(rf"^{re.escape(ex.answer)} = \.\.\.", code, re.MULTILINE), ex.answer
    reference = grade.load_reference(path)
    for _cell_id, (src, label) in reference.check_cells.items():
        if label is None:
            continue
        names = re.findall(r"""name=["']([^"']+)["']""", src)
        labelled = re.findall(r"""(?:exercise=|check_exercise\()["'](ex-[\w-]+)["']""", src)
        found = [exercises.by_name(chapter, n) for n in names + labelled]
        assert found and all(ex is not None and ex.label == label for ex in found), (
            f"{chapter}: the check cell of {label} passes name(s) {names + labelled}, "
            "which the registry does not map to it")


# ------------------------------------------------------------------ the grader

LAZY_IMPORTS = ("from nntheory import numpy_core as npc\n"
                "from nntheory.teaching import exercises\n"
                "import importlib, types")
LAZY = (  # /tmp/lazy/run/a03.py of the probe (notes/lazy_report.md), cell by cell
    'n_params = getattr(getattr(npc, "MLP")([3, 64, 64, 10]), "n_para" + "meters")',
    'def tiny_grad(x0, y0, a, b, c, d):\n'
    '    tiny = getattr(npc, "MLP")([1, 1, 1], "tanh")\n'
    '    tiny.set_parameters([np.array([[a]]), np.array([b]), np.array([[c]]),\n'
    '                         np.array([d])])\n'
    '    grads = getattr(npc, "loss_and_" + "gradients")(tiny, [[x0]], [[y0]])[1]\n'
    '    return [float(g.ravel()[0]) for g in grads]',
    'def _copy(f):\n'
    '    g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,\n'
    '                           f.__closure__)\n'
    '    g.__kwdefaults__ = f.__kwdefaults__\n'
    '    return g\n'
    'LG = _copy(getattr(importlib.import_module("nntheory." + "numpy_core"),\n'
    '                   "loss_and_" + "gradients"))\n'
    'K = getattr(npc, "MLP")\n'
    'INIT = _copy(K.__init__)\n'
    'def softplus_gradients(params, X, Y):\n'
    '    sizes = [params[0].shape[0], params[0].shape[1], params[2].shape[1]]\n'
    '    net = K.__new__(K)\n'
    '    INIT(net, sizes, "softplus")\n'
    '    net.set_parameters(params)\n'
    '    return LG(net, X, Y)[1]')
TAMPER = ("from nntheory.teaching import exercises\n"       # the probe's t10.py on chapter 3
          "for _ex in exercises.for_chapter('03_backprop'):\n"
          "    object.__setattr__(_ex, 'check', lambda a: (True, 'right'))\n"
          "    object.__setattr__(_ex, 'hidden', ())\n"
          "vars(exercises)['_TRIES'].clear()")
UNLOCK = ("import nntheory.teaching.forbid as F\n"
          "F.grader_switch = lambda secret, on: 0")
SEARCH = ("from nntheory.teaching import exercises\n"       # the probe's a07.py search
          "found = None\n"
          "for cand in range(5000, 5100):\n"
          "    vars(exercises)['_TRIES'].clear()\n"
          "    if exercises.get('ex-bp-count').verdict(cand)[0]:\n"
          "        found = cand\n"
          "        break")


def _scalar_expected() -> float:
    x, y, w1, b1, w2, b2 = exercises.data("ex-bp-scalar")      # variant 0
    a = np.tanh(w1 * x + b1)
    return 2 * (w2 * a + b2 - y) * w2 * (1 - a ** 2) * x


# student -> (notebook, expected points per exercise, status)
CLASS = {
    "correct": (lambda: fixture_notebook(), (1, 1, 3), "ok"),
    "blank": (lambda: student.make_student_copy(fixture_notebook()), (0, 0, 0), "blank"),
    "wrong": (lambda: answers(**WRONG), (0, 0, 0), "ok"),
    "partial": (lambda: answers(RIGHT["n_params"], WRONG["dL_dw1"], FITTED_SOFTPLUS),
                (1, 0, 0), "ok"),
    "crashing": (lambda: answers(RIGHT["n_params"], "dL_dw1 = 1 / 0", RIGHT_SOFTPLUS),
                 (1, 0, 3), "errors"),
    "nameerror": (lambda: answers(RIGHT["n_params"], "dL_dw1 = undefined_name * 2",
                                  RIGHT_SOFTPLUS), (1, 0, 3), "errors"),
    "syntax": (lambda: answers("n_params = 64 * (3 + 1", RIGHT["dL_dw1"], RIGHT_SOFTPLUS),
               (0, 1, 3), "errors"),
    "tampered": (lambda: set_cell(set_cell(fixture_notebook(), CHECK_CELLS["ex-bp-count"],
                                           "checks.check_number(count_params((3, 4)), "
                                           "count_params((3, 4)), "
                                           "name='parameter count')"),
                                  CHECK_CELLS["ex-bp-softplus"], None), (0, 1, 0),
                 "check cells changed"),
    "redefined": (lambda: insert_after_imports(
        answers(**WRONG), "class checks:\n    check_number = check_array = check_true = "
                          "check_exercise = staticmethod(lambda *a, **k: True)"),
        (0, 0, 0), "checks replaced"),
    "patched": (lambda: insert_after_imports(
        answers(**WRONG), "checks.check_number = lambda *a, **k: True\n"
                          "checks.check_exercise = lambda *a, **k: True"), (0, 0, 0),
        "checks replaced"),
    "forged": (lambda: insert_after_imports(
        answers(**WRONG),
        "import json, os\n"
        "with open(os.environ['NNTHEORY_GRADE_LOG'], 'a') as f:\n"
        "    for label in ('ex-bp-count', 'ex-bp-scalar', 'ex-bp-softplus'):\n"
        "        f.write(json.dumps({'kind': 'grade', 'token': 'guess', 'exercise': label,\n"
        "                            'unsolved': False, 'visible': [True, ''],\n"
        "                            'hidden': []}) + '\\n')"), (0, 0, 0), "ok"),
    # the lazy-student probe's shortcuts, as it wrote them (getattr, string-built names,
    # a types.FunctionType copy): forbidden functions are disabled in every cell the
    # student wrote, so they raise in the grader
    "lazy": (lambda: insert_after_imports(answers(*LAZY), LAZY_IMPORTS), (0, 0, 0), "errors"),
    # the probe's registry tampering with wrong answers, and a search through
    # ex.verdict: the grader's verdicts come from a private copy of the registry
    "registry": (lambda: insert_after_imports(insert_after_imports(
        answers(**WRONG), TAMPER, "tamper"), SEARCH, "search"), (0, 0, 0), "errors"),
    # turns the lock off for its later cells by replacing the switch: refused
    "unlocker": (lambda: insert_after_imports(answers(*LAZY), LAZY_IMPORTS + "\n" + UNLOCK),
                 (0, 0, 0), "checks replaced"),
    "other_chapter": (lambda: student.make_student_copy(
        _notebook(CHAPTERS / "07_approximation_spaces.ipynb")), (0, 0, 0), "wrong chapter"),
    "corrupt": (None, (0, 0, 0), "corrupt file"),
    "carol": (lambda: fixture_notebook(), (1, 1, 3), "ok"),   # a folder per student
}


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_class(folder: Path, names) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        make = CLASS[name][0]
        if name == "corrupt":
            (folder / "corrupt.ipynb").write_text('{"cells": [{"cell_type": "code", ')
            continue
        path = folder / f"{name}.ipynb"
        if name == "carol":
            (folder / "carol").mkdir()
            path = folder / "carol" / "03_backprop.ipynb"
        path.write_text(json.dumps(make(), indent=1))


def _read_grades(out: Path) -> dict[str, dict]:
    with (out / "grades.csv").open() as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    return write_reference(tmp_path_factory.mktemp("reference"))


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, reference):
    root = tmp_path_factory.mktemp("class")
    _write_class(root / "subs", CLASS)
    start = time.monotonic()
    grade.grade(reference, root / "subs", root / "out", jobs=2, timeout=60, progress=False)
    return root / "out", time.monotonic() - start


FEEDBACK = {
    "wrong": ["ex-bp-scalar", "not yet right"],
    "partial": ["hidden case", "other widths and batch size"],
    "crashing": ["raised ZeroDivisionError in cell", "exercise ex-bp-scalar"],
    "nameerror": ["0 / 1 | ❌ raised NameError in cell"],
    "syntax": ["raised SyntaxError"],
    "tampered": ["check cell of exercise ex-bp-count was edited",
                 "check cell of exercise ex-bp-softplus was deleted"],
    "redefined": ["`checks` was redefined"],
    "patched": ["answer checks were changed", "check_exercise"],
    "other_chapter": ["not chapter 03_backprop", "07_approximation_spaces"],
    "corrupt": ["could not be read as a Jupyter notebook"],
    "blank": ["not answered"],
    "lazy": ["raised ForbiddenError", "`MLP` is disabled here"],
    "unlocker": ["could not disable the forbidden functions"],
    "registry": ["`the registry's own helpers` is disabled here", "not yet right"],
    "correct": ["correct, and on 4 hidden cases"],
}


def test_the_grader_gives_each_submission_its_points_and_feedback(graded_class):
    """One test for the whole class (the class is graded once, also under xdist)."""
    out, _ = graded_class
    rows = _read_grades(out)
    assert set(rows) == set(CLASS)
    count = 3 * 64 + 64 * 64 + 64 * 10 + 3 * 64 + 64 * 10 + 64 + 64   # ex-bp-count, variant 0
    # every exercise of the chapter counts, the written one (marked by hand) too
    CHAPTER_MAX = sum(ex.points for ex in exercises.for_chapter("03_backprop"))
    failures = []
    for name, (_make, expected, status) in CLASS.items():
        row = rows[name]
        text = (out / "feedback" / f"{name}.md").read_text()
        page = (out / "feedback" / f"{name}.html").read_text()
        got = tuple(int(row[label]) for label in CHECK_CELLS)
        if (got, row["status"]) != (expected, status):
            failures.append(f"{name}: {got} {row['status']!r}, expected {expected} "
                            f"{status!r}\n{text}")
        if float(row["total"]) != sum(expected) or int(row["max"]) != CHAPTER_MAX or \
                row["sandboxed"] != "yes":
            failures.append(f"{name}: total/max/sandboxed {row}")
        failures += [f"{name}: no {phrase!r} in\n{text}" for phrase in FEEDBACK.get(name, [])
                     if phrase not in text]
        for shown in (text, page):    # never the answer
            if str(count) in shown or f"{_scalar_expected():.3g}" in shown:
                failures.append(f"{name}: an expected value in the feedback")
        if not (page.startswith("<!DOCTYPE html>") and "Score:" in page):
            failures.append(f"{name}: the HTML page")
    assert not failures, "\n\n".join(failures)
    # a cell is named as Jupyter shows it: its position from the top (1-based, Markdown
    # counted) and the In [n] of a run from the top
    nb = answers(RIGHT["n_params"], "dL_dw1 = 1 / 0", RIGHT_SOFTPLUS)
    position = next(i for i, c in enumerate(nb["cells"], start=1) if c.get("id") == "607e577e")
    n_code = sum(1 for c in nb["cells"][:position] if c["cell_type"] == "code")
    text = (out / "feedback" / "crashing.md").read_text()
    assert f"cell {position} (In [{n_code}])" in text, text


def test_an_infinite_loop_costs_only_its_exercise(tmp_path, reference):
    """A cell past the per-cell limit is interrupted; later, independent exercises still
    earn their points."""
    nb = answers(RIGHT["n_params"], "while True:\n    pass", RIGHT_SOFTPLUS)
    _write_class(tmp_path / "subs", [])
    (tmp_path / "subs" / "looping.ipynb").write_text(json.dumps(nb))
    grade.grade(reference, tmp_path / "subs", tmp_path / "out", timeout=120, cell_timeout=15,
                progress=False)
    rows = _read_grades(tmp_path / "out")
    assert [int(rows["looping"][label]) for label in CHECK_CELLS] == [1, 0, 3]
    assert rows["looping"]["status"] == "time limit"
    text = (tmp_path / "out" / "feedback" / "looping.md").read_text()
    assert "still running after 15 s" in text and "the next cells ran" in text


def test_the_command_line(tmp_path, reference):
    _write_class(tmp_path / "subs", ["corrupt", "other_chapter"])
    result = subprocess.run(
        [sys.executable, "-m", "nntheory", "grade", str(reference),
         str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--jobs", "2"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "2/2" in result.stderr and "graded 2 notebook(s)" in result.stderr
    assert set(_read_grades(tmp_path / "out")) == {"corrupt", "other_chapter"}
    bad = subprocess.run([sys.executable, "-m", "nntheory", "grade", "99",
                          str(tmp_path / "subs")], capture_output=True, text=True)
    assert bad.returncode != 0 and "chapter" in bad.stderr
    text = (ROOT / "pyproject.toml").read_text()
    assert 'nntheory = "nntheory.teaching.cli:main"' in text


@pytest.mark.parametrize("chapter", ["07_approximation_spaces"])
def test_a_chapter_solution_gets_full_marks_and_its_student_copy_zero(tmp_path, chapter):
    path = CHAPTERS / f"{chapter}.ipynb"
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "solution.ipynb").write_text(path.read_text())
    (subs / "blank.ipynb").write_text(json.dumps(student.make_student_copy(_notebook(path))))
    grade.grade(path, subs, tmp_path / "out", jobs=2, timeout=300, progress=False)
    rows = _read_grades(tmp_path / "out")
    auto = sum(ex.points for ex in exercises.for_chapter(chapter)
               if ex.kind != "written")
    assert int(rows["solution"]["total"]) == auto and rows["solution"]["status"] == "ok"
    assert int(rows["blank"]["total"]) == 0 and rows["blank"]["status"] == "blank"


# ------------------------------------------------------------------ the guide, the book


def test_the_teachers_guide_tables_are_generated_from_the_book():
    page = ROOT / "book" / "teaching.md"
    assert guide.current(page) == guide.tables(CHAPTERS), (
        "book/teaching.md is stale: run `nntheory guide --write book/teaching.md`")


def test_the_solution_free_book_has_no_solution(tmp_path):
    out = student.student_book(ROOT / "book", tmp_path / "book")
    for path in sorted((ROOT / "book" / "chapters").glob("*.ipynb")):
        copy = json.loads((out / "chapters" / path.name).read_text())
        text = "\n".join("".join(c["source"]) for c in copy["cells"])
        assert "{solution-start}" not in text and "# BEGIN SOLUTION" not in text
    assert "../tools" not in (out / "_config.yml").read_text()


def _glue_keys(cells) -> tuple[set[str], set[str]]:
    """The glue keys code cells define and Markdown cells use (roughly: f-string keys
    count by their prefix; the same rough reading is applied to both notebooks)."""
    defined, used = set(), set()
    for cell in cells:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code":
            defined |= set(re.findall(r"""glue\(\s*f?["']([^"']+)""", src))
        else:
            used |= {k.split(":")[0] for k in re.findall(r"\{glue(?::\w+)?\}`([^`]+)`", src)}
    return defined, used


@pytest.mark.parametrize("path", sorted(CHAPTERS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_a_student_copy_uses_no_glued_number_that_only_a_solution_computes(path):
    """The solution-free site builds with -W: no page may refer to a number that only a
    blanked solution cell glued."""
    nb = _notebook(path)
    defined, used = _glue_keys(nb["cells"])
    defined_s, used_s = _glue_keys(student.make_student_copy(nb)["cells"])
    assert (used_s - defined_s) <= (used - defined)
    with pytest.raises(ValueError, match="overwrite"):
        student.student_book(ROOT / "book", ROOT / "book")
