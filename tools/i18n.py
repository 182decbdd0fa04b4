"""The book's translations: message catalogues from the English source, their checks, and
the second edition's build (issue 29).

    python tools/i18n.py extract            # .pot of every page (execution off, ~15 s), then
                                            # book/locales/<lang>/LC_MESSAGES/<page>.po updated
    python tools/i18n.py check [--fresh]    # every message translated, not fuzzy (--fresh: and
                                            # none missing from the current English), each
                                            # translation keeps the message's glue roles,
                                            # maths, references, labels and literals, its
                                            # markup (bold, italics...) and the glossary's
                                            # terms; the glossary's page and CSV agree
    python tools/i18n.py build [--lang L]   # the translated site into book/_build/html/<lang>,
                                            # reusing the English build's execution cache
    python tools/i18n.py build-all          # both editions, a language switch on every page

How it fits together. Sphinx's gettext builder cuts every page into messages (a paragraph,
a title, a caption, a list item: its MyST source, with roles and maths as written);
sphinx-intl keeps one catalogue (.po) per page in step with them: a new English message
arrives untranslated, a changed one arrives *fuzzy* (its old translation kept but marked), a
removed one is dropped. The translated build parses each translation as MyST in place of
its English source; ``tools/nntheory_i18n.py`` gives those translated snippets the page's
glue data, so that ``{glue:text}`` numbers are the ones the English build computed.

The check is what keeps the editions the same book: a translation must carry exactly the
English message's *invariants*, the parts a translator must copy, not translate: glue roles
(with their format), inline and display maths, cross-references and citations (``{prf:ref}``,
``{numref}``, ``{cite:p}``...), targets ``(label)=``, inline code, and link URLs. A
translation that drops ``{glue:text}`\\`n_runs\\``, changes ``$R/\\gamma$`` or loses a
citation fails, as does an untranslated or fuzzy message.

Two further checks look at what the invariants cannot see. *Markup* (``markup_problems``):
the English message and its translation, parsed by MyST's own parser with the book's
settings, must give the same elements (bold, italics, links, maths, roles, inline code...).
Chinese text has no spaces, so CommonMark's flanking rule bites: ``**感知机（perceptron）**是``
renders its asterisks literally, because a closing ``**`` that follows a punctuation mark
("）") must be followed by a space or punctuation; ``**感知机**（perceptron）是`` renders bold.
*Terminology* (``glossary_problems``): ``book/locales/<lang>/glossary.csv`` (columns
``english,chinese``, the machine-readable copy of the glossary page ``glossary.md`` beside
it, which must list the same terms) fixes each term's translation; in every translated
message, each glossary term of the English (longest match first, so "implicit bias" is one
term and not "bias"; plurals included) must have its fixed translation in the translation.
*First use* (``first_use_problems``): each glossary term a chapter uses has its English in
parentheses after the Chinese somewhere in that chapter, 感知机（perceptron）, as the
translators write it at its first use (the theorem environment's words, 定理 or 证明, are
exempt). Only translated, non-fuzzy messages are checked for markup and terms: a message
still to be translated is already reported as such.
"""

from __future__ import annotations

import argparse
import csv
import functools
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
LOCALES = BOOK / "locales"
BUILD = BOOK / "_build"
LANGUAGES = ("zh_CN",)

