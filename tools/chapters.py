"""Print the chapters that are written: the one list is ``book/_toc.yml``.

A chapter is added to the table of contents when its checks pass, so the
contents are the true state of the book. ``make chapters`` runs this script;
the README points here instead of keeping a second list that could go stale.
Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

_CAPTION = re.compile(r"^\s*-\s*caption:\s*\"?(.*?)\"?\s*$")
_FILE = re.compile(r"^\s*-\s*file:\s*(\S+)\s*$")


def title(path: Path) -> str:
    """The first level-1 heading of a notebook or Markdown page."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    m = re.search(r"^#\s+(.+)$", text, re.M)
    return m.group(1).strip() if m else path.stem


def chapters(toc: Path = BOOK / "_toc.yml") -> list[tuple[str, str, str]]:
    """``(part caption, file, title)`` of every chapter notebook in the contents."""
    out, part = [], ""
    for line in toc.read_text(encoding="utf-8").splitlines():
        if m := _CAPTION.match(line):
            part = m.group(1)
        elif (m := _FILE.match(line)) and m.group(1).startswith("chapters/"):
            for suffix in (".ipynb", ".md"):
                page = BOOK / (m.group(1) + suffix)
                if page.is_file():
                    out.append((part, m.group(1), title(page)))
                    break
            else:
                out.append((part, m.group(1), "(listed in _toc.yml but missing)"))
    return out


def main() -> int:
    rows = chapters()
    print(f"{len(rows)} chapters written (from book/_toc.yml):")
    part = None
    for caption, file, name in rows:
        if caption != part:
            print(f"  {caption}")
            part = caption
        print(f"    {file}: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
