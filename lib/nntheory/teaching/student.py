"""Student copies of chapter notebooks: solution code blanked, solution prose removed.

In a chapter, the code of a solution sits between a line ``# BEGIN SOLUTION``
and a line ``# END SOLUTION`` (each marker alone on its line, indentation
allowed); the cell first assigns a placeholder (``answer = ...``), so the
blanked cell still runs and the answer check that follows reports "not yet
solved" instead of crashing. The blanked code becomes ``pass  # your solution
here`` (a statement that shows no output in Jupyter).

The solution's prose is the Markdown from a ``{solution-start}`` directive
through its ``{solution-end}``: in the student copy every Markdown cell of that
range is removed (the code cells inside it stay, blanked), so no worked answer
is left to read. A code cell inside such a range must carry the solution markers:
one without them (it would keep solution code and its outputs) is refused with a
``ValueError`` naming the cell. A cell that is not a JSON object with a
``cell_type`` is refused with a ``TypeError``. For every written exercise of the
registry (``kind="written"``) whose ``{exercise}`` directive is in the notebook,
the copy gets a Markdown answer cell right after the directive's cell, tagged
:data:`ANSWER_TAG` with ``{"nntheory": {"exercise": label}}`` in its metadata
(the grader copies its text into the feedback). Malformed markers (nested,
unbalanced, END before BEGIN, a marker that shares its line with code) are refused
with a ``ValueError`` that
names the cell. Run as a script to write the copies::

    python -m nntheory.teaching.student book/chapters/*.ipynb --out student/
    python -m nntheory.teaching.student book/chapters/*.ipynb --lang zh_CN --out student/zh_CN

With ``--lang``, each chapter's Markdown is first translated from the page's message
catalogue, ``book/locales/<lang>/LC_MESSAGES/chapters/<chapter>.po``
(:mod:`nntheory.teaching.translate`), and the copy is made from the translated notebook: its
code cells, answer checks and hidden material are those of the English copy, its prose
(exercise text included) and its answer cells' prompts are in the other language.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

__all__ = ["blank_solutions", "make_student_copy", "student_book", "strip_rubrics", "main",
           "PLACEHOLDER", "ANSWER_TAG", "ANSWER_PROMPTS", "answer_cell"]

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
#: What a blanked solution block becomes (indented like the block's first marker).
PLACEHOLDER = "pass  # your solution here"
#: The tag of a written exercise's Markdown answer cell.
ANSWER_TAG = "nntheory-answer"
_ANSWER_PROMPT = ("**Your answer** (written exercise `{label}`; replace this text, "
                  "your teacher reads it):\n\n")
#: The answer cell's prompt in each language of the student copies (the grader removes
#: whichever it finds); a language without one gets the English prompt.
ANSWER_PROMPTS = {
    "en": _ANSWER_PROMPT,
    "zh_CN": "**你的答案**（书面习题 `{label}`；请用你的答案替换这段文字，老师会阅读）：\n\n",
}
_DIRECTIVE_LABEL = re.compile(r"\{exercise\}[^\n]*\n(?:[ \t]*:[\w-]+:[^\n]*\n)*?"
                              r"[ \t]*:label:[ \t]*(\S+)")

_MARKER_LINE = re.compile(r"^([ \t]*)# (BEGIN|END) SOLUTION[ \t]*$")
_SOLUTION_START = re.compile(r"^[ \t]*(`{3,}|:{3,})\{solution-start\}", re.MULTILINE)
_SOLUTION_END = re.compile(r"^[ \t]*(`{3,}|:{3,})\{solution-end\}", re.MULTILINE)


def blank_solutions(source: str, *, where: str = "the source") -> str:
    """Replace every ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` block by ``pass``.

    Each marker must stand alone on its line (indentation allowed); blocks may
    not nest, and every BEGIN needs its END after it. Anything else raises a
    ``ValueError`` that names ``where`` (a cell, in :func:`make_student_copy`)
    and the line.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a string (a cell's code); got {type(source).__name__}")
    if not isinstance(where, str):
        raise TypeError(f"where must be a string; got {type(where).__name__}")
    out: list[str] = []
    open_at: int | None = None
    for number, line in enumerate(source.split("\n"), start=1):
        has_marker = BEGIN in line or END in line
        match = _MARKER_LINE.match(line)
        if has_marker and match is None:
            raise ValueError(f"{where}, line {number}: a solution marker must stand alone on "
                             f"its line (only indentation before it); got {line.strip()!r}")
        if match is None:
            if open_at is None:
                out.append(line)
            continue
        indent, kind = match.groups()
        if kind == "BEGIN":
            if open_at is not None:
                raise ValueError(f"{where}, line {number}: nested '{BEGIN}' (the block opened "
                                 f"on line {open_at} is not closed)")
            open_at = number
            out.append(f"{indent}{PLACEHOLDER}")
        else:
            if open_at is None:
                raise ValueError(f"{where}, line {number}: '{END}' without a '{BEGIN}' "
                                 "before it (unbalanced markers)")
            open_at = None
    if open_at is not None:
        raise ValueError(f"{where}, line {open_at}: '{BEGIN}' is never closed by '{END}' "
                         "(unbalanced markers)")
    return "\n".join(out)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _cell_name(index: int, cell: dict) -> str:
    label = cell.get("id")
    return f"cell {index}" + (f" (id {label})" if label else "")


def _outside_solution(src: str, has_start: bool, has_end: bool, where: str) -> str:
    """The text of a Markdown cell outside a solution: before ``{solution-start}``
    and after the closing fence of ``{solution-end}``."""
    before = after = ""
    if has_start:
        before = src[:_SOLUTION_START.search(src).start()]
    if has_end:
        match = _SOLUTION_END.search(src)
        fence = match.group(1)
        rest = src[match.end():].split("\n")
        for i, line in enumerate(rest[1:], start=1):
            if line.strip() == fence:
                after = "\n".join(rest[i + 1:])
                break
    if has_start and has_end and _SOLUTION_END.search(src).start() < \
            _SOLUTION_START.search(src).start():
        raise ValueError(f"{where}: {{solution-end}} before {{solution-start}}")
    return (before.rstrip() + "\n\n" + after.lstrip()).strip("\n") if after.strip() \
        else before.rstrip()


def answer_cell(label: str, text: str | None = None, *, lang: str = "en") -> dict:
    """The tagged Markdown answer cell of written exercise ``label``; without ``text``, the
    prompt of language ``lang`` (:data:`ANSWER_PROMPTS`)."""
    prompt = ANSWER_PROMPTS.get(lang, _ANSWER_PROMPT)
    return {"cell_type": "markdown", "id": f"answer-{label}"[:64],
            "metadata": {"tags": [ANSWER_TAG], "nntheory": {"exercise": label}},
            "source": text if text is not None else prompt.format(label=label)}


def _written_labels() -> set[str]:
    from . import exercises
    return {ex.label for ex in exercises.REGISTRY.values() if ex.kind == "written"}


def _is_answer_cell(cell: dict) -> bool:
    return ANSWER_TAG in ((cell.get("metadata") or {}).get("tags") or [])


def make_student_copy(notebook: dict, *, lang: str = "en") -> dict:
    """A copy of a notebook (nbformat JSON as a dict) without its solutions.

    Code between solution markers is blanked; every Markdown cell from a
    ``{solution-start}`` through the matching ``{solution-end}`` (both included,
    so prose in the same cell as a directive goes too) is removed. The written
    exercises' answer cells get the prompt of language ``lang``; the notebook's own
    text is not translated here (:func:`nntheory.teaching.translate.translate_notebook`
    does that, before).
    """
    if not isinstance(lang, str):
        raise TypeError(f"lang must be a language code such as 'zh_CN'; got "
                        f"{type(lang).__name__}")
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise TypeError("notebook must be a notebook as a dict with a 'cells' list "
                        f"(json.loads of an .ipynb); got {type(notebook).__name__}")
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str) or \
                not isinstance(cell.get("source", ""), (str, list)):
            raise TypeError(f"notebook: cell {index} is not a notebook cell (a dict with a "
                            f"'cell_type' and a 'source'); got {type(cell).__name__}")
    nb = json.loads(json.dumps(notebook))
    written = _written_labels()
    have_answer = {((c.get("metadata") or {}).get("nntheory") or {}).get("exercise")
                   for c in nb["cells"] if _is_answer_cell(c)}
    cells = []
    in_solution: str | None = None  # the cell where the open solution started
    for index, cell in enumerate(nb["cells"]):
        src = _source(cell)
        where = _cell_name(index, cell)
        if in_solution is not None and _is_answer_cell(cell):
            continue     # a model answer inside the solution block: the student writes theirs
        if cell.get("cell_type") == "markdown":
            starts = len(_SOLUTION_START.findall(src))
            ends = len(_SOLUTION_END.findall(src))
            if starts > 1 or ends > 1 or (in_solution is not None and starts):
                raise ValueError(f"{where}: nested or repeated {{solution-start}} / "
                                 "{solution-end} directives")
            if in_solution is None and ends and not starts:
                raise ValueError(f"{where}: {{solution-end}} without a {{solution-start}} "
                                 "before it")
            if starts or in_solution is not None:
                # solution prose: drop it; the gated block stays open until its end.
                # Text before {solution-start} or after {solution-end}'s fence stays.
                kept = _outside_solution(src, starts > 0, ends > 0, where)
                in_solution = None if ends else (in_solution or where)
                if kept.strip():
                    cell["source"] = kept
                    cells.append(cell)
                continue
            cells.append(cell)
            for label in _DIRECTIVE_LABEL.findall(src):
                if label in written and label not in have_answer:
                    cells.append(answer_cell(label, lang=lang))
            continue
        if cell.get("cell_type") == "code" and (BEGIN in src or END in src):
            cell["source"] = blank_solutions(src, where=where)
            cell["outputs"] = []
            cell["execution_count"] = None
        elif cell.get("cell_type") == "code" and in_solution is not None and not src.strip():
            cell["outputs"] = []             # an empty cell keeps no stale output either
            cell["execution_count"] = None
        elif cell.get("cell_type") == "code" and in_solution is not None:
            raise ValueError(f"{where}: a code cell inside the solution that starts at "
                             f"{in_solution} has no '{BEGIN}' / '{END}' markers (its code "
                             "and outputs would reach the student); mark its solution lines")
        cells.append(cell)
    if in_solution is not None:
        raise ValueError(f"{in_solution}: {{solution-start}} is never closed by "
                         "{solution-end}")
    nb["cells"] = cells
    return nb


_LANG_HELP = """\
translate each chapter's prose (exercise text included) into language LANG before making
its copy, from the page's catalogue LOCALES/LANG/LC_MESSAGES/chapters/<chapter>.po; the
code cells and answer checks stay those of the English copy. LANG must have a catalogue
folder under LOCALES (now: {have}); 'en' or '' means the English copies. `make student
LANG=zh_CN` passes it (and writes to student/zh_CN/); the shell's own LANG (a locale such
as en_US.UTF-8) is not read"""


def main(argv: list[str] | None = None) -> None:
    from . import translate

    parser = argparse.ArgumentParser(
        description="Write student copies of chapter notebooks: solution code blanked, "
                    "solution prose removed; with --lang, in another language.")
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("student"))
    parser.add_argument("--lang", default="", help=_LANG_HELP.format(
        have=", ".join(translate.languages()) or "none"))
    parser.add_argument("--locales", type=Path, default=translate.default_locales(),
                        help="the folder of the message catalogues (default: the "
                             "repository's book/locales)")
    args = parser.parse_args(argv)
    lang = "" if args.lang in ("", "en") else args.lang
    if lang and lang not in translate.languages(args.locales):
        parser.error(f"--lang: no message catalogues for {lang!r} in {args.locales} "
                     f"(languages there: {', '.join(translate.languages(args.locales)) or 'none'}"
                     "; 'en' for the English copies)")
    args.out.mkdir(parents=True, exist_ok=True)
    incomplete = []
    for path in args.notebooks:
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
            if lang:
                nb, report = translate.translate_notebook(
                    nb, translate.catalogue_for(path, lang, args.locales))
                if report.missing:
                    incomplete.append(f"{path.name}: {len(report.missing)} of {report.total}")
            nb = make_student_copy(nb, lang=lang or "en")
        except (ValueError, FileNotFoundError) as exc:
            raise SystemExit(f"{path}: {exc}") from None
        (args.out / path.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
        print(f"wrote {args.out / path.name}" + (f" ({report.found} of {report.total} "
                                                   "messages translated)" if lang else ""))
    if incomplete:
        print(f"warning: messages of the {lang} catalogues not found in their notebook (the "
              "catalogue is older than the English text; `make translations` updates it): "
              + "; ".join(incomplete))


if __name__ == "__main__":
    main()


#: The git branch that holds the repository with every notebook replaced by its student
#: copy (``write_student_copies``); the solution-free site's Binder and Colab buttons
#: open the chapters there. The book's publishing workflow writes it.
STUDENT_BRANCH = "student"


def write_student_copies(folder: Path) -> list[Path]:
    """Replace every notebook under ``folder`` by its student copy, in place; the list of
    notebooks. A malformed solution marker is refused naming the notebook."""
    folder = Path(folder)
    written = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        try:
            nb = make_student_copy(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise ValueError(f"{path.relative_to(folder)}: {exc}") from None
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _launch_on_branch(config: str, branch: str | None) -> str:
    """``_config.yml``'s text with ``repository.branch`` set to ``branch`` (the launch
    buttons open ``<path_to_book>/<page>.ipynb`` on that branch); with ``None``, the
    Binder and Colab buttons removed instead (the site's download button stays)."""
    import re

    block = re.search(r"^repository:[ \t]*\n((?:[ \t]+.*\n?)*)", config, re.M)
    if block is None:
        raise ValueError("_config.yml has no `repository:` section")
    if branch is None:
        return re.sub(r"^[ \t]+(binderhub_url|colab_url):.*\n?", "", config, flags=re.M)
    if not re.fullmatch(r"[A-Za-z0-9_./-]+", branch):
        raise ValueError(f"launch_branch: not a branch name: {branch!r}")
    body = block.group(1)
    if re.search(r"^[ \t]+branch:", body, re.M):
        body = re.sub(r"^([ \t]+branch:[ \t]*)\S+", lambda m: m.group(1) + branch, body,
                      count=1, flags=re.M)
    else:
        body = body.rstrip("\n") + f"\n  branch: {branch}\n"
    return config[:block.start(1)] + body + config[block.end(1):]


_RUBRIC = re.compile(r"^\*\*Rubric for `[^`]+`\*\*.*?(?:\n\n|\Z)", re.MULTILINE | re.DOTALL)


def strip_rubrics(page: str) -> str:
    """The teacher's guide without its marking rubrics (the paragraphs that begin
    ``**Rubric for `label`**``, written by :mod:`nntheory.teaching.guide`): what the
    solution-free site shows, since a rubric describes the model answer."""
    return _RUBRIC.sub("", page)


def student_book(book: Path, out: Path, *, launch_branch: str | None = STUDENT_BRANCH
                 ) -> Path:
    """Copy the book folder ``book`` to ``out`` with every chapter notebook replaced by
    its student copy (no solution code, no solution prose): the source of a
    solution-free site (``make book-student``). ``out`` is replaced if it exists.

    The site's download button gives the page's own notebook, the student copy. Its
    Binder and Colab buttons open the chapter on the repository's branch
    ``launch_branch`` (:data:`STUDENT_BRANCH`), where every notebook is its student
    copy (written by :func:`write_student_copies`, published with the site), not the
    solved chapter on the main branch; ``launch_branch=None`` removes those two buttons.
    The configuration's relative path to the book's Sphinx helpers (``../tools``) is
    made absolute so that the copy builds from anywhere."""
    import shutil

    book, out = Path(book).resolve(), Path(out).resolve()
    if not (book / "_config.yml").is_file():
        raise ValueError(f"book: {book} has no _config.yml")
    if out == book or book in out.parents and "_build" not in out.relative_to(book).parts:
        raise ValueError(f"out: {out} would overwrite the book; choose a folder outside it "
                         "or under its _build")
    config = out / "_config.yml"
    new_config = _launch_on_branch((book / "_config.yml").read_text(encoding="utf-8"),
                                   launch_branch)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(book, out, ignore=shutil.ignore_patterns(
        "_build", "student", ".ipynb_checkpoints", "__pycache__"))
    write_student_copies(out)
    guide_page = out / "teaching.md"
    if guide_page.is_file():  # the teacher's guide stays, its marking rubrics do not
        guide_page.write_text(strip_rubrics(guide_page.read_text(encoding="utf-8")),
                              encoding="utf-8")
    tools = (book.parent / "tools").resolve()
    if "../tools" in new_config and tools.is_dir():
        new_config = new_config.replace("../tools", str(tools))
    config.write_text(new_config, encoding="utf-8")
    return out
