"""The README is current: its folder map names every module of the library and every
tool, and it does not call written chapters unwritten."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _folder_map() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Folder map", 1)[1]
    return section.split("\n## ", 1)[0]


def test_the_folder_map_names_every_module_and_tool():
    text = _folder_map()
    named = set(re.findall(r"[\w.]+\.(?:py|sh)\b", text)) | set(re.findall(r"(\w+)/", text))
    lib = ROOT / "lib" / "nntheory"
    modules = {p.name for p in lib.glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    packages = {p.name for p in lib.iterdir() if (p / "__init__.py").is_file()}
    tools = {p.name for p in (ROOT / "tools").iterdir() if p.suffix in (".py", ".sh")}
    assert sorted(modules - named) == []
    assert sorted(packages - named) == []
    assert sorted(tools - named) == []


def test_no_chapter_is_said_to_be_unwritten():
    readme = (ROOT / "README.md").read_text()
    assert "being written" not in readme
    toc = (ROOT / "book" / "_toc.yml").read_text()
    chapters = re.findall(r"file:\s*chapters/(\d\d)_", toc)
    assert chapters == [f"{i:02d}" for i in range(1, 11)]      # the ten topics
    assert "all ten topics have their chapter" in readme
