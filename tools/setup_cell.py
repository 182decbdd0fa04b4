"""Every chapter's set-up cell and the repository URL, written from ONE setting.

The book's repository URL and branch live in ``pyproject.toml``::

    [tool.nntheory]
    repository = "https://github.com/OWNER/REPO"
    branch = "main"

``python tools/setup_cell.py`` writes them everywhere they are used:

* the first code cell of every notebook listed in ``book/_toc.yml`` (the *set-up
  cell*): on Colab, or in a reader's own Jupyter with a downloaded notebook, it
  installs the book's library ``nntheory`` from the repository, pinned to the
  version in ``pyproject.toml``: it looks the git tag ``v<version>`` up first
  (``git ls-remote``) and installs it, or the branch when that tag does not exist,
  saying which in one calm line (pip's output is shown only when pip fails). pip
  leaves installed packages that satisfy ``nntheory``'s requirements alone, so
  Colab's own numpy, scipy, matplotlib, torch and ipywidgets 7 stay as they are.
  The environment variable ``NNTHEORY_SOURCE`` (``git+<url>``, e.g. a fork or a
  local clone ``git+file:///path/to/clone``) replaces the repository; the tests
  point it at a clone of this one. Where ``nntheory`` is importable
  (the repository's ``.venv``, Binder, CI) it does nothing. The cell is tagged
  ``remove-cell``, so the site does not show it (it still runs, silently, and
  nbval runs it like any cell). It sits right after the title cell, before any
  other code.
* ``repository.url`` and ``repository.branch`` in ``book/_config.yml`` (the
  launch buttons for Binder and Colab, the repository and issues buttons);
* the README's Binder badge and ``pip install "nntheory @ git+..."`` line, and the
  repository's links and ``git clone`` lines in the README and ``book/intro.md``.

It is idempotent: a second run changes nothing. ``--check`` changes nothing and
exits with status 1 when a file is out of date (``tests/test_launch.py`` runs the
same comparison). A fork edits the two lines of ``[tool.nntheory]`` and runs
this script once.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CELL_ID = "nntheory-setup"
CELL_TAGS = ["remove-cell"]
MARKER = "# Set-up for Colab or a downloaded copy of this notebook"

TEMPLATE = '''\
{marker}: installs the book's
# library `nntheory` when it is missing, and does nothing where it is installed (the
# repository's environment, Binder). Written by tools/setup_cell.py: edit it there.
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("nntheory") is None:
    # NNTHEORY_SOURCE (optional): another repository, e.g. a fork or git+file:///a/clone
    source = (os.environ.get("NNTHEORY_SOURCE")
              or "git+{repository}")
    # the release this notebook was written for, if it is tagged; the branch otherwise
    ref, release = "{branch}", "v{version}"
    try:
        command = ["git", "ls-remote", "--tags", source.removeprefix("git+"), release]
        tags = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if f"refs/tags/{{release}}" in tags.stdout:
            ref = release
    except (OSError, subprocess.SubprocessError):
        pass  # no git here: pip says so below
    note = "" if ref == release else f" (the release {{release}} is not tagged yet)"
    print(f"Installing the book's library from {{source}} at {{ref}}{{note}} ...")
    # pip keeps the installed numpy, torch, ipywidgets... that satisfy nntheory
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                          "--disable-pip-version-check", f"nntheory @ {{source}}@{{ref}}"],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        print(pip.stdout + pip.stderr)
        raise RuntimeError(f"nntheory could not be installed from {{source}}@{{ref}}: "
                           "see pip's messages above")
    importlib.invalidate_caches()
    print("Done: nntheory is installed.")'''

_URL = re.compile(r"^https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)$")


def settings(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """``repository``, ``branch``, ``owner``, ``name`` and ``version`` from pyproject.toml."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    tool = data.get("tool", {}).get("nntheory", {})
    repository = str(tool.get("repository", "")).rstrip("/")
    match = _URL.match(repository)
    if not match:
        raise ValueError(f"[tool.nntheory] repository in {pyproject.name} must be "
                         f"https://github.com/OWNER/REPO, got {repository!r}")
    branch = str(tool.get("branch", "main"))
    if not re.fullmatch(r"[A-Za-z0-9_./-]+", branch):
        raise ValueError(f"[tool.nntheory] branch: not a branch name: {branch!r}")
    version = data["project"]["version"]
    return {"repository": repository, "branch": branch, "owner": match.group(1),
            "name": match.group(2), "version": version}


