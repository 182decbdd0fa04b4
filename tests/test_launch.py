"""Every way into a chapter works: Colab, a downloaded notebook, Binder, the repository.

* Colab and a downloaded notebook: the first code cell of every notebook (written by
  ``tools/setup_cell.py``) installs ``nntheory`` from the repository when it is
  missing and does nothing where it is installed. Tested here: every notebook of the
  toc has exactly that cell, up to date; it is a no-op where ``nntheory`` imports;
  in a fresh interpreter without ``nntheory`` it looks the release tag up and runs the
  right pip command, or the branch's when the tag is missing (git and pip are replaced
  by a recorder: the network is mocked, the cell's logic is not; the tag lookup also
  runs against a real local repository). ``tests/test_colab_launch.py`` runs the cell
  for real, in an environment holding only what Colab ships, and then whole chapters.
* The repository URL lives in ONE place (``[tool.nntheory]`` in pyproject.toml); the
  book's config, the README and the set-up cells agree with it.
* ``pip install "nntheory @ git+<repository>"`` works: the same install from a local
  git clone of this repository (offline).
* Binder: ``postBuild`` works on a plain Python that has the dependencies.
* The solution-free site (``make book-student``): its Binder and Colab buttons open the
  student copies (on the branch ``student``), not the solved chapters.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("setup_cell", ROOT / "tools" / "setup_cell.py")
setup_cell = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(setup_cell)

SETTINGS = setup_cell.settings()
CELL = setup_cell.render(SETTINGS["repository"], SETTINGS["version"], SETTINGS["branch"])
RUN_AGAIN = "run `python tools/setup_cell.py` (it writes the set-up cells and the links)"


# ------------------------------------------------------------------ one repository setting


def test_the_repository_setting_is_a_github_url_and_the_version_is_the_librarys():
    assert SETTINGS["repository"] == f"https://github.com/{SETTINGS['owner']}/{SETTINGS['name']}"
    nntheory = pytest.importorskip("nntheory")
    assert nntheory.__version__ == SETTINGS["version"], (
        "lib/nntheory/__init__.py's __version__ differs from pyproject.toml's version")


def test_book_config_uses_the_repository_setting():
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    assert config["repository"]["url"] == SETTINGS["repository"], RUN_AGAIN
    assert config["repository"]["branch"] == SETTINGS["branch"], RUN_AGAIN
    assert config["repository"]["path_to_book"] == "book"
    launch = config["launch_buttons"]
    assert launch["binderhub_url"] and launch["colab_url"]


def test_readme_uses_the_repository_setting():
    readme = (ROOT / "README.md").read_text()
    assert setup_cell.readme_problems(readme, SETTINGS) == [], RUN_AGAIN
    assert "[tool.nntheory]" in readme and "tools/setup_cell.py" in readme


def test_the_url_is_written_nowhere_else():
    """Outside the setting and the files the script writes, no file names the URL."""
    owner_repo = f"{SETTINGS['owner']}/{SETTINGS['name']}"
    allowed = {"pyproject.toml", "book/_config.yml", *setup_cell.TEXT_FILES}
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    stray = []
    for name in files:
        path = ROOT / name
        if name in allowed or path.suffix == ".ipynb" or not path.is_file():
            continue
        try:
            if owner_repo in path.read_text(encoding="utf-8"):
                stray.append(name)
        except UnicodeDecodeError:
            continue
    assert not stray, f"the repository URL is written in {stray}: read it from the setting"


def test_a_fork_changes_one_setting_and_the_script_updates_every_file(tmp_path):
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "book", tmp_path / "book",
                    ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    setup_cell.sync(tmp_path)                       # bring the copy up to date first
    assert setup_cell.sync(tmp_path) == []          # idempotent
    pyproject = tmp_path / "pyproject.toml"
    text = pyproject.read_text()
    assert text.count(SETTINGS["repository"]) == 1, "the URL must be written once"
    pyproject.write_text(text.replace(SETTINGS["repository"],
                                      "https://github.com/a-fork/nn-book"))
    changed = setup_cell.sync(tmp_path)
    notebooks = setup_cell.toc_notebooks(tmp_path / "book")
    assert set(changed) == {"book/_config.yml", "README.md", "book/intro.md",
                            *(str(nb.relative_to(tmp_path)) for nb in notebooks)}
    fork = setup_cell.settings(pyproject)
    config = yaml.safe_load((tmp_path / "book" / "_config.yml").read_text())
    assert config["repository"]["url"] == "https://github.com/a-fork/nn-book"
    readme = (tmp_path / "README.md").read_text()
    assert setup_cell.readme_problems(readme, fork) == []
    assert SETTINGS["repository"] not in readme
    assert "mybinder.org/v2/gh/a-fork/nn-book/main" in readme
    intro = (tmp_path / "book" / "intro.md").read_text()
    assert SETTINGS["repository"] not in intro
    if "git clone" in intro:
        assert "git clone https://github.com/a-fork/nn-book\ncd nn-book" in intro
    for nb in notebooks:
        cells = json.loads(nb.read_text())["cells"]
        source = "".join(next(c for c in cells if setup_cell.is_setup_cell(c))["source"])
        assert "git+https://github.com/a-fork/nn-book" in source
    assert setup_cell.main(["--check"]) in (0, 1)   # the command runs (on the real tree)


# ---------------------------------------------------------------- the set-up cell itself


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_every_toc_notebook_starts_with_the_setup_cell_up_to_date():
    notebooks = setup_cell.toc_notebooks()
    assert len(notebooks) >= 2, "no notebooks found in book/_toc.yml"
    wrong = []
    for path in notebooks:
        nb = json.loads(path.read_text())
        setups = [c for c in nb["cells"] if setup_cell.is_setup_cell(c)]
        code = _code_cells(nb)
        if len(setups) != 1:
            wrong.append(f"{path.name}: {len(setups)} set-up cells")
            continue
        cell = setups[0]
        if "".join(cell["source"]) != CELL:
            wrong.append(f"{path.name}: the set-up cell is out of date")
        if code[0] is not cell:
            wrong.append(f"{path.name}: the set-up cell is not the first code cell")
        if nb["cells"].index(cell) != setup_cell.setup_position(
                [c for c in nb["cells"] if c is not cell]):
            wrong.append(f"{path.name}: the set-up cell is not right after the title")
        if "remove-cell" not in cell.get("metadata", {}).get("tags", []):
            wrong.append(f"{path.name}: the set-up cell is not tagged remove-cell")
        if cell.get("outputs") or cell.get("execution_count"):
            wrong.append(f"{path.name}: the set-up cell is stored with outputs")
    assert not wrong, f"{RUN_AGAIN}:\n" + "\n".join(wrong)


def test_the_script_inserts_once_updates_in_place_and_keeps_the_layout(tmp_path):
    title = {"cell_type": "markdown", "id": "t", "metadata": {}, "source": ["# Title\n"]}
    code = {"cell_type": "code", "execution_count": None, "id": "c", "metadata": {},
            "outputs": [], "source": ["import nntheory\n"]}
    nb = {"cells": [title, code], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb, indent=1) + "\n")
    assert setup_cell.update_notebook(path, CELL) is True
    after = json.loads(path.read_text())
    assert [c["id"] for c in after["cells"]] == ["t", setup_cell.CELL_ID, "c"]
    assert after["cells"][1]["metadata"] == {"tags": ["remove-cell"]}
    once = path.read_text()
    assert setup_cell.update_notebook(path, CELL) is False and path.read_text() == once
    # an older cell (another version) is replaced, not duplicated
    assert setup_cell.update_notebook(path, CELL.replace(SETTINGS["version"], "0.0.1"))
    assert setup_cell.update_notebook(path, CELL) is True
    assert path.read_text() == once
    # a notebook whose first cell is code gets the cell first; string sources stay strings
    nb = {"cells": [{**code, "source": "import nntheory\n"}], "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1))
    setup_cell.update_notebook(path, CELL)
    after = json.loads(path.read_text())
    assert [c["id"] for c in after["cells"]] == [setup_cell.CELL_ID, "c"]
    assert after["cells"][0]["source"] == CELL
    assert not path.read_text().endswith("\n")             # the file's own layout


def test_the_cell_installs_the_pinned_library_from_the_repository():
    from packaging.requirements import Requirement

    version, repo, branch = SETTINGS["version"], SETTINGS["repository"], SETTINGS["branch"]
    assert f'ref, release = "{branch}", "v{version}"' in CELL
    assert f'or "git+{repo}")' in CELL
    req = Requirement(setup_cell.install_spec(repo, f"v{version}"))
    assert req.name == "nntheory" and req.url == f"git+{repo}@v{version}"
    assert max(len(line) for line in CELL.splitlines()) <= 88
    compile(CELL, "<setup cell>", "exec")


def _recorder_prelude(answers: list) -> str:
    """Python that replaces subprocess.run with a recorder (git and pip are never run):
    the n-th call gets ``answers[n]``, a ``(returncode, stdout)`` pair, or ``"no git"``
    (it raises FileNotFoundError, as subprocess does when git is not installed)."""
    return textwrap.dedent(f"""
        import json, subprocess
        CALLS, ANSWERS = [], {answers!r}
        class _Done:
            def __init__(self, code, stdout):
                self.returncode, self.stdout, self.stderr = code, stdout, ""
        def _run(command, *args, **kwargs):
            CALLS.append(list(command))
            answer = ANSWERS[len(CALLS) - 1]
            if answer == "no git":
                raise FileNotFoundError(command[0])
            return _Done(*answer)
        subprocess.run = _run
    """)


def _run_cell(answers: list, fresh: bool, source: str | None = None
              ) -> tuple[int, dict, str]:
    """Run the set-up cell in a new interpreter; fresh: one without nntheory on its path;
    source: the NNTHEORY_SOURCE variable (unset when None)."""
    code = (_recorder_prelude(answers) + "\nimport importlib.util, sys\n"
            "FOUND = importlib.util.find_spec('nntheory') is not None\n"
            "try:\n" + textwrap.indent(CELL, "    ") + "\nfinally:\n"
            "    print('RESULT', json.dumps({'calls': CALLS, 'found': FOUND}))\n")
    # -S: no site-packages (nntheory is installed there, editable), -I: no user site,
    # no PYTHONPATH, no current directory: a Python that has never seen the book
    flags = ["-I", "-S"] if fresh else []
    env = {k: v for k, v in os.environ.items() if k != "NNTHEORY_SOURCE"}
    if source is not None:
        env["NNTHEORY_SOURCE"] = source
    out = subprocess.run([sys.executable, *flags, "-c", code], capture_output=True,
                         text=True, timeout=60, cwd="/", env=env)
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    return out.returncode, result, out.stdout + out.stderr


TAGGED = (0, f"0123abcd\trefs/tags/v{SETTINGS['version']}\n")
PIP = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]


def test_the_cell_does_nothing_where_nntheory_is_installed():
    code, result, log = _run_cell([], fresh=False)
    assert result["found"] is True, "nntheory is not importable in this environment"
    assert code == 0 and result["calls"] == [], log
    assert "Installing" not in log


def test_the_cell_does_nothing_in_this_process(monkeypatch):
    """The same, in the test process itself: running the cell leaves pip alone."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    exec(compile(CELL, "<setup cell>", "exec"), {})
    assert calls == []


