"""Translated student copies (issue 29): `make student LANG=zh_CN` writes the chapters'
student copies with their prose, exercise text included, from the Chinese catalogues and
their code cells, answer checks and hidden material exactly those of the English copies.

No notebook is executed here: the copies are compared cell by cell with the English ones,
whose running is tested in test_student_copies.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from nntheory.teaching import cli, grade, student
from nntheory.teaching.translate import (
    catalogue_for,
    languages,
    read_messages,
    translate_markdown,
    translate_notebook,
)

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "book" / "locales"
CHAPTERS = sorted((ROOT / "book" / "chapters").glob("*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")
LANG = "zh_CN"


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _flat(text: str) -> str:
    return " ".join(text.split())


def _copies(name: str) -> tuple[dict, dict, object]:
    path = ROOT / "book" / "chapters" / f"{name}.ipynb"
    english = student.make_student_copy(_load(path))
    translated, report = translate_notebook(_load(path), catalogue_for(path, LANG, LOCALES))
    return english, student.make_student_copy(translated, lang=LANG), report


def _has_exercises(path: Path) -> bool:
    return "{exercise}" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["01_perceptron", "03_backprop"])
def test_code_cells_and_checks_are_the_english_copys(name):
    english, chinese, _ = _copies(name)
    assert [c.get("id") for c in chinese["cells"]] == [c.get("id") for c in english["cells"]]
    assert [c["cell_type"] for c in chinese["cells"]] == \
        [c["cell_type"] for c in english["cells"]]
    code = [(c, d) for c, d in zip(english["cells"], chinese["cells"], strict=True)
            if c["cell_type"] != "markdown"]
    assert len(code) > 10
    for en, zh in code:        # source, outputs, metadata (tags, hidden material): all equal
        assert zh == en
    assert chinese["metadata"] == english["metadata"]
    # the written exercises' answer cells: same labels and tags, the prompt in Chinese
    answers = [(c, d) for c, d in zip(english["cells"], chinese["cells"], strict=True)
               if student.ANSWER_TAG in c["metadata"].get("tags", [])]
    for en, zh in answers:
        assert zh["metadata"] == en["metadata"] and CJK.search(_text(zh))


@pytest.mark.parametrize("name", ["01_perceptron", "03_backprop"])
def test_exercise_text_is_chinese_and_the_english_is_gone(name):
    path = ROOT / "book" / "chapters" / f"{name}.ipynb"
    english, chinese, _ = _copies(name)
    messages = dict(read_messages(catalogue_for(path, LANG, LOCALES))[0])
    pairs = [(c, d) for c, d in zip(english["cells"], chinese["cells"], strict=True)
             if "{exercise}" in _text(c)]
    assert len(pairs) >= 3
    for en, zh in pairs:
        en_text, zh_text = _text(en), _text(zh)
        # the directives and their labels stay, their titles and bodies are translated
        assert re.findall(r"\{exercise\}|:label: \S+", zh_text) == \
            re.findall(r"\{exercise\}|:label: \S+", en_text)
        titles = re.findall(r"```\{exercise\} (.+)", zh_text)
        assert titles and all(CJK.search(title) for title in titles)
        body = en_text[en_text.index("{exercise}"):]
        prose = [m for m in messages if len(m.split()) >= 5 and _flat(m) in _flat(body)]
        assert prose, "no message of the exercise found in the English copy"
        for message in prose:
            assert _flat(message) not in _flat(zh_text)
            assert _flat(messages[message]) in _flat(zh_text)
    # no solution prose came back with the translation
    assert "{solution-start}" not in json.dumps(chinese)


@pytest.mark.parametrize("path", [p for p in CHAPTERS if _has_exercises(p)],
                         ids=lambda p: p.stem)
def test_every_translated_message_is_found_in_its_chapter(path):
    """Full coverage: every translated, non-fuzzy message of the chapter's catalogue is
    found in the notebook's Markdown (paragraphs, list items, table cells, headings,
    directive titles, theorem titles "(Title)", proofs' first paragraphs "Proof. ...")."""
    translated, report = translate_notebook(_load(path), catalogue_for(path, LANG, LOCALES))
    assert report.total > 50
    assert report.missing == [], str(report)
    assert report.found == report.total and report.replaced >= report.total