def render(repository: str, version: str, branch: str = "main") -> str:
    """The set-up cell's source for this repository, library version and branch."""
    return TEMPLATE.format(marker=MARKER, repository=repository, version=version,
                           branch=branch)


def install_spec(repository: str, ref: str) -> str:
    """The pip requirement the cell installs: ``nntheory @ git+<repository>@<ref>``."""
    return f"nntheory @ git+{repository}@{ref}"


def toc_notebooks(book: Path = BOOK) -> list[Path]:
    """The notebooks listed in ``_toc.yml`` (``file:`` entries with an ``.ipynb``)."""
    toc = (book / "_toc.yml").read_text(encoding="utf-8")
    entries = re.findall(r"^\s*(?:-\s*)?(?:file|root):\s*(\S+)", toc, re.M)
    out = []
    for entry in entries:
        path = book / entry
        path = path if path.suffix else path.with_suffix(".ipynb")
        if path.suffix == ".ipynb" and path.is_file() and path not in out:
            out.append(path)
    return out


def is_setup_cell(cell: dict) -> bool:
    source = "".join(cell.get("source", ""))
    return cell.get("id") == CELL_ID or source.startswith(MARKER)


def _new_cell(source: str, as_string: bool = False) -> dict:
    lines = source if as_string else source.splitlines(keepends=True)
    return {"cell_type": "code", "execution_count": None, "id": CELL_ID,
            "metadata": {"tags": list(CELL_TAGS)}, "outputs": [], "source": lines}


def setup_position(cells: list[dict]) -> int:
    """Where the set-up cell goes: after a leading title cell (``# ...``), else first."""
    if cells and cells[0]["cell_type"] == "markdown":
        first = "".join(cells[0]["source"]).lstrip()
        if first.startswith("# "):
            return 1
    return 0


def with_setup_cell(nb: dict, source: str) -> dict:
    """The notebook with exactly one set-up cell, up to date, in its place."""
    cells = [c for c in nb["cells"] if not is_setup_cell(c)]
    # the notebook's own layout of a cell's source: a list of lines (Jupyter's) or a string
    as_string = any(isinstance(c.get("source"), str) for c in cells)
    cells.insert(setup_position(cells), _new_cell(source, as_string))
    return {**nb, "cells": cells}


def _dumps(nb: dict, like: str) -> str:
    """The notebook as JSON in the layout of its file ``like`` (Jupyter's: one-space
    indent, keys in their order, non-ASCII kept), so only the set-up cell differs."""
    text = json.dumps(nb, indent=1, ensure_ascii=False)
    return text + "\n" if like.endswith("\n") else text


def update_notebook(path: Path, source: str, write: bool = True) -> bool:
    """Insert or refresh the set-up cell of one notebook; True when it changed."""
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    new = with_setup_cell(nb, source)
    if new == nb:
        return False
    if write:
        path.write_text(_dumps(new, text), encoding="utf-8")
    return True


# ------------------------------------------------------------ the URL in the other files


def _config_repository(config_text: str) -> tuple[str | None, str | None]:
    block = re.search(r"^repository:\s*\n((?:[ \t]+.*\n?)*)", config_text, re.M)
    if not block:
        return None, None
    url = re.search(r"^\s+url:\s*(\S+)", block.group(1), re.M)
    branch = re.search(r"^\s+branch:\s*(\S+)", block.group(1), re.M)
    return (url.group(1) if url else None), (branch.group(1) if branch else None)