def test_a_fresh_python_looks_the_release_up_and_installs_it():
    code, result, log = _run_cell([TAGGED, (0, "")], fresh=True)
    assert result["found"] is False
    assert code == 0, log
    repo, release = SETTINGS["repository"], f"v{SETTINGS['version']}"
    spec = setup_cell.install_spec(repo, release)
    # git is asked for the tag first; the interpreter running the notebook installs into
    # itself; installed packages that satisfy nntheory stay (no --upgrade)
    assert result["calls"] == [["git", "ls-remote", "--tags", repo, release], [*PIP, spec]]
    assert f"Installing the book's library from git+{repo} at {release} ...\n" in log
    assert "not tagged" not in log and "Done: nntheory is installed." in log


def test_without_the_release_tag_the_cell_says_so_and_installs_the_branch():
    code, result, log = _run_cell([(0, ""), (0, "")], fresh=True)
    assert code == 0, log
    repo, branch = SETTINGS["repository"], SETTINGS["branch"]
    assert result["calls"][1] == [*PIP, setup_cell.install_spec(repo, branch)]
    assert len(result["calls"]) == 2          # pip is tried once: no failing first try
    assert (f"from git+{repo} at {branch} (the release v{SETTINGS['version']} is not "
            "tagged yet) ...") in log


