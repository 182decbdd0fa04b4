"""The set-up files agree with each other, and notebooks are stored clean."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# conda-forge names that differ from the PyPI names in pyproject.toml
CONDA_TO_PIP = {"pytorch-cpu": "torch"}
CONDA_ONLY = {"python", "pip"}
# extras that Binder and conda users do not need, so environment.yml leaves them out:
# `browser` serves `make test-browser` only (Playwright and the system's Chromium),
# `translate` serves `make translations` only (sphinx-intl, for translators)
PIP_ONLY_EXTRAS = {"browser", "translate"}


def _split(requirement: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert m, requirement
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    reqs = list(project["dependencies"])
    for name, extra in project["optional-dependencies"].items():
        if name not in PIP_ONLY_EXTRAS:
            reqs += extra
    return dict(_split(r) for r in reqs)


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    out = {}
    for dep in env["dependencies"]:
        assert isinstance(dep, str), f"environment.yml: unexpected entry {dep!r}"
        name, spec = _split(dep)
        if name in CONDA_ONLY:
            continue
        out[CONDA_TO_PIP.get(name, name)] = spec
    return out


def test_environment_yml_matches_pyproject():
    pip, conda = pyproject_requirements(), conda_requirements()
    assert sorted(pip) == sorted(conda), (
        f"only in pyproject: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}")
    for name in pip:
        assert pip[name] == conda[name], f"{name}: pyproject {pip[name]!r} vs conda {conda[name]!r}"


def test_environment_yml_has_no_local_paths():
    lines = [line.split("#")[0] for line in (ROOT / "environment.yml").read_text().splitlines()]
    text = "\n".join(lines)
    assert "file:" not in text and "/work" not in text and "-e " not in text and "./" not in text


def test_required_packages_are_declared():
    pip = pyproject_requirements()
    for name in ["jupyter-book", "jupyterlab", "numpy", "torch", "ipywidgets", "matplotlib",
                 "nbval", "sphinx-proof", "sphinx-exercise", "sphinxcontrib-bibtex"]:
        assert name in pip, name
    assert pip["jupyter-book"] == ">=1.0.4,<2"


def test_book_config_executes_strictly():
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    assert config["only_build_toc_files"] is True
    assert config["execute"]["execute_notebooks"] == "force"
    assert config["execute"]["raise_on_error"] is True
    exts = config["sphinx"]["extra_extensions"]
    assert "sphinx_proof" in exts and "sphinx_exercise" in exts


def test_notebooks_are_stored_without_outputs():
    files = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    tracked_or_present = set(files) | {str(p.relative_to(ROOT)) for p in
                                      (ROOT / "book").rglob("*.ipynb") if "_build" not in p.parts}
    assert tracked_or_present, "no notebooks found"
    dirty = []
    for f in sorted(tracked_or_present):
        nb = json.loads((ROOT / f).read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count")):
                dirty.append(f)
                break
    assert not dirty, f"notebooks stored with outputs (clear them before committing): {dirty}"


def test_every_book_notebook_is_in_the_toc():
    toc = (ROOT / "book" / "_toc.yml").read_text()
    for nb in (ROOT / "book").rglob("*.ipynb"):
        if "_build" in nb.parts or ".ipynb_checkpoints" in nb.parts:
            continue
        rel = nb.relative_to(ROOT / "book").with_suffix("").as_posix()
        assert f"file: {rel}" in toc, f"{rel} is not listed in book/_toc.yml"


def test_jupyterlab_myst_is_declared_installed_and_enabled():
    """JupyterLab renders the chapters' MyST (theorems, exercises, citations) only with
    the jupyterlab-myst extension: declared for pip and conda, installed, enabled, and
    compatible with the installed JupyterLab (``jupyter labextension list`` says OK)."""
    assert "jupyterlab-myst" in pyproject_requirements()
    assert "jupyterlab-myst" in conda_requirements()
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("JupyterLab is not installed (pip install -e '.[book]')")
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("jupyterlab-myst")
    except PackageNotFoundError:
        pytest.fail("jupyterlab-myst is not installed: run `make install` (pyproject's [book] "
                    "extra has it)")
    jupyter = Path(sys.executable).with_name("jupyter")
    cmd = [str(jupyter)] if jupyter.exists() else [sys.executable, "-m", "jupyter"]
    out = subprocess.run([*cmd, "labextension", "list"], capture_output=True, text=True,
                         timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)   # drop colour codes
    line = re.search(r"jupyterlab-myst v(\S+)\s+(enabled|disabled)\s+(OK|X)", text)
    assert line, f"jupyter labextension list does not show jupyterlab-myst:\n{text}"
    assert line.group(1) == installed
    assert line.group(2) == "enabled", "jupyterlab-myst is disabled: " \
        "jupyter labextension enable jupyterlab-myst"
    assert line.group(3) == "OK", (
        "jupyterlab-myst is installed but JupyterLab will not load it (incompatible); "
        "reinstall with `make install` (pyproject pins a compatible JupyterLab):\n" + text)


def test_chapter_list_comes_from_the_toc():
    """`make chapters` (tools/chapters.py) lists exactly the chapter notebooks in the toc,
    each with its title; the README points there instead of keeping its own list."""
    spec = importlib.util.spec_from_file_location("chapters", ROOT / "tools" / "chapters.py")
    chapters = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(chapters)
    rows = chapters.chapters()
    toc = (ROOT / "book" / "_toc.yml").read_text()
    listed = re.findall(r"^\s*-\s*file:\s*(chapters/\S+)", toc, re.M)
    assert [file for _, file, _ in rows] == listed and rows
    assert all(name and "missing" not in name for _, _, name in rows)
    assert all(part.startswith(("Part ", "Appendices")) for part, _, _ in rows)
    readme = (ROOT / "README.md").read_text()
    assert "make chapters" in readme


def test_jupyterlab_kernel_encryption_setting_merges(tmp_path, monkeypatch):
    """tools/jupyter_encryption.py (run by `make install` and postBuild) adds the CurveZMQ
    setting to the environment's jupyter_server_config.json and keeps what is there."""
    spec = importlib.util.spec_from_file_location("jupyter_encryption",
                                                  ROOT / "tools" / "jupyter_encryption.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not module.supported():
        pytest.skip("no CurveZMQ in pyzmq, or no jupyter_server")
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    path = tmp_path / "etc" / "jupyter" / "jupyter_server_config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"ServerApp": {"open_browser": False}}))
    assert module.main() == 0 and module.main() == 0
    config = json.loads(path.read_text())
    assert config == {"ServerApp": {"open_browser": False},
                      "MappingKernelManager": {"transport_encryption": "auto"}}
    assert "tools/jupyter_encryption.py" in (ROOT / "postBuild").read_text()
    assert "tools/jupyter_encryption.py" in (ROOT / "Makefile").read_text()


# Every name in environment.yml must be a conda-forge package. The tests run offline,
# so this is a list kept by hand: for each package, a version that conda-forge has
# published (looked up on conda-forge's package page, anaconda.org/conda-forge/NAME,
# when the entry was written), which must satisfy environment.yml's bound. A new
# dependency fails here until someone looks it up and adds it, with its conda-forge
# name (often not the PyPI name: PyPI's torch is conda-forge's pytorch, or
# pytorch-cpu for the CPU-only build). What this cannot show: that the whole
# environment solves together (run `conda env create -f environment.yml`, or launch
# Binder, which does).
KNOWN_CONDA_FORGE = {
    "python": "3.11.9",
    "pip": "24.0",
    "numpy": "1.26.4",
    "scipy": "1.11.4",
    "matplotlib": "3.8.4",           # the full package (matplotlib-base has no GUI backends)
    "pytorch-cpu": "2.1.2",          # conda-forge's CPU-only PyTorch (pytorch feedstock)
    "tqdm": "4.66.4",
    "ipywidgets": "8.1.2",
    "jupyter-book": "1.0.4.post1",   # conda-forge/jupyter-book-feedstock
    "jupyterlab": "4.2.5",
    "jupyterlab-myst": "2.4.2",      # conda-forge/jupyterlab-myst-feedstock
    "sphinx-proof": "0.2.0",         # conda-forge/sphinx-proof-feedstock
    "sphinx-exercise": "1.0.1",      # conda-forge/sphinx-exercise-feedstock
    "sphinxcontrib-bibtex": "2.6.2",
    "pytest": "8.2.0",
    "pytest-xdist": "3.5.0",         # conda-forge/pytest-xdist-feedstock
    "nbval": "0.11.0",
    "ruff": "0.5.0",
}
# PyPI names that are NOT the conda-forge package a reader would want
PYPI_ONLY = {"torch": "pytorch (or pytorch-cpu)", "jupyter_book": "jupyter-book"}


def _conda_bound(spec: str):
    """environment.yml's bound as a PEP 440 specifier (conda's `=3.11` is `3.11.*`)."""
    from packaging.specifiers import SpecifierSet

    if spec.startswith("=") and not spec.startswith("=="):
        return SpecifierSet(f"=={spec[1:]}.*")
    return SpecifierSet(spec)


def test_environment_yml_names_are_conda_forge_packages():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    unknown, unsatisfied = [], []
    for dep in env["dependencies"]:
        name, spec = _split(dep)
        assert name not in PYPI_ONLY, f"{name} is a PyPI name; conda-forge: {PYPI_ONLY[name]}"
        if name not in KNOWN_CONDA_FORGE:
            unknown.append(name)
        elif spec and KNOWN_CONDA_FORGE[name] not in _conda_bound(spec):
            unsatisfied.append(f"{name}{spec} (known on conda-forge: {KNOWN_CONDA_FORGE[name]})")
    assert not unknown, (f"not checked against conda-forge: {unknown}; look each up on "
                         "anaconda.org/conda-forge and add it to KNOWN_CONDA_FORGE")
    assert not unsatisfied, f"bounds no known conda-forge version satisfies: {unsatisfied}"


def test_the_conda_forge_check_can_fail(monkeypatch):
    """A PyPI-only name or an impossible bound is caught."""
    assert KNOWN_CONDA_FORGE["pytorch-cpu"] in _conda_bound(">=2.1")
    assert KNOWN_CONDA_FORGE["jupyter-book"] in _conda_bound(">=1.0.4,<2")
    assert "3.11.9" in _conda_bound("=3.11") and "3.12.1" not in _conda_bound("=3.11")
    assert KNOWN_CONDA_FORGE["ruff"] not in _conda_bound(">=99")
    assert "torch" in PYPI_ONLY and "torch" not in KNOWN_CONDA_FORGE
