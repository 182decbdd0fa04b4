"""The book's translations: message catalogues from the English source, their checks, and
the second edition's build (issue 29).

    python tools/i18n.py extract            # .pot of every page (execution off, ~15 s), then
                                            # book/locales/<lang>/LC_MESSAGES/<page>.po updated
    python tools/i18n.py check [--lang L]   # every message translated, not fuzzy, and each
                                            # translation keeps the message's glue roles,
                                            # maths, references, labels and literals
    python tools/i18n.py build [--lang L]   # the translated site into book/_build/html/<lang>,
                                            # reusing the English build's execution cache

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
"""

from __future__ import annotations

import argparse
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
    kind: str          # "untranslated", "fuzzy" or "invariants"
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


def invariants(text: str) -> Counter:
    """The multiset of parts of ``text`` that a translation must keep verbatim."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    found: Counter = Counter()
    rest = text
    for role in _ROLE.findall(rest):
        found["role " + _role_key(role)] += 1
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


def compare(msgid: str, msgstr: str) -> str:
    """What ``msgstr`` lost or added against ``msgid``'s invariants ("" if nothing)."""
    want, have = invariants(msgid), invariants(msgstr)
    lost, added = want - have, have - want
    parts = []
    if lost:
        parts.append("lost " + ", ".join(sorted(lost.elements())))
    if added:
        parts.append("added " + ", ".join(sorted(added.elements())))
    return "; ".join(parts)


def check_catalogue(path: Path, name: str | None = None) -> list[Problem]:
    """Every problem of one .po file: untranslated, fuzzy, or a translation that does not
    keep its message's invariants."""
    from babel.messages.pofile import read_po

    path = Path(path)
    name = name or path.name
    with path.open("rb") as f:
        catalogue = read_po(f)
    problems = []
    for message in catalogue:
        if not message.id:
            continue                                   # the header
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        if not msgstr:
            problems.append(Problem(name, msgid, "untranslated"))
        elif message.fuzzy:
            problems.append(Problem(name, msgid, "fuzzy"))
        else:
            detail = compare(msgid, msgstr)
            if detail:
                problems.append(Problem(name, msgid, "invariants", detail))
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
    """Every problem of ``lang``'s catalogues, and every page without a catalogue."""
    root = LOCALES / lang / "LC_MESSAGES"
    problems = []
    have = {str(p.relative_to(root).with_suffix("")) for p in catalogues(lang)}
    for page in pages():
        if page not in have:
            problems.append(Problem(page + ".po", "", "untranslated", "no catalogue"))
    for path in catalogues(lang):
        problems += check_catalogue(path, str(path.relative_to(root)))
    return problems


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
    out = BUILD / "i18n" / f"config_{lang or 'gettext'}.yml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf8")
    return out


def _jupyter_book() -> str:
    return str(Path(sys.executable).with_name("jupyter-book"))


def extract(lang: str) -> None:
    """Message templates of every page, then ``lang``'s catalogues brought in step."""
    config = _derived_config(None, "off", None)
    out = BUILD / "i18n" / "gettext"
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([_jupyter_book(), "build", str(BOOK), "--config", str(config),
                    "--path-output", str(out), "--builder", "custom",
                    "--custom-builder", "gettext", "--quiet"], check=True)
    templates = out / "_build" / "gettext"
    subprocess.run([str(Path(sys.executable).with_name("sphinx-intl")), "update",
                    "-p", str(templates), "-l", lang, "-d", str(LOCALES), "-w", "0"],
                   check=True)


def build(lang: str, strict: bool = True) -> Path:
    """The ``lang`` edition into book/_build/html/<lang>/, from the English build's
    execution cache (book/_build/.jupyter_cache): no notebook runs twice."""
    cache = BUILD / ".jupyter_cache"
    config = _derived_config(lang, "cache", cache)
    out = BUILD / "i18n" / lang
    cmd = [_jupyter_book(), "build", str(BOOK), "--config", str(config),
           "--path-output", str(out)]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    subprocess.run(cmd, check=True)
    target = BUILD / "html" / lang
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(out / "_build" / "html", target)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("extract", "check", "build"))
    parser.add_argument("--lang", default=LANGUAGES[0], choices=LANGUAGES)
    parser.add_argument("--max", type=int, default=40, help="problems to print at most")
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract(args.lang)
        return 0
    if args.command == "build":
        print(build(args.lang))
        return 0
    problems = check(args.lang)
    kinds = Counter(p.kind for p in problems)
    for problem in problems[: args.max]:
        print(problem)
    if problems:
        print(f"{len(problems)} messages not ready ({dict(kinds)}) in {args.lang}")
        return 1
    print(f"{args.lang}: every message of every page translated, invariants kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