def test_without_git_the_cell_installs_the_branch():
    code, result, log = _run_cell(["no git", (0, "")], fresh=True)
    assert code == 0, log
    assert result["calls"][1][-1].endswith(f"@{SETTINGS['branch']}")


def test_nntheory_source_replaces_the_repository():
    """NNTHEORY_SOURCE: a fork or a local clone (the Colab test points it at one)."""
    source = "git+file:///tmp/a-clone"
    tag = (0, f"abc\trefs/tags/v{SETTINGS['version']}\n")
    code, result, log = _run_cell([tag, (0, "")], fresh=True, source=source)
    assert code == 0, log
    assert result["calls"][0][3] == "file:///tmp/a-clone"
    assert result["calls"][1][-1] == f"nntheory @ {source}@v{SETTINGS['version']}"


def test_when_pip_fails_the_cell_shows_pips_messages_and_stops():
    code, result, log = _run_cell([TAGGED, (1, "pip: something broke")], fresh=True)
    assert code != 0 and len(result["calls"]) == 2
    assert "pip: something broke" in log
    assert "RuntimeError: nntheory could not be installed from" in log


def test_the_release_lookup_works_with_git(tmp_path):
    """The cell's ``git ls-remote`` line on a real repository, tagged and not."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "r"
    repo.mkdir()
    _git("init", "-q", "-b", "main", cwd=repo)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty",
         "-m", "x", cwd=repo)
    release = f"v{SETTINGS['version']}"

    def lookup():
        prelude = "import os, subprocess, sys\n"
        cell = CELL.split("    try:\n", 1)[1].split("    except", 1)[0]
        code = (prelude + f"source = {f'git+file://{repo}'!r}\nrelease = {release!r}\n"
                "ref = 'branch'\n" + textwrap.dedent(cell) + "print(ref)\n")
        return subprocess.run([sys.executable, "-c", code], capture_output=True,
                              text=True, timeout=60, check=True).stdout.strip()

    assert lookup() == "branch"
    _git("tag", release, cwd=repo)
    assert lookup() == release


# ------------------------------------------------ pip install "nntheory @ git+<repository>"


def _git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True, timeout=60)


def library_repository(where: Path, version: str) -> Path:
    """A git repository of the working tree's library (what a clone holds for pip),
    tagged ``v<version>`` like a release (also used by tests/test_colab_launch.py)."""
    repo = where / "repo"
    repo.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copytree(ROOT / "lib", repo / "lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    _git("init", "-q", "-b", "main", cwd=repo)
    _git("add", ".", cwd=repo)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x", cwd=repo)
    _git("tag", f"v{version}", cwd=repo)
    return repo


def test_the_library_installs_from_a_git_url(tmp_path):
    """What the set-up cell asks pip for, from a local git repository (no network): the
    repository root is an installable project whose wheel holds the whole library."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = library_repository(tmp_path, SETTINGS["version"])
    # "localhost": pip 23 rejects a git+file:/// URL without a host
    spec = f"nntheory @ git+file://localhost{repo}@v{SETTINGS['version']}"
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                          "--no-build-isolation", "--no-index", "-q", "-w",
                          str(tmp_path / "wheels"), spec],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    wheel = next((tmp_path / "wheels").glob("nntheory-*.whl"))
    assert wheel.name.startswith(f"nntheory-{SETTINGS['version']}-")
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {f"nntheory/{p.name}" for p in (ROOT / "lib" / "nntheory").glob("*.py")}
    assert modules <= names, f"missing from the wheel: {sorted(modules - names)}"