# The parts of a message a translation keeps verbatim (the invariants), in the order they
# are cut out: a role with its target, display then inline maths, a target label, inline
# code, a link's URL. Maths is matched after roles so that a `$` inside a role's text
# (rare) is not taken for maths.
_ROLE = re.compile(r"\{[a-z][\w:.-]*\}`[^`]*`")
_DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(?:\\.|[^$\\])+?\$")
_LABEL = re.compile(r"^\(([\w:.-]+)\)=\s*$", re.M)
_CODE = re.compile(r"``?[^`]+``?")
_URL = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>\s]+)>|(?<![(<\w])(https?://[^\s)>\]]+)")

# Roles whose text is prose a translator translates (an explicit title inside a reference
# is kept apart: only the target must survive).
_TITLED = re.compile(r"^(\{[a-z][\w:.-]*\}`)(?:[^`<]*<([^>]+)>|([^`]*))`$")


@dataclass(frozen=True)
class Problem:
    """One message of one catalogue that is not ready."""

    catalogue: str
    msgid: str
    kind: str          # "untranslated", "fuzzy", "invariants", "markup" or "glossary"
    detail: str = ""

    def __str__(self) -> str:
        head = self.msgid if len(self.msgid) <= 70 else self.msgid[:67] + "..."
        tail = f": {self.detail}" if self.detail else ""
        return f"{self.catalogue}: {self.kind}{tail} [{head!r}]"


def _role_key(role: str) -> str:
    """A role's invariant: its name and target (a reference's own title may be translated,
    as in {prf:ref}`the theorem <thm-x>`)."""
    m = _TITLED.match(role)
    if m and m.group(2) is not None:
        return f"{m.group(1)}<{m.group(2)}>`"
    return role


def is_maths_message(text: str) -> bool:
    """Whether ``text`` is the body of a display-maths block (gettext extracts a ``$$``
    block or a ``{math}`` directive as its bare LaTeX): no ``$`` or backticks, some TeX
    (a command, ``=``, ``^`` or ``_``), and no English word of four letters outside the TeX
    commands and the names they set (``\\operatorname{relu}``, ``\\mathrm{loc}``; a
    ``\\text{...}`` phrase is prose). Such a message is kept verbatim: the whole of it is an
    invariant."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if "$" in text or "`" in text or not re.search(r"[\\=^_]", text):
        return False
    if re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", text):
        return False                          # Chinese prose (a translation) is not TeX
    text = re.sub(r"\\(?:operatorname\*?|math[a-z]+)\s*\{[^{}]*\}", " ", text)
    return not re.search(r"[A-Za-z]{4,}", re.sub(r"\\[A-Za-z]+", " ", text))


# A glued value that is an English phrase ("overlaps", "0.12 to 0.34") has a variant for
# each edition, glued by the same cell under the name ``<name>__<lang>``: a translation
# shows that variant in place of the English one, and counts as keeping the role.
_GLUE = re.compile(r"^(\{glue(?::\w+)?\}`)([\w.-]+?)(__[A-Za-z_]+?)?((?::[^`]*)?`)$")


def _glue_base(role: str, lang: str | None) -> str:
    """``role`` with a glue key's ``__<lang>`` suffix removed (the edition's variant of a
    glued phrase stands for the English value)."""
    m = _GLUE.match(role)
    if lang and m and m.group(3) == "__" + lang and m.group(2) in phrase_glues(lang):
        return m.group(1) + m.group(2) + m.group(4)
    return role                     # (a variant no notebook glues is not the role)


@functools.cache
def phrase_glues(lang: str) -> frozenset:
    """The glue names whose value is a phrase with a ``lang`` variant: every
    ``glue("<name>__<lang>", ...)`` in the book's notebooks."""
    import json

    pattern = re.compile(r"""glue\(\s*["']([\w.-]+)__""" + re.escape(lang) + r"""["']""")
    found = set()
    for path in sorted(BOOK.rglob("*.ipynb")):
        if "_build" in path.parts:
            continue
        for cell in json.loads(path.read_text(encoding="utf8"))["cells"]:
            if cell["cell_type"] == "code":
                found.update(pattern.findall("".join(cell["source"])))
    return frozenset(found)


def phrase_problems(msgid: str, msgstr: str, lang: str | None) -> str:
    """The glued English phrases of ``msgid`` that ``msgstr`` shows as they are although
    the notebook glues a ``lang`` variant of them ("" if none)."""
    if not lang:
        return ""
    names = phrase_glues(lang)
    used = {m.group(2) for m in map(_GLUE.match, _ROLE.findall(msgstr))
            if m and m.group(3) is None}
    wanted = sorted(used & names)
    return "; ".join(f"shows the English phrase {name!r}: use its variant {name}__{lang}"
                     for name in wanted)


def invariants(text: str, lang: str | None = None) -> Counter:
    """The multiset of parts of ``text`` that a translation must keep verbatim (with
    ``lang``, a glued phrase's ``lang`` variant counts as the phrase)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if is_maths_message(text):
        return Counter({"math " + " ".join(text.split()): 1})
    found: Counter = Counter()
    rest = text
    for role in _ROLE.findall(rest):
        found["role " + _role_key(_glue_base(role, lang))] += 1
    rest = _ROLE.sub(" ", rest)
    for math in _DISPLAY_MATH.findall(rest):
        found["math " + " ".join(math.split())] += 1
    rest = _DISPLAY_MATH.sub(" ", rest)
    for math in _INLINE_MATH.findall(rest):
        found["math " + " ".join(math.split())] += 1
    rest = _INLINE_MATH.sub(" ", rest)
    for label in _LABEL.findall(rest):
        found["label " + label] += 1
    for code in _CODE.findall(rest):
        found["code " + code] += 1
    rest = _CODE.sub(" ", rest)
    for groups in _URL.findall(rest):
        url = next(g for g in groups if g)
        found["url " + url] += 1
    return found


def compare(msgid: str, msgstr: str, lang: str | None = None) -> str:
    """What ``msgstr`` (a translation into ``lang``) lost or added against ``msgid``'s
    invariants, and the glued English phrases it shows where a variant exists ("" if
    nothing)."""
    want, have = invariants(msgid), invariants(msgstr, lang)
    lost, added = want - have, have - want
    parts = [phrase_problems(msgid, msgstr, lang)] if phrase_problems(msgid, msgstr, lang) else []
    if lost:
        parts.append("lost " + ", ".join(sorted(lost.elements())))
    if added:
        parts.append("added " + ", ".join(sorted(added.elements())))
    return "; ".join(parts)


def _messages(path: Path):
    """``(msgid, msgstr, fuzzy)`` of every message of one .po file (the header left out;
    a plural message by its first form)."""
    from babel.messages.pofile import read_po

    with Path(path).open("rb") as f:
        catalogue = read_po(f)
    for message in catalogue:
        if not message.id:
            continue                                   # the header
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        yield msgid, msgstr or "", bool(message.fuzzy)


def _translated(path: Path):
    """``(msgid, msgstr)`` of the messages of one .po file that are translated and not
    fuzzy: the ones whose translation a reader sees."""
    for msgid, msgstr, fuzzy in _messages(path):
        if msgstr and not fuzzy:
            yield msgid, msgstr


def check_catalogue(path: Path, name: str | None = None,
                    lang: str | None = None) -> list[Problem]:
    """Every problem of one .po file: untranslated, fuzzy, or a translation that does not
    keep its message's invariants (``lang``: the catalogue's language, for glued phrases;
    by default the name of the folder above LC_MESSAGES)."""
    path = Path(path)
    if lang is None and "LC_MESSAGES" in path.parts[1:]:
        lang = path.parts[path.parts.index("LC_MESSAGES") - 1]
    name = name or path.name
    problems = []
    for msgid, msgstr, fuzzy in _messages(path):
        if not msgstr:
            problems.append(Problem(name, msgid, "untranslated"))
        elif fuzzy:
            problems.append(Problem(name, msgid, "fuzzy"))
        else:
            detail = compare(msgid, msgstr, lang)
            if detail:
                problems.append(Problem(name, msgid, "invariants", detail))
    return problems


# ---------------------------------------------------------------------------------------
# Markup: the same elements in a message and its translation, as MyST renders them.

# Token types that carry no structure a translation must keep: running text, line breaks
# inside a paragraph, the wrapper of a block's inline content, and closing tokens (each
# matches an opening one, which is counted).
_UNSTRUCTURED = {"text", "softbreak", "inline"}
# Emphasis characters left in the running text: a ``**`` or ``*`` that did not render.
_STRAYS = ("*", "_")


@functools.lru_cache(maxsize=1)
def _myst_parser():
    """MyST's Markdown parser with the book's settings (``book/_config.yml``'s ``parse``),
    the one the translated build parses each translation with."""
    import yaml
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf8"))
    parse = config.get("parse") or {}
    settings = MdParserConfig(
        enable_extensions=set(parse.get("myst_enable_extensions", ())),
        dmath_double_inline=bool(parse.get("myst_dmath_double_inline", False)))
    return create_md_parser(settings, RendererHTML)


def markup(text: str) -> Counter:
    """The multiset of elements MyST parses ``text`` into: one count per opening or
    self-contained token type (``strong_open``, ``em_open``, ``link_open``,
    ``math_inline``, ``myst_role``, ``code_inline``, ``paragraph_open``...), and
    ``literal *`` / ``literal _`` for each emphasis character left in the running text."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    found: Counter = Counter()

    def walk(tokens):
        for token in tokens:
            if token.type == "text":
                for char in _STRAYS:
                    found[f"literal {char}"] += token.content.count(char)
            elif token.type not in _UNSTRUCTURED and not token.type.endswith("_close"):
                found[token.type] += 1
            if token.children:
                walk(token.children)

    walk(_myst_parser().parse(text))
    return +found                                    # drop the zero counts


def compare_markup(msgid: str, msgstr: str) -> str:
    """How the elements of ``msgstr`` differ from ``msgid``'s once rendered ("" if they do
    not), e.g. ``strong_open 1 -> 0, literal * 0 -> 4``."""
    want, have = markup(msgid), markup(msgstr)
    return ", ".join(f"{key} {want[key]} -> {have[key]}"
                     for key in sorted(set(want) | set(have)) if want[key] != have[key])


def markup_problems(path: Path, name: str | None = None) -> list[Problem]:
    """Every translated (non-fuzzy) message of one .po file whose translation renders to
    other elements than its English: typically a ``**`` or ``*`` next to Chinese
    punctuation that CommonMark's flanking rule leaves as literal asterisks, or a lost
    link or emphasis."""
    path = Path(path)
    name = name or path.name
    problems = []
    for msgid, msgstr in _translated(path):
        detail = compare_markup(msgid, msgstr)
        if detail:
            problems.append(Problem(name, msgid, "markup", detail))
    return problems


# ---------------------------------------------------------------------------------------
# Terminology: the glossary's page and CSV, and its terms in every translation.

GLOSSARY_CSV = "glossary.csv"
GLOSSARY_PAGE = "glossary.md"
_TABLE_RULE = re.compile(r"^\|\s*:?-{3,}")


def read_glossary(path: Path) -> list[tuple[str, str]]:
    """The ``(english, chinese)`` rows of a glossary CSV (header ``english,chinese``),
    cells stripped, in file order."""
    path = Path(path)
    with path.open(encoding="utf8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"english", "chinese"} <= set(reader.fieldnames):
            raise ValueError(f"path: {path} must have the columns english,chinese")
        return [((row["english"] or "").strip(), (row["chinese"] or "").strip())
                for row in reader]


def glossary_sections(text: str) -> list[tuple[str, list[list[str]]]]:
    """``(title, rows)`` of every ``## section`` of a glossary page that has a table (title
    "" for rows before the first section): the cells of each row below a table's header
    and rule (a ``\\|`` inside a cell is a bar). The one reader of the page, for the
    check and for the page's tables in the built book (tools/nntheory_i18n.py)."""
    sections, title, rows, header = [], "", [], False
    for line in text.splitlines() + ["## "]:
        if line.startswith("## "):
            if rows:
                sections.append((title, rows))
            title, rows, header = line[3:].strip(), [], False
        elif line.lstrip().startswith("|"):
            if _TABLE_RULE.match(line.strip()):
                header = True
                continue
            if not header:
                continue                                # the header row itself
            cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
            rows.append([c.strip().replace("\\|", "|") for c in cells])
        elif not line.strip():
            header = False                              # a table ends at a blank line
    return sections


def glossary_page_terms(path: Path) -> list[tuple[str, str]]:
    """The ``(english, chinese)`` pairs of the glossary page's tables: the first two cells
    of every table row below a header (``| English | 中文 | 说明 |``) and its rule."""
    text = Path(path).read_text(encoding="utf8")
    return [(row[0], row[1]) for _, rows in glossary_sections(text) for row in rows
            if len(row) >= 2]


def glossary_file_problems(csv_path: Path, page_path: Path) -> list[Problem]:
    """What is wrong with the glossary itself: an empty cell, an English term listed twice
    (case aside), and every disagreement between the CSV and the page (a term in one and
    not the other, or a term translated differently)."""
    csv_name, page_name = Path(csv_path).name, Path(page_path).name
    table, page = read_glossary(csv_path), glossary_page_terms(page_path)
    problems = []
    seen: dict[str, str] = {}
    for english, chinese in table:
        if not english or not chinese:
            problems.append(Problem(csv_name, english, "glossary",
                                    f"empty cell in row {english!r},{chinese!r}"))
            continue
        key = english.casefold()
        if key in seen:
            problems.append(Problem(csv_name, english, "glossary",
                                    f"English term listed twice (also as {seen[key]!r})"))
        seen[key] = english
    on_page = {}
    for english, chinese in page:
        on_page.setdefault(english, chinese)
    in_csv = dict(table)
    for english, chinese in table:
        if english and english not in on_page:
            problems.append(Problem(csv_name, english, "glossary",
                                    f"not in {page_name}"))
        elif english and on_page[english] != chinese:
            problems.append(Problem(csv_name, english, "glossary",
                                    f"{chinese} here, {on_page[english]} in {page_name}"))
    for english, _ in page:
        if english not in in_csv:
            problems.append(Problem(page_name, english, "glossary", f"not in {csv_name}"))
    return problems


def _word_forms(word: str) -> str:
    """A regex for an English word and its plural (perceptron(s), bias(es),
    capacit(y|ies), hypothes(is|es))."""
    if re.search(r"[^aeiou]y$", word, re.I):
        return re.escape(word[:-1]) + "(?:y|ies)"
    if word.lower().endswith("is"):
        return re.escape(word[:-2]) + "(?:is|es)"
    return re.escape(word) + "(?:s|es)?"


def term_pattern(english: str) -> re.Pattern:
    """The regex that finds a glossary term in English prose: whole words, any case, any
    run of spaces or a line break between its words, the last word singular or plural."""
    if not isinstance(english, str) or not english.strip():
        raise ValueError(f"english must be a non-empty str, not {english!r}")
    words = english.split()
    body = r"\s+".join([re.escape(w) for w in words[:-1]] + [_word_forms(words[-1])])
    return re.compile(r"(?<![\w-])" + body + r"(?![\w-])", re.I)


def _prose(text: str) -> str:
    """``text`` without its invariants (roles, maths, labels, code, URLs): the words a
    translator translates."""
    if is_maths_message(text):
        return ""
    for pattern in (_ROLE, _DISPLAY_MATH, _INLINE_MATH, _LABEL, _CODE, _URL):
        text = pattern.sub(" ", text)
    return text


def glossary_terms(text: str, glossary: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The glossary's ``(english, chinese)`` terms found in the prose of ``text``: the
    longest match wins where terms overlap ("implicit bias" hides its "bias"), in order
    of appearance, each term once."""
    spans = []
    prose = _prose(text)
    for english, chinese in glossary:
        for m in term_pattern(english).finditer(prose):
            spans.append((m.start(), m.end(), english, chinese))
    spans.sort(key=lambda s: (s[0] - s[1], s[0]))      # longest first, then leftmost
    taken: list[tuple[int, int]] = []
    chosen = []
    for start, end, english, chinese in spans:
        if any(start < b and a < end for a, b in taken):
            continue
        taken.append((start, end))
        chosen.append((start, english, chinese))
    found, seen = [], set()
    for _, english, chinese in sorted(chosen):
        if english not in seen:
            seen.add(english)
            found.append((english, chinese))
    return found


def compare_terms(msgid: str, msgstr: str, glossary: list[tuple[str, str]]) -> str:
    """The glossary terms of ``msgid`` whose fixed translation ``msgstr`` lacks ("" if
    none), e.g. ``universal approximation theorem -> 万能逼近定理``."""
    prose = _prose(msgstr)
    return ", ".join(f"{english} -> {chinese}"
                     for english, chinese in glossary_terms(msgid, glossary)
                     if chinese not in prose)


def glossary_message_problems(path: Path, glossary: list[tuple[str, str]],
                              name: str | None = None) -> list[Problem]:
    """Every translated (non-fuzzy) message of one .po file that translates a glossary
    term otherwise than the glossary fixes (or leaves it out)."""
    path = Path(path)
    name = name or path.name
    problems = []
    for msgid, msgstr in _translated(path):
        if is_maths_message(msgid):
            continue                             # kept verbatim: no prose, no terms
        detail = compare_terms(msgid, msgstr, glossary)
        if detail:
            problems.append(Problem(name, msgid, "glossary", "missing " + detail))
    return problems


def _unglossed_terms(page: Path) -> list[str]:
    """The English terms of the glossary page's section :data:`UNGLOSSED_SECTION`."""
    if not Path(page).is_file():
        return []
    return [row[0] for title, rows in glossary_sections(Path(page).read_text(encoding="utf8"))
            if title.startswith(UNGLOSSED_SECTION) for row in rows]


def glossary_scopes(path: Path) -> dict[str, set[str]]:
    """The terms bound on some pages only: ``english -> {page, ...}`` from the CSV's
    optional ``pages`` column (space-separated catalogue names such as
    ``chapters/02_xor``; empty: every page). "parity" is Minsky and Papert's predicate
    (奇偶函数) in chapter 2, and the two cores' agreement in chapter 9."""
    with Path(path).open(encoding="utf8", newline="") as f:
        return {(row["english"] or "").strip(): set((row.get("pages") or "").split())
                for row in csv.DictReader(f) if (row.get("pages") or "").strip()}


#: The glossary's section whose terms a chapter need not gloss with their English (the
#: words of the theorem environments and general mathematics: 定理, 证明, 范数...).
UNGLOSSED_SECTION = "定理环境"


def first_use_problems(path: Path, glossary: list[tuple[str, str]],
                       name: str | None = None, exempt: frozenset = frozenset()
                       ) -> list[Problem]:
    """The glossary terms a chapter's catalogue uses without ever giving their English in
    parentheses after the Chinese, as in 感知机（perceptron） (issue 29: a term's first use
    in each chapter carries its English). Terms written the same in both languages
    (ReLU) and ``exempt`` ones are not asked for."""
    path = Path(path)
    name = name or path.name
    messages = [(a, b) for a, b in _translated(path) if not is_maths_message(a)]
    used: dict[str, str] = {}
    for msgid, _ in messages:
        for english, chinese in glossary_terms(msgid, glossary):
            if english not in exempt and english.lower() != chinese.lower():
                used.setdefault(english, chinese)
    text = re.sub(r"\*+", "", " ".join(_prose(b) for _, b in messages))
    problems = []
    for english, chinese in used.items():
        glossed = re.escape(chinese) + r"\s*[（(][^）)]*?" + term_pattern(english).pattern
        if not re.search(glossed, text, re.I):
            problems.append(Problem(name, english, "first-use",
                                    f"{chinese} never followed by （{english}） in the chapter"))
    return problems


def glossary_problems(lang: str, paths: list[Path] | None = None) -> list[Problem]:
    """The glossary of ``lang`` checked against itself (``glossary_file_problems``) and
    against every translated message of its catalogues (``glossary_message_problems``),
    or of ``paths`` if given. A language without a glossary.csv has nothing to check."""
    folder = LOCALES / lang
    csv_path = folder / GLOSSARY_CSV
    if not csv_path.exists():
        return []
    problems = glossary_file_problems(csv_path, folder / GLOSSARY_PAGE)
    glossary = [(e, c) for e, c in read_glossary(csv_path) if e and c]
    scopes = glossary_scopes(csv_path)
    exempt = frozenset(_unglossed_terms(folder / GLOSSARY_PAGE))
    root = folder / "LC_MESSAGES"
    for path in (catalogues(lang) if paths is None else paths):
        path = Path(path)
        name = str(path.relative_to(root)) if path.is_relative_to(root) else path.name
        page = name[:-3] if name.endswith(".po") else name
        bound = [(e, c) for e, c in glossary if e not in scopes or page in scopes[e]]
        problems += glossary_message_problems(path, bound, name)
        if page.startswith("chapters/"):
            problems += first_use_problems(path, bound, name, exempt)
    return problems


def catalogues(lang: str) -> list[Path]:
    return sorted((LOCALES / lang / "LC_MESSAGES").rglob("*.po"))


def pages() -> list[str]:
    """The docnames of the book's pages (from the table of contents)."""
    import yaml

    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf8"))
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    found.append(str(Path(node[key]).with_suffix("")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def check(lang: str) -> list[Problem]:
    """Every problem of ``lang``'s catalogues (untranslated, fuzzy, invariants, markup,
    glossary terms), of its glossary, and every page without a catalogue."""
    root = LOCALES / lang / "LC_MESSAGES"
    problems = []
    have = {str(p.relative_to(root).with_suffix("")) for p in catalogues(lang)}
    for page in pages():
        if page not in have:
            problems.append(Problem(page + ".po", "", "untranslated", "no catalogue"))
    for path in catalogues(lang):
        name = str(path.relative_to(root))
        problems += check_catalogue(path, name)
        problems += markup_problems(path, name)
    problems += glossary_problems(lang)
    return problems


EDITIONS = {"en": "English", "zh_CN": "简体中文"}


def _derived_config(lang: str | None, execute: str, cache: Path | None) -> Path:
    """``book/_config.yml`` with the settings of one kind of build, written under
    book/_build/i18n/ (local extensions made absolute, since Jupyter Book resolves them
    against the config file's folder)."""
    import yaml

    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf8"))
    config["execute"]["execute_notebooks"] = execute
    if cache is not None:
        config["execute"]["cache"] = str(cache)
    sphinx = config.setdefault("sphinx", {})
    sphinx["local_extensions"] = {name: str((BOOK / path).resolve())
                                  for name, path in sphinx.get("local_extensions", {}).items()}
    sphinx["local_extensions"]["nntheory_i18n"] = str((ROOT / "tools").resolve())
    settings = sphinx.setdefault("config", {})
    settings["gettext_compact"] = False
    settings["locale_dirs"] = [str(LOCALES)]
    if lang:
        settings["language"] = lang
        settings["nntheory_editions"] = dict(EDITIONS)
    out = BUILD / "i18n" / f"config_{lang or 'gettext'}.yml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf8")
    return out


def _jupyter_book() -> str:
    return str(Path(sys.executable).with_name("jupyter-book"))


def message_templates(out: Path | None = None) -> Path:
    """The English source cut into messages: one .pot per page (Sphinx's gettext builder,
    execution off), in ``out``/_build/gettext (default book/_build/i18n/gettext)."""
    config = _derived_config(None, "off", None)
    out = BUILD / "i18n" / "gettext" if out is None else Path(out)
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run([_jupyter_book(), "build", str(BOOK), "--config", str(config),
                             "--path-output", str(out), "--builder", "custom",
                             "--custom-builder", "gettext", "--quiet"],
                            stderr=subprocess.PIPE, text=True)
    if result.returncode:
        raise RuntimeError("the gettext build failed:\n" + result.stderr[-3000:])
    return out / "_build" / "gettext"


def out_of_step(lang: str, templates: Path | None = None) -> list[Problem]:
    """Every message of the current English source that ``lang``'s catalogue of its page
    lacks (an English edit not yet merged by ``extract``, so a translated build would
    show it in English), and every message a catalogue holds that the source no longer
    has. ``templates``: a folder of .pot files (default: made now, ~15 s)."""
    from babel.messages.pofile import read_po

    templates = message_templates() if templates is None else Path(templates)
    root = LOCALES / lang / "LC_MESSAGES"
    problems = []
    for pot in sorted(templates.rglob("*.pot")):
        page = pot.relative_to(templates).with_suffix("").as_posix()
        po = root / (page + ".po")
        with pot.open("rb") as f:
            wanted = {m.id for m in read_po(f) if m.id}
        have = set()
        if po.is_file():
            with po.open("rb") as f:
                have = {m.id for m in read_po(f) if m.id}
        name = page + ".po"
        problems += [Problem(name, msgid, "untranslated",
                             "not in the catalogue: run `make translations`")
                     for msgid in sorted(wanted - have, key=str)]
        problems += [Problem(name, msgid, "stale",
                             "no longer in the English source: run `make translations`")
                     for msgid in sorted(have - wanted, key=str)]
    return problems


def extract(lang: str, only: list[str] | None = None) -> None:
    """Message templates of every page, then ``lang``'s catalogues brought in step (with
    ``only``, the catalogues of those pages, e.g. ``["chapters/05_depth"]``, and no
    other). The build runs with execution off, so its warnings about glue keys that no
    output provides are expected and hidden."""
    templates = message_templates()
    if only:
        chosen = BUILD / "i18n" / "gettext_only"
        shutil.rmtree(chosen, ignore_errors=True)
        for page in only:
            source = templates / (page + ".pot")
            if not source.is_file():
                raise ValueError(f"only: no page {page!r} (pages: {', '.join(pages())})")
            (chosen / page).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, chosen / (page + ".pot"))
        templates = chosen
    subprocess.run([str(Path(sys.executable).with_name("sphinx-intl")), "update",
                    "-p", str(templates), "-l", lang, "-d", str(LOCALES), "-w", "0"],
                   check=True)
    root = LOCALES / lang / "LC_MESSAGES"
    for path in catalogues(lang):
        if not only or str(path.relative_to(root).with_suffix("")) in only:
            drop_format_flags(path)


def drop_format_flags(path: Path) -> bool:
    """Remove the ``python-format`` flags babel guesses from a percent sign followed by a
    letter ("2% of" reads as ``% o``): the book's messages are never format strings, and
    with the flag ``msgfmt -c`` rejects every natural translation of such a message.
    Returns whether the file changed."""
    from babel.messages.pofile import read_po, write_po

    path = Path(path)
    if "python-format" not in path.read_text(encoding="utf8"):
        return False           # (babel adds the flag again on reading: look at the file)
    with path.open("rb") as f:
        catalogue = read_po(f)
    for message in catalogue:
        message.flags.discard("python-format")
    with path.open("wb") as f:
        write_po(f, catalogue, width=0)
    return True


#: What a strict build adds to ``jupyter-book build``: a warning (-W) or a broken
#: reference (-n) fails it, after the whole book is built (--keep-going lists them all).
STRICT_FLAGS = ("-W", "-n", "--keep-going")


def _run_build(config: Path, out: Path, strict: bool) -> None:
    # --all: every page read again (Sphinx would keep an unchanged page from an earlier
    # build, with that build's outputs, not the ones of the cache just filled)
    cmd = [_jupyter_book(), "build", str(BOOK), "--config", str(config),
           "--path-output", str(out), "--all"]
    if strict:
        cmd += list(STRICT_FLAGS)
    subprocess.run(cmd, check=True)


def build(lang: str, strict: bool = True) -> Path:
    """The ``lang`` edition into book/_build/html/<lang>/, from the English build's
    execution cache (book/_build/.jupyter_cache): no notebook runs twice."""
    cache = BUILD / ".jupyter_cache"
    if not cache.is_dir():
        raise FileNotFoundError(f"no execution cache at {cache}: run `build-all` (or an "
                                "English build in cache mode) first")
    out = BUILD / "i18n" / lang
    _run_build(_derived_config(lang, "cache", cache), out, strict)
    target = BUILD / "html" / lang
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(out / "_build" / "html", target)
    return target


def _execute_one(path: str, timeout: int) -> tuple[str, str | None, float, str]:
    """Run one notebook as myst-nb's cache mode would (its folder as the working
    directory, errors not allowed, an encrypted kernel): ``(path, executed notebook as
    JSON or None, seconds, error text)``. Runs in a worker process."""
    import importlib.util
    import os

    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    # the kernel is a batch run's, as under the book's build: no live widgets or progress
    # bars (nntheory.settings.headless), whoever calls build-all
    os.environ.setdefault("NNTHEORY_QUIET", "1")

    spec = importlib.util.spec_from_file_location("nntheory_sphinx",
                                                  ROOT / "tools" / "nntheory_sphinx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    manager = module.curve_kernel_manager()
    extra = {"kernel_manager_class": manager} if manager is not None else {}
    notebook = nbformat.read(path, as_version=4)
    result = single_nb_execution(notebook, cwd=str(Path(path).parent), timeout=timeout,
                                 allow_errors=False, meta_override=True, **extra)
    if result.err is not None:
        return path, None, result.time, result.exc_string or repr(result.err)
    return path, nbformat.writes(notebook), result.time, ""


def execute_into_cache(cache: Path, jobs: int = 2) -> dict[str, float]:
    """Run every notebook page of the book, ``jobs`` at a time, into the jupyter-cache at
    ``cache``, which the cache-mode builds then read (a build runs a notebook one after
    the other; two CI cores run two at once). The seconds each took, by page; a failing
    notebook raises with its traceback, as the build would (``raise_on_error``)."""
    from concurrent.futures import ProcessPoolExecutor

    import nbformat
    import yaml
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive int, not {jobs!r}")
    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf8"))
    timeout = int(config["execute"].get("timeout", 300))
    notebooks = [BOOK / (page + ".ipynb") for page in pages()
                 if (BOOK / (page + ".ipynb")).is_file()]
    store = get_cache(str(cache))
    seconds, failed = {}, []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for path, text, took, error in pool.map(_execute_one, map(str, notebooks),
                                                [timeout] * len(notebooks)):
            page = str(Path(path).relative_to(BOOK).with_suffix(""))
            if text is None:
                failed.append(f"{page}: {error}")
                continue
            record = store.add_nb_to_project(path)
            store.cache_notebook_bundle(
                CacheBundleIn(nbformat.reads(text, as_version=4), record.uri,
                              data={"execution_seconds": took}),
                check_validity=False, overwrite=True)
            seconds[page] = took
            print(f"executed {page} in {took:.1f} s", flush=True)
    if failed:
        raise RuntimeError("notebooks failed:\n" + "\n\n".join(failed))
    return seconds


def build_all(strict: bool = True, jobs: int = 2) -> list[Path]:
    """Both editions with a language switch on every page: every notebook run once into a
    fresh execution cache (``jobs`` at a time), the English site from it into
    book/_build/html/, then each translation from the same cache into
    book/_build/html/<lang>/."""
    cache = BUILD / ".jupyter_cache"
    shutil.rmtree(cache, ignore_errors=True)
    if jobs > 1:
        execute_into_cache(cache, jobs)
    _run_build(_derived_config("en", "cache", cache), BOOK, strict)
    return [BUILD / "html"] + [build(lang, strict) for lang in LANGUAGES]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("extract", "check", "build", "build-all"))
    parser.add_argument("--no-strict", action="store_true",
                        help="build without -W -n (warnings do not fail the build)")
    parser.add_argument("--lang", default=LANGUAGES[0], choices=LANGUAGES)
    parser.add_argument("--max", type=int, default=40, help="problems to print at most")
    parser.add_argument("--jobs", type=int, default=2,
                        help="build-all: notebooks run at once into the cache before the "
                             "builds (1: the English build runs them one by one)")
    parser.add_argument("--fresh", action="store_true",
                        help="check: also cut the English source into messages now (~15 s) "
                             "and report the messages the catalogues lack or no longer need")
    parser.add_argument("--page", action="append", dest="pages", metavar="PAGE",
                        help="extract: update only this page's catalogue (repeatable), "
                             "e.g. --page chapters/05_depth")
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract(args.lang, args.pages)
        return 0
    if args.command == "build":
        print(build(args.lang, strict=not args.no_strict))
        return 0
    if args.command == "build-all":
        for path in build_all(strict=not args.no_strict, jobs=args.jobs):
            print(path)
        return 0
    problems = check(args.lang)
    if args.fresh:
        problems += out_of_step(args.lang)
    kinds = Counter(p.kind for p in problems)
    for problem in problems[: args.max]:
        print(problem)
    if problems:
        print(f"{len(problems)} messages not ready ({dict(kinds)}) in {args.lang}")
        return 1
    print(f"{args.lang}: every message of every page translated, invariants, markup and"
          " glossary terms kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