def _po(tmp_path: Path, entries: str) -> Path:
    path = tmp_path / "page.po"
    path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                    + entries, encoding="utf-8")
    return path


def test_matching_is_whitespace_tolerant_whole_block_and_skips_code(tmp_path):
    messages = [
        ("Stop after a pass without mistakes.", "没有错误的一轮之后停止。"),
        ("Stop", "停"),                                  # only where a whole block is "Stop"
        ("the update", "更新"),                          # never inside a longer paragraph
        ("A long item that wraps onto a second line of the list.", "一个很长的列表项。"),
        ("Cell one", "单元一"),
        ("Exercises", "习题"),
        ("Quoted text on two lines.", "引用的文字。"),
    ]
    text = ("## Exercises\n\n"
            "- Stop after a pass\n  without mistakes.\n"
            "- A long item that wraps onto\n  a second line of the list.\n\n"
            "Stop\n\n"
            "We apply the update and Stop early; the update is `Stop`.\n\n"
            "| Cell one | `Stop` |\n|---|---|\n\n"
            "> Quoted text\n> on two lines.\n\n"
            "```python\nStop\n```\n")
    out = translate_markdown(text, messages)
    assert out == ("## 习题\n\n"
                   "- 没有错误的一轮之后停止。\n"
                   "- 一个很长的列表项。\n\n"
                   "停\n\n"
                   "We apply the update and Stop early; the update is `Stop`.\n\n"
                   "| 单元一 | `Stop` |\n|---|---|\n\n"
                   "> 引用的文字。\n\n"
                   "```python\nStop\n```\n")


def test_theorem_titles_and_proofs_keep_their_directives(tmp_path):
    catalogue = _po(tmp_path, """\
msgid "(Novikoff's theorem)"
msgstr "（Novikoff 定理）"

msgid "Let the data be separable."
msgstr "设数据可分。"

msgid "Proof. Sum the updates."
msgstr "证明。把各次更新相加。"

msgid "Proof. (sketch) Take the closure."
msgstr "证明（概要）。取闭包。"

msgid "Untranslated paragraph."
msgstr ""

#, fuzzy
msgid "A fuzzy one."
msgstr "旧的翻译。"
""")
    nb = {"cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": [
            "```{prf:theorem} Novikoff's theorem\n", ":label: thm-n\n", "\n",
            "Let the data be\n", "separable.\n", "```\n", "\n",
            "```{prf:proof}\n", "Sum the updates.\n", "```\n", "\n",
            "```{prf:proof} (sketch)\n", "Take the closure.\n", "```\n", "\n",
            "Untranslated paragraph.\n", "\n", "A fuzzy one.\n"]},
        {"cell_type": "code", "id": "b", "metadata": {}, "outputs": [],
         "execution_count": None, "source": "# Let the data be separable.\nx = 1"}]}
    out, report = translate_notebook(nb, catalogue)
    assert _text(out["cells"][0]) == (
        "```{prf:theorem} Novikoff 定理\n:label: thm-n\n\n设数据可分。\n```\n\n"
        "```{prf:proof}\n把各次更新相加。\n```\n\n"
        "```{prf:proof} （概要）\n取闭包。\n```\n\n"
        "Untranslated paragraph.\n\nA fuzzy one.\n")
    assert isinstance(out["cells"][0]["source"], list)        # the source keeps its form
    assert out["cells"][1] == nb["cells"][1]                    # code is never touched
    assert nb["cells"][0]["source"][3] == "Let the data be\n"  # the input is not changed
    assert (report.total, report.found, report.skipped, report.missing) == (4, 4, 2, [])


def test_a_message_not_in_the_notebook_is_reported(tmp_path):
    catalogue = _po(tmp_path, 'msgid "Here."\nmsgstr "这里。"\n\n'
                              'msgid "Not in the page."\nmsgstr "不在页面中。"\n')
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "Here."}]}
    out, report = translate_notebook(nb, catalogue)
    assert out["cells"][0]["source"] == "这里。"
    assert report.missing == ["Not in the page."] and not report.complete
    assert "1 of 2 messages found" in str(report)