# --------------------------------------------------------------------- Binder: postBuild


def test_postbuild_installs_the_library_on_a_plain_python(tmp_path):
    """postBuild, as Binder runs it (bash, in the repository, with the environment's
    python first on PATH), on a new virtual environment that sees this one's packages
    (the dependencies) but not its nntheory; offline (no index, no build isolation)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("pyproject.toml", "README.md", "postBuild"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copytree(ROOT / "lib", repo / "lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / "tools", repo / "tools",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True,
                   timeout=120)
    python = env / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                           "get_paths()['purelib'])"], capture_output=True, text=True,
                          check=True).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "dependencies.pth").write_text("\n".join(deps) + "\n")
    before = subprocess.run([str(python), "-c", "import nntheory"], capture_output=True)
    assert before.returncode != 0, "the new environment already imports nntheory"
    run_env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    run_env.update(PATH=f"{env / 'bin'}:{os.environ['PATH']}", PIP_NO_INDEX="1",
                   PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1")
    out = subprocess.run(["bash", "postBuild"], cwd=repo, env=run_env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    where = subprocess.run([str(python), "-c", "import nntheory; print(nntheory.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(repo / "lib")   # editable, from repo
    config = env / "etc" / "jupyter" / "jupyter_server_config.json"
    if "CurveZMQ" in out.stdout:
        assert json.loads(config.read_text())["MappingKernelManager"] == {
            "transport_encryption": "auto"}


def test_binder_files_are_where_binder_looks():
    """Binder reads environment.yml and postBuild from the repository root; postBuild
    must be executable and run with bash's strict mode."""
    assert (ROOT / "environment.yml").is_file()
    post = ROOT / "postBuild"
    assert os.access(post, os.X_OK), "postBuild must be executable (chmod +x postBuild)"
    text = post.read_text()
    assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    assert "--no-deps" in text                        # environment.yml has the dependencies
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert data["project"]["name"] == "nntheory"


# ------------------------------------- the solution-free site (make book-student) launches


