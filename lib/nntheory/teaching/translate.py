"""A chapter notebook with its prose in another language, from the book's message catalogues.

The translated editions of the book (issue 29) keep their prose in gettext catalogues, one
per page: ``book/locales/<lang>/LC_MESSAGES/<page>.po``, where ``<page>`` is the page's path in
the book without its suffix (``chapters/03_backprop``). Sphinx's gettext builder cut the page
into *messages*: each paragraph, heading, list item, table cell, caption and directive title,
as its MyST source with the line breaks turned into spaces. The translated site is built from
them by Sphinx; this module does the same to the notebook itself, so that a student copy
(:mod:`nntheory.teaching.student`) can be handed out in the other language::

    python -m nntheory.student book/chapters/*.ipynb --lang zh_CN --out student/zh_CN

:func:`translate_notebook` replaces, in every Markdown cell, each message's English source by
its translation. Code cells, outputs and metadata are left as they are, so the student copy
of the translated notebook has exactly the English copy's code and answer checks.

How a message is found in a cell's source:

* whitespace-tolerant: any run of whitespace of the message matches any run of whitespace in
  the source (a line break plus a list item's indentation, say), and a line break followed by
  a block quote's ``>`` markers;
* as a whole block: it begins where a block's text begins (a line's start after indentation,
  block-quote, heading or list markers; a table cell after its ``|``; a directive's title
  after ``{name}``; a footnote after ``[^x]:``) and ends at the end of a line or of a table
  cell, so a short message ("Proof", "ReLU") is not replaced inside a longer text;
* longest messages first, never inside text already matched by another message, never
  inside inline code, fenced code blocks or HTML comments;
* a theorem box's title: sphinx-proof gives it as the message ``(Title)`` while the source
  has ``{prf:theorem} Title``; the title is replaced by the translation without its
  parentheses (ASCII or full-width);
* a proof's first paragraph: sphinx-proof puts "Proof." before it, so the message is
  ``Proof. Text`` (``Proof. (sketch) Text`` when the directive has an argument,
  ``{prf:proof} (sketch)``) while the source has ``Text``; it is replaced by the translation
  without its word for "Proof" (``证明。``), a remark in parentheses kept on the
  directive's line.

Only translated messages that are not fuzzy are used; a message whose translation is the
English text itself (display maths, a formula in a table) changes nothing and is skipped. The
:class:`TranslationReport` says how many of the catalogue's messages were found and lists the
ones that were not (a message of another page, or text that changed since the catalogue was
extracted: ``make translations`` brings the catalogue up to date).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["TranslationReport", "read_messages", "translate_markdown", "translate_notebook",
           "catalogue_for", "languages", "default_locales", "DEFAULT_LOCALES"]

#: The book's message catalogues, relative to the repository root.
DEFAULT_LOCALES = Path("book") / "locales"

# Where a message may begin: the text before it on its line.
_LEFT = re.compile(r"""^(?:
      [ \t]*(?:>[ \t]*)*(?:(?:\#{1,6}|[-*+]|\d{1,9}[.)])[ \t]+)*(?:>[ \t]*)*  # a block's start
    | [ \t]*\|(?:.*\|)?[ \t]*                                          # a table cell
    | [ \t]*(?:`{3,}|:{3,})\{[^}\s]+\}[ \t]+                            # a directive's title
    | [ \t]*\[\^[^\]\s]+\]:[ \t]*                                      # a footnote's text
    )$""", re.X)
# Where a theorem box's title (a "(Title)" message) may begin.
_LEFT_PRF = re.compile(r"^[ \t]*(?:`{3,}|:{3,})\{prf:[\w-]+\}[ \t]+$")
# Where a message may end: the rest of its line.
_RIGHT = re.compile(r"^[ \t]*(?:\|.*)?$")
# A fence line: its marker, and the info string (a directive's ``{name}`` or a language).
_FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|~{3,}|:{3,})[ \t]*([^\n]*?)[ \t]*$")
# Text no message is looked for in, beside code blocks: inline code, HTML comments.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)\1(?!`)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# A run of whitespace, with the block-quote markers after its line breaks: one space.
_SPACE = re.compile(r"(?:(?<=\n)[ \t]*>|\s)+")
_PARENS = re.compile(r"^\s*[(（](.*)[)）]\s*$", re.S)
# sphinx-proof's "Proof." before the first paragraph of a proof, in the message and (in the
# other language) in its translation, where a remark in parentheses may follow the word.
_PROOF = re.compile(r"^Proof\.\s+(\S.*)$", re.S)
_PROOF_WORD = re.compile(r"^\s*\w{1,12}\s*[.。：:．]\s*")
# A proof's first paragraph: what precedes it in the cell (the directive, its options), or on
# its line (the directive, whose argument, a remark such as "(sketch)", begins the message).
_PROOF_START = re.compile(r"(?:^|\n)[ \t]*(?:`{3,}|:{3,})\{prf:proof\}[ \t]*\n"
                          r"(?:[ \t]*:[\w-]+:[^\n]*\n)*\s*$")
_PROOF_LINE = re.compile(r"^[ \t]*(?:`{3,}|:{3,})\{prf:proof\}[ \t]+$")


@dataclass
class TranslationReport:
    """What :func:`translate_notebook` did with one catalogue.

    ``total`` counts the catalogue's translated, non-fuzzy messages whose translation differs
    from the English (the ones there is something to replace); ``found`` how many of them
    occur in the notebook's Markdown; ``missing`` lists the others (their English text);
    ``replaced`` counts the replacements made (a message that occurs twice counts twice);
    ``skipped`` counts the messages left out: untranslated, fuzzy, or translated as
    themselves."""

    catalogue: str
    total: int = 0
    found: int = 0
    replaced: int = 0
    skipped: int = 0
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every message of the catalogue was found in the notebook."""
        return not self.missing

    def __str__(self) -> str:
        text = (f"{self.catalogue}: {self.found} of {self.total} messages found, "
                f"{self.replaced} replacements")
        if self.missing:
            text += f"; not found: {len(self.missing)}, the first {self.missing[0][:80]!r}"
        return text


def read_messages(catalogue_path: str | Path) -> tuple[list[tuple[str, str]], int]:
    """The catalogue's ``(english, translation)`` pairs to replace, and how many of its
    messages were left out (untranslated, fuzzy, or translated as themselves).

    Raises ``FileNotFoundError`` naming ``catalogue_path`` if there is no such file, and
    ``ValueError`` naming it if it cannot be read as a PO catalogue."""
    if not isinstance(catalogue_path, (str, Path)):
        raise TypeError("catalogue_path must be the path of a .po catalogue; got "
                        f"{type(catalogue_path).__name__}")
    path = Path(catalogue_path)
    if not path.is_file():
        raise FileNotFoundError(f"catalogue_path: no message catalogue at {path} (the page's "
                                "translation: book/locales/<lang>/LC_MESSAGES/<page>.po, "
                                "written by `make translations`)")
    try:
        from babel.messages.pofile import PoFileError, read_po
    except ImportError:                       # babel comes with Sphinx (jupyter-book)
        raise ImportError("reading a message catalogue needs babel (pip install babel; "
                          "it comes with jupyter-book)") from None

    try:
        with path.open("rb") as fh:
            catalogue = read_po(fh, abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"catalogue_path: {path} is not a readable PO catalogue ({exc})"
                         ) from None
    pairs, skipped = [], 0
    for message in catalogue:
        if not message.id or not isinstance(message.id, str):
            continue                      # the header (plural messages do not occur here)
        text = message.string if isinstance(message.string, str) else ""
        if not text or message.fuzzy or text == message.id:
            skipped += 1
            continue
        pairs.append((message.id, text))
    return pairs, skipped


def _normalise(text: str) -> tuple[str, list[int]]:
    """``text`` with every run of whitespace (and the block-quote markers after a line
    break) made one space, and the index in ``text`` of each of its characters."""
    out: list[str] = []
    where: list[int] = []
    pos = 0
    for match in _SPACE.finditer(text):
        out.append(text[pos:match.start()])
        where.extend(range(pos, match.start()))
        out.append(" ")
        where.append(match.start())
        pos = match.end()
    out.append(text[pos:])
    where.extend(range(pos, len(text)))
    return "".join(out), where


def _code_blocks(text: str) -> list[tuple[int, int]]:
    """The spans of the fenced code blocks of ``text`` (a directive's fence, whose info
    string begins with ``{``, holds translatable text and is not one); fences nest."""
    spans, stack, pos = [], [], 0      # stack: (marker, is_code, start) of the open fences
    for line in text.splitlines(keepends=True):
        match = _FENCE_LINE.match(line.rstrip("\r\n"))
        if match:
            marker, info = match.groups()
            top = stack[-1] if stack else None
            if top and not info and marker[0] == top[0][0] and len(marker) >= len(top[0]):
                stack.pop()                                   # closes the innermost fence
                if top[1]:
                    spans.append((top[2], pos + len(line)))
            elif not (top and top[1]):                        # inside code, no fence opens
                stack.append((marker, not info.startswith("{") and marker[0] != ":", pos))
        pos += len(line)
    spans += [(start, len(text)) for _, is_code, start in stack if is_code]
    return spans


def _blocked(text: str) -> list[tuple[int, int]]:
    spans = _code_blocks(text)
    spans += [m.span() for m in _COMMENT.finditer(text)]
    # inline code does not cross a fence line or a blank line
    masked = "".join(" " * len(line) if _FENCE_LINE.match(line.rstrip("\r\n")) else line
                     for line in text.splitlines(keepends=True))
    spans += [m.span() for m in _CODE_SPAN.finditer(masked)]
    return spans


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    """``pos`` lies strictly inside one of ``spans`` (not at its edge)."""
    return any(start < pos < end for start, end in spans)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


def _line_before(text: str, pos: int) -> str:
    return text[text.rfind("\n", 0, pos) + 1:pos]


def _line_after(text: str, pos: int) -> str:
    end = text.find("\n", pos)
    return text[pos:] if end < 0 else text[pos:end]


def _block_start(text: str, pos: int) -> bool:
    return bool(_LEFT.match(_line_before(text, pos)))


def _title_start(text: str, pos: int) -> bool:
    return bool(_LEFT_PRF.match(_line_before(text, pos)))


def _proof_start(text: str, pos: int) -> bool:
    return bool(_PROOF_LINE.match(_line_before(text, pos))) or (
        not _line_before(text, pos).strip() and bool(_PROOF_START.search(text, 0, pos)))


def _parenthesised(text: str) -> str:
    """The parenthesised remark that ``text`` begins with (ASCII or full-width, nested
    parentheses allowed), or ``""``."""
    depth = 0
    for i, char in enumerate(text):
        if char in "(（":
            depth += 1
        elif char in ")）" and depth:
            depth -= 1
            if not depth:
                return text[:i + 1]
        elif not depth:
            return ""
    return ""


def _proof_translation(translation: str, on_directive_line: bool) -> str:
    """The translation of a proof's first paragraph without the word for "Proof" that
    sphinx-proof puts before it. Where the English began on the directive's line (its
    argument, a remark), the translation's remark stays there and the text goes to the next
    line."""
    word = re.match(r"\s*\w+", translation)
    if not on_directive_line or word is None:              # the paragraph only
        head = _PROOF_WORD.match(translation)
        return translation[head.end():] if head else translation
    rest = translation[word.end():].lstrip()
    remark = _parenthesised(rest)
    rest = rest[len(remark):]
    rest = rest[len(re.match(r"\s*[.。：:．]?\s*", rest).group(0)):]
    if not remark:
        remark = _parenthesised(rest)
        rest = rest[len(remark):].lstrip()
    return remark.strip() + "\n" + rest


def _find(text: str, norm: tuple[str, list[int]], english: str, starts, taken: list,
          blocked: list) -> list[tuple[int, int]]:
    """The spans where ``english`` occurs as a whole block in ``text`` (whose
    :func:`_normalise` is ``norm``), outside ``taken`` and ``blocked`` text;
    ``starts(text, pos)`` says whether a block may begin at ``pos``."""
    flat, where = norm
    needle = " ".join(english.split())
    spans: list[tuple[int, int]] = []
    if not needle:
        return spans
    at = flat.find(needle)
    while at >= 0:
        start, end = where[at], where[at + len(needle) - 1] + 1
        if (starts(text, start) and _RIGHT.match(_line_after(text, end))
                and not _overlaps(start, end, taken) and not _inside(start, blocked)
                and not _inside(end, blocked)):
            spans.append((start, end))
        at = flat.find(needle, at + 1)
    return spans


def _translate(text: str, messages: list[tuple[str, str]], found: set[str]) -> tuple[str, int]:
    """``text`` with every message that occurs in it replaced; the replacements' count."""
    blocked = _blocked(text)
    norm = _normalise(text)
    taken: list[tuple[int, int]] = []
    edits: list[tuple[int, int, str]] = []
    for english, translation in messages:           # longest first (the caller sorts)
        spans = [(start, end, translation)
                 for start, end in _find(text, norm, english, _block_start, taken, blocked)]
        title, proof = _PARENS.match(english), _PROOF.match(english)
        if not spans and title and title.group(1).strip():
            # a theorem box's title: "(Title)" in the catalogue, "{prf:...} Title" here
            inner = _PARENS.match(translation)
            bare = inner.group(1).strip() if inner else translation
            spans = [(start, end, bare) for start, end
                     in _find(text, norm, title.group(1), _title_start, taken, blocked)]
        elif not spans and proof:
            # a proof's first paragraph: "Proof. Text" in the catalogue, "{prf:proof}\nText"
            # here, or "{prf:proof} (remark)\nText"
            spans = [(start, end, _proof_translation(
                translation, _PROOF_LINE.match(_line_before(text, start)) is not None))
                for start, end in _find(text, norm, proof.group(1), _proof_start, taken, blocked)]
        if spans:
            found.add(english)
        for start, end, new in spans:
            taken.append((start, end))
            edits.append((start, end, _reindent(text[start:end], new)))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text, len(edits)


def _reindent(english: str, translation: str) -> str:
    """A translation that spans several lines, its later lines indented like the English's
    second line (a list item's continuation, a block quote's markers)."""
    lines = english.split("\n")
    if "\n" not in translation or len(lines) < 2:
        return translation
    indent = re.match(r"[ \t]*(?:>[ \t]*)*", lines[1]).group(0)
    return translation.replace("\n", "\n" + indent)


def translate_markdown(text: str, messages: list[tuple[str, str]]) -> str:
    """``text`` (MyST Markdown) with each ``(english, translation)`` message replaced."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string (a Markdown cell's source); got "
                        f"{type(text).__name__}")
    return _translate(text, _longest_first(messages), set())[0]


def _longest_first(messages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(messages, key=lambda m: len(" ".join(m[0].split())), reverse=True)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def translate_notebook(nb: dict, catalogue_path: str | Path) -> tuple[dict, TranslationReport]:
    """A copy of notebook ``nb`` (nbformat JSON as a dict) whose Markdown cells are translated
    by the catalogue at ``catalogue_path``, and the :class:`TranslationReport`.

    Code cells are copied unchanged. A cell's source keeps its form (a list of lines or one
    string). Raises ``FileNotFoundError`` naming ``catalogue_path`` when the catalogue is
    missing and ``TypeError`` naming ``nb`` when it is not a notebook."""
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise TypeError("nb must be a notebook as a dict with a 'cells' list (json.loads of "
                        f"an .ipynb); got {type(nb).__name__}")
    messages, skipped = read_messages(catalogue_path)
    messages = _longest_first(messages)
    out = copy.deepcopy(nb)
    found: set[str] = set()
    replaced = 0
    for index, cell in enumerate(out["cells"]):
        if not isinstance(cell, dict) or not isinstance(cell.get("source", ""), (str, list)):
            raise TypeError(f"nb: cell {index} is not a notebook cell (a dict with a "
                            "'source')")
        if cell.get("cell_type") != "markdown":
            continue
        text, count = _translate(_source(cell), messages, found)
        replaced += count
        if count:
            cell["source"] = text.splitlines(keepends=True) if isinstance(
                cell.get("source"), list) else text
    report = TranslationReport(
        catalogue=str(catalogue_path), total=len(messages), found=len(found),
        replaced=replaced, skipped=skipped,
        missing=[english for english, _ in messages if english not in found])
    return out, report


def default_locales() -> Path:
    """``book/locales`` of the current folder (the repository's root, where ``make`` runs),
    or else the one of the repository this library was installed from (editable)."""
    here = DEFAULT_LOCALES
    if here.is_dir():
        return here
    beside = Path(__file__).resolve().parents[3] / DEFAULT_LOCALES
    return beside if beside.is_dir() else here


def languages(locales: str | Path | None = None) -> list[str]:
    """The languages that have catalogues under ``locales`` (``<lang>/LC_MESSAGES``;
    default: :func:`default_locales`)."""
    root = Path(locales) if locales is not None else default_locales()
    return sorted(p.parent.name for p in root.glob("*/LC_MESSAGES") if p.is_dir())


def catalogue_for(notebook: str | Path, lang: str,
                  locales: str | Path | None = None) -> Path:
    """The catalogue of the page ``notebook`` in language ``lang``:
    ``<locales>/<lang>/LC_MESSAGES/<page>.po``, the page being the notebook's path relative
    to the book (the folder that holds ``locales``), or, for a notebook outside the book, the
    one catalogue of that name. Raises ``ValueError`` naming ``lang`` when it has no
    catalogues and ``FileNotFoundError`` naming the notebook when its page has none."""
    root = Path(locales) if locales is not None else default_locales()
    folder = root / str(lang) / "LC_MESSAGES"
    if not isinstance(lang, str) or not lang or "/" in lang or not folder.is_dir():
        have = ", ".join(languages(root)) or "none"
        raise ValueError(f"lang: no message catalogues for {lang!r} in {root} "
                         f"(languages there: {have})")
    notebook = Path(notebook)
    try:
        page = notebook.resolve().relative_to(root.resolve().parent)
        candidate = folder / page.with_suffix(".po")
        if candidate.is_file():
            return candidate
    except ValueError:
        pass
    matches = sorted(folder.rglob(f"{notebook.stem}.po"))
    if len(matches) == 1:
        return matches[0]
    raise FileNotFoundError(f"{notebook}: no message catalogue for this page in {folder} "
                            f"(expected {folder / 'chapters' / (notebook.stem + '.po')}; "
                            "`make translations` writes it)")