def test_a_missing_catalogue_or_language_is_a_clear_error(tmp_path):
    nb = _load(CHAPTERS[0])
    with pytest.raises(FileNotFoundError, match="catalogue_path: no message catalogue at"):
        translate_notebook(nb, tmp_path / "nowhere.po")
    with pytest.raises(ValueError, match="lang: no message catalogues for 'xx_YY'"):
        catalogue_for(CHAPTERS[0], "xx_YY", LOCALES)
    stray = tmp_path / "99_not_a_page.ipynb"
    stray.write_text("{}")
    with pytest.raises(FileNotFoundError, match="99_not_a_page.ipynb: no message catalogue"):
        catalogue_for(stray, LANG, LOCALES)
    with pytest.raises(TypeError, match="nb must be a notebook"):
        translate_notebook([], tmp_path / "nowhere.po")
    bad = tmp_path / "bad.po"
    bad.write_text('msgid "a"\nmsgstr "b"\nmsgid "a"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="catalogue_path: .*bad.po is not a readable"):
        read_messages(bad)
    assert LANG in languages(LOCALES)


def test_the_lang_option_writes_the_translated_copies(tmp_path, capsys):
    chapter = ROOT / "book" / "chapters" / "03_backprop.ipynb"
    out = tmp_path / "zh"
    student.main([str(chapter), "--lang", LANG, "--locales", str(LOCALES), "--out", str(out)])
    written = _load(out / chapter.name)
    english, chinese, report = _copies("03_backprop")
    assert written == chinese
    assert f"{report.total} of {report.total} messages translated" in capsys.readouterr().out
    cli.main(["student", str(chapter), "--lang", LANG, "--out", str(tmp_path / "cli")])
    assert _load(tmp_path / "cli" / chapter.name) == chinese          # `nntheory student`
    student.main([str(chapter), "--lang", "en", "--out", str(tmp_path / "en")])
    assert _load(tmp_path / "en" / chapter.name) == english
    with pytest.raises(SystemExit):
        student.main([str(chapter), "--lang", "en_US.UTF-8", "--locales", str(LOCALES),
                      "--out", str(tmp_path / "x")])
    assert "--lang: no message catalogues for 'en_US.UTF-8'" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_the_graders_answer_prompt_in_chinese_is_no_answer():
    english, chinese, _ = _copies("03_backprop")
    labels = [c["metadata"]["nntheory"]["exercise"] for c in chinese["cells"]
              if student.ANSWER_TAG in c["metadata"].get("tags", [])]
    assert labels
    assert grade._written_answers(chinese, labels) == {}
    cell = next(c for c in chinese["cells"]
                if student.ANSWER_TAG in c["metadata"].get("tags", []))
    cell["source"] += "两个隐藏单元始终相同。"
    assert grade._written_answers(chinese, labels) == {labels[0]: "两个隐藏单元始终相同。"}


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
@pytest.mark.parametrize("args, env_lang, expected", [
    (["LANG=zh_CN"], "en_US.UTF-8", "--lang zh_CN --out student/zh_CN"),
    (["BOOK_LANG=zh_CN"], "C.UTF-8", "--lang zh_CN --out student/zh_CN"),
    ([], "zh_CN", "--out student"),             # the shell's LANG does not pick the edition
    ([], "en_US.UTF-8", "--out student"),
    (["LANG=en"], "C.UTF-8", "--out student"),
])
def test_make_student_picks_the_edition_from_the_command_line_only(args, env_lang, expected):
    env = {"PATH": "/usr/bin:/bin", "LANG": env_lang, "HOME": str(ROOT)}
    run = subprocess.run(["make", "-n", "-s", "-C", str(ROOT), "student", *args],
                         capture_output=True, text=True, env=env, timeout=60)
    line = next(x for x in run.stdout.splitlines() if "nntheory.student" in x)
    assert line.split("*.ipynb", 1)[1].split() == expected.split()