def _launch_urls(book: Path, pagename: str) -> dict[str, str]:
    """The Binder and Colab URLs the site's rocket icon gives a page: the book's
    ``_config.yml`` through Jupyter Book's own translation into Sphinx settings, then
    sphinx-book-theme's own ``add_launch_buttons`` (what the build runs)."""
    from types import SimpleNamespace

    pytest.importorskip("jupyter_book")
    from jupyter_book.config import get_final_config
    from sphinx_book_theme.header_buttons.launch import add_launch_buttons

    sphinx_config, _ = get_final_config(user_yaml=book / "_config.yml", sourcedir=book,
                                         cli_config={"latex_individualpages": False})
    theme = sphinx_config["html_theme_options"]
    app = SimpleNamespace(
        config={"html_theme_options": theme},
        env=SimpleNamespace(doc2path=lambda name: str(book / f"{name}.ipynb"),
                            metadata={pagename: {"kernelspec": {"name": "python3"}}}))
    owner_repo = theme["repository_url"].removeprefix("https://github.com/").split("/")
    context = {"pagename": pagename, "header_buttons": [], "sourcename": "x.ipynb",
               "github_url": "https://github.com", "github_user": owner_repo[0],
               "github_repo": owner_repo[1]}
    add_launch_buttons(app, pagename, "page.html", context, None)
    buttons = [b for group in context["header_buttons"] for b in group.get("buttons", [])]
    return {b["text"]: b["url"] for b in buttons}


def test_the_full_sites_buttons_open_the_chapter_on_the_main_branch():
    """The reference: what the solution-free site must NOT do."""
    urls = _launch_urls(ROOT / "book", "chapters/03_backprop")
    org_repo = f"{SETTINGS['owner']}/{SETTINGS['name']}"
    assert urls["Colab"] == ("https://colab.research.google.com/github/"
                             f"{org_repo}/blob/{SETTINGS['branch']}/book/chapters/03_backprop.ipynb")
    assert urls["Binder"].startswith(f"https://mybinder.org/v2/gh/{org_repo}/"
                                     f"{SETTINGS['branch']}?urlpath=")


def test_the_solution_free_sites_buttons_open_the_student_copies(tmp_path):
    """make book-student: Binder and Colab open the chapter on the branch of student
    copies, which holds the same paths as the main branch with every notebook replaced
    by its student copy (the same function writes both); the download button gives the
    page's own notebook, which in the student book is the student copy."""
    from nntheory.teaching import student

    out = student.student_book(ROOT / "book", tmp_path / "student-book")
    urls = _launch_urls(out, "chapters/03_backprop")
    org_repo = f"{SETTINGS['owner']}/{SETTINGS['name']}"
    path = "book/chapters/03_backprop.ipynb"
    assert urls["Colab"] == ("https://colab.research.google.com/github/"
                             f"{org_repo}/blob/{student.STUDENT_BRANCH}/{path}")
    assert urls["Binder"] == (f"https://mybinder.org/v2/gh/{org_repo}/"
                              f"{student.STUDENT_BRANCH}?urlpath=lab/tree/{path}")
    assert student.STUDENT_BRANCH != SETTINGS["branch"]
    # the student branch's tree: the repository's book/ with the student copies in place
    branch = tmp_path / "branch"
    shutil.copytree(ROOT / "book", branch / "book",
                    ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    written = student.write_student_copies(branch / "book")
    assert branch / path in written
    for name in (path, "book/chapters/01_perceptron.ipynb"):
        solved = json.loads((ROOT / name).read_text())
        copy = json.loads((branch / name).read_text())
        assert copy == student.make_student_copy(solved) != solved    # solutions gone
        assert json.loads((out / name.removeprefix("book/")).read_text()) == copy
    # the other settings of the site are the book's
    config, book_config = (yaml.safe_load(p.read_text()) for p in
                           (out / "_config.yml", ROOT / "book" / "_config.yml"))
    assert config["repository"] == {**book_config["repository"],
                                    "branch": student.STUDENT_BRANCH}
    assert config["launch_buttons"] == book_config["launch_buttons"]


def test_the_solution_free_site_can_have_no_launch_buttons(tmp_path):
    from nntheory.teaching import student

    out = student.student_book(ROOT / "book", tmp_path / "sb", launch_branch=None)
    assert _launch_urls(out, "chapters/03_backprop") == {}
    assert yaml.safe_load((out / "_config.yml").read_text())["repository"]["branch"] == \
        SETTINGS["branch"]
    with pytest.raises(ValueError, match="launch_branch"):
        student.student_book(ROOT / "book", tmp_path / "sb2", launch_branch="no branch")