def sync_config(text: str, repository: str, branch: str) -> str:
    """``book/_config.yml`` with ``repository.url`` and ``repository.branch`` set."""
    block = re.search(r"^repository:\s*\n((?:[ \t]+.*\n?)*)", text, re.M)
    if not block:
        raise ValueError("book/_config.yml has no `repository:` section")
    body = block.group(1)
    body = re.sub(r"^(\s+url:\s*)\S+", lambda m: m.group(1) + repository, body, flags=re.M)
    body = re.sub(r"^(\s+branch:\s*)\S+", lambda m: m.group(1) + branch, body, flags=re.M)
    return text[:block.start(1)] + body + text[block.end(1):]


README_BINDER = re.compile(r"https://mybinder\.org/v2/gh/[^/\s)]+/[^/\s)]+/[^?\s)]+")
README_GIT = re.compile(r"git\+https://github\.com/[^/\s\"')]+/[^\s\"'@)#]+")


#: Text files (besides book/_config.yml) that name the repository.
TEXT_FILES = ("README.md", "book/intro.md")
_CLONE = re.compile(r"(git clone https://github\.com/[^/\s]+/([^/\s]+?)(?:\.git)?[ \t]*\n"
                    r"[ \t]*cd[ \t]+)(\S+)")


def sync_readme(text: str, old_repository: str | None, repository: str, branch: str,
                owner: str, name: str) -> str:
    """A text (README, intro) with its Binder badge, git install line, repository links
    and ``git clone ...`` / ``cd <folder>`` lines updated."""
    text = README_BINDER.sub(f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}", text)
    text = README_GIT.sub(f"git+{repository}", text)
    if old_repository and old_repository != repository:
        text = text.replace(old_repository, repository)
    return _CLONE.sub(lambda m: m.group(1) + m.group(2), text)


def readme_problems(text: str, s: dict[str, str]) -> list[str]:
    """What in the README disagrees with the setting (empty when all agree)."""
    problems = []
    binder = README_BINDER.findall(text)
    want = f"https://mybinder.org/v2/gh/{s['owner']}/{s['name']}/{s['branch']}"
    if not binder:
        problems.append("README.md has no Binder badge link")
    problems += [f"README.md: Binder link {b} is not {want}" for b in binder if b != want]
    git = README_GIT.findall(text)
    if not git:
        problems.append('README.md does not say `pip install "nntheory @ git+<repository>"`')
    problems += [f"README.md: git+ URL {g} is not git+{s['repository']}" for g in git
                 if g != f"git+{s['repository']}"]
    return problems


def sync(root: Path = ROOT, write: bool = True) -> list[str]:
    """Bring every file up to date with the setting; the list of files that changed."""
    s = settings(root / "pyproject.toml")
    changed = []
    config_path = root / "book" / "_config.yml"
    config = config_path.read_text(encoding="utf-8")
    old_repository, _ = _config_repository(config)
    new_config = sync_config(config, s["repository"], s["branch"])
    if new_config != config:
        changed.append(str(config_path.relative_to(root)))
        if write:
            config_path.write_text(new_config, encoding="utf-8")
    for name in TEXT_FILES:
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        new_text = sync_readme(text, old_repository, s["repository"], s["branch"],
                               s["owner"], s["name"])
        if new_text != text:
            changed.append(name)
            if write:
                path.write_text(new_text, encoding="utf-8")
    source = render(s["repository"], s["version"], s["branch"])
    for nb in toc_notebooks(root / "book"):
        if update_notebook(nb, source, write=write):
            changed.append(str(nb.relative_to(root)))
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a file is out of date")
    args = parser.parse_args(argv)
    changed = sync(ROOT, write=not args.check)
    s = settings()
    verb = "out of date" if args.check else "updated"
    for path in changed:
        print(f"{verb}: {path}")
    print(f"repository {s['repository']} (branch {s['branch']}), nntheory {s['version']}: "
          f"{len(changed)} file(s) {verb}")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
