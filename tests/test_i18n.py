"""The translation checks of tools/i18n.py (issue 29): what a translation must keep, the
catalogue check (untranslated, fuzzy, invariants lost), and the language switch's links.

Every check is shown to fail on the broken case it exists for, on the book's own messages
(each Markdown paragraph of every chapter, as gettext cuts them) as well as on small cases.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import i18n  # noqa: E402
import nntheory_i18n  # noqa: E402

CHAPTERS = sorted((ROOT / "book" / "chapters").glob("*.ipynb"))


def _paragraphs():
    """Every Markdown paragraph of every chapter (gettext's messages, near enough)."""
    found = []
    for path in CHAPTERS:
        for cell in json.loads(path.read_text(encoding="utf8"))["cells"]:
            if cell["cell_type"] == "markdown":
                text = "".join(cell["source"])
                found += [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return found


PARAGRAPHS = _paragraphs()


def test_the_invariants_of_a_message():
    msg = ("(sec-x)=\nIn all {glue:text}`n_runs` runs, by {prf:ref}`the theorem <thm-novikoff>`"
           " and {cite:p}`novikoff1962`, $k \\le (R/\\gamma)^2$ holds; see `perceptron()` and"
           " [the notes](https://example.org/a) and $$\\sum_i x_i$$.")
    found = i18n.invariants(msg)
    assert found == {
        "label sec-x": 1, "role {glue:text}`n_runs`": 1,
        "role {prf:ref}`<thm-novikoff>`": 1, "role {cite:p}`novikoff1962`": 1,
        "math $k \\le (R/\\gamma)^2$": 1, "code `perceptron()`": 1,
        "url https://example.org/a": 1, "math $$\\sum_i x_i$$": 1}


def test_a_faithful_translation_passes_and_a_translated_title_is_allowed():
    msg = "By {prf:ref}`the theorem <thm-x>`, {glue:text}`k:.2f` mistakes, at most $(R/\\gamma)^2$."
    zh = "由{prf:ref}`该定理 <thm-x>`，错误次数为 {glue:text}`k:.2f`，至多 $(R/\\gamma)^2$。"
    assert i18n.compare(msg, zh) == ""


@pytest.mark.parametrize("broken, lost", [
    ("由该定理，错误次数为 {glue:text}`k:.2f`，至多 $(R/\\gamma)^2$。", "thm-x"),
    ("由{prf:ref}`该定理 <thm-x>`，错误次数为 {glue:text}`k:.1f`，至多 $(R/\\gamma)^2$。", "k:.2f"),
    ("由{prf:ref}`该定理 <thm-x>`，错误次数为 {glue:text}`k:.2f`，至多 $(R/\\gamma)^3$。", "gamma"),
    ("由{prf:ref}`该定理 <thm-y>`，错误次数为 {glue:text}`k:.2f`，至多 $(R/\\gamma)^2$。", "thm-x"),
])
def test_a_translation_that_loses_or_changes_an_invariant_fails(broken, lost):
    msg = "By {prf:ref}`the theorem <thm-x>`, {glue:text}`k:.2f` mistakes, at most $(R/\\gamma)^2$."
    detail = i18n.compare(msg, broken)
    assert detail.startswith("lost") and lost in detail


def test_on_the_books_own_paragraphs_every_dropped_role_or_changed_formula_is_caught():
    roles = maths = 0
    for text in PARAGRAPHS:
        assert i18n.compare(text, text) == ""
        for m in i18n._ROLE.finditer(text):
            roles += 1
            assert i18n.compare(text, text[:m.start()] + text[m.end():]), m.group(0)
        for m in i18n._INLINE_MATH.finditer(i18n._ROLE.sub(" ", text)):
            maths += 1
            changed = text.replace(m.group(0), m.group(0)[:-1] + " + 1$", 1)
            assert i18n.compare(text, changed), m.group(0)
    assert roles > 500 and maths > 1000, (roles, maths)      # the book's scale, not a toy


def _po(tmp_path, entries):
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', ""]
    for msgid, msgstr, fuzzy in entries:
        if fuzzy:
            lines.append("#, fuzzy")
        lines += [f"msgid {json.dumps(msgid, ensure_ascii=False)}",
                  f"msgstr {json.dumps(msgstr, ensure_ascii=False)}", ""]
    path = tmp_path / "page.po"
    path.write_text("\n".join(lines), encoding="utf8")
    return path


def test_the_catalogue_check_names_untranslated_fuzzy_and_broken_messages(tmp_path):
    path = _po(tmp_path, [
        ("Good {glue:text}`a`.", "好 {glue:text}`a`。", False),
        ("Missing.", "", False),
        ("Old {glue:text}`b`.", "旧 {glue:text}`b`。", True),
        ("Broken {glue:text}`c`.", "坏。", False),
    ])
    problems = i18n.check_catalogue(path)
    assert [(p.msgid, p.kind) for p in problems] == [
        ("Missing.", "untranslated"), ("Old {glue:text}`b`.", "fuzzy"),
        ("Broken {glue:text}`c`.", "invariants")]
    assert "lost role {glue:text}`c`" in problems[2].detail


def test_every_page_of_the_table_of_contents_is_a_page_the_check_expects():
    pages = i18n.pages()
    assert "intro" in pages and "chapters/01_perceptron" in pages
    for page in pages:
        assert any((ROOT / "book" / (page + ext)).exists() for ext in (".md", ".ipynb")), page


@pytest.mark.parametrize("docname, language, expected", [
    ("intro", "en", [("zh_CN", "简体中文", "zh_CN/intro.html")]),
    ("chapters/01_perceptron", "en",
     [("zh_CN", "简体中文", "../zh_CN/chapters/01_perceptron.html")]),
    ("intro", "zh_CN", [("en", "English", "../intro.html")]),
    ("chapters/01_perceptron", "zh_CN", [("en", "English", "../../chapters/01_perceptron.html")]),
])
def test_the_language_switch_links_the_same_page_of_the_other_edition(docname, language,
                                                                       expected):
    editions = {"en": "English", "zh_CN": "简体中文"}
    assert nntheory_i18n.switch_links(docname, language, editions) == expected


def test_bad_input_is_refused_with_the_arguments_name():
    with pytest.raises(TypeError, match="text must be a str"):
        i18n.invariants(None)
