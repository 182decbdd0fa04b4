"""The grader's sandbox (issue 30): hostile submissions graded in one class with honest
ones. Each hostile notebook answers every exercise correctly and adds one cell that
tries something; each attempt must fail inside its sandbox and be reported, the
honest students must be graded in full, and nothing outside the scratch folders may
change (the teacher's files are hashed before and after).

Needs a working ``bwrap`` (``make install`` installs bubblewrap where it can); the
tests are skipped with the reason when there is none.
"""

from __future__ import annotations

import csv
import hashlib
import json
import socket
import threading
from pathlib import Path

import pytest
from grading_fixture import correct, insert_after_imports, write_reference

from nntheory.teaching import exercises, grade, sandbox

#: what the fixture's correct answers earn: the auto-graded exercises of chapter 3 (the
#: written ex-bp-symmetry is left to the teacher), read from the registry
FULL = sum(exercises.get(label).points
           for label in ("ex-bp-count", "ex-bp-scalar", "ex-bp-softplus"))

try:
    sandbox.require_bwrap()
    HAVE_BWRAP = True
except sandbox.SandboxUnavailable:
    HAVE_BWRAP = False

pytestmark = pytest.mark.skipif(not HAVE_BWRAP, reason="no working bwrap (bubblewrap)")

LIMITS = sandbox.Limits(memory_mb=2048, processes=64, disk_mb=64)


def _hash_tree(*roots: Path) -> dict[str, str]:
    out = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[str(path)] = "dir"
    return out


def _at_end(nb: dict, source: str) -> dict:
    nb["cells"].append({"cell_type": "code", "id": "student-last", "metadata": {},
                        "source": source, "outputs": [], "execution_count": None})
    return nb


class _Listener:
    """A TCP server on the host's 127.0.0.1 that counts the connections it accepts."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    home = root / "teacher-home"
    home.mkdir()
    secret = home / "exam-solutions.txt"
    secret.write_text("the teacher's private file\n")
    (root / "rubric.txt").write_text("next to the submissions\n")
    subs = root / "subs"
    subs.mkdir()
    out = root / "grades"
    out.mkdir()
    (out / "teacher-notes.txt").write_text("in the grades folder\n")
    reference = write_reference(root / "reference")
    listener = _Listener()
    first = {   # a cell right after the imports; the answers after it are right
        "reader": f"print(open({str(secret)!r}).read())",
        "writer_next": f"open({str(root / 'evil.txt')!r}, 'w').write('x')",
        "writer_grades": f"open({str(out / 'grades.csv')!r}, 'w').write('alice,999')",
        "modifier": f"open({str(subs / 'honest.ipynb')!r}, 'w').write('{{}}')",
        "network": ("import socket\n"
                    f"socket.create_connection(('127.0.0.1', {listener.port}), timeout=3)"),
        "exiter": "import os\nos._exit(3)",   # kills its kernel: run again without it
    }
    last = {    # a cell after every answer: the points earned before are kept
        "memory": "hog = bytearray(64 * 2**30)",
        "forkbomb": ("import os, time\n"
                     "for _ in range(500):          # bounded: at most 500 children\n"
                     "    if os.fork() == 0:\n"
                     "        time.sleep(3)\n"
                     "        os._exit(0)"),
        "disk": ("with open('filler.bin', 'wb') as fh:\n"
                 "    for _ in range(4096):\n"
                 "        fh.write(b'\\0' * 2**20)"),
    }
    if CGROUP:  # many processes, each within its own limit, too much together
        last["forked_memory"] = (
            "import os, time\n"
            "for _ in range(6):\n"
            "    if os.fork() == 0:\n"
            "        try:\n"
            "            hog = [b'\\x01' * (150 * 2**20) for _ in range(10)]\n"
            "            time.sleep(3)\n"
            "        finally:\n"
            "            os._exit(0)\n"
            "time.sleep(8)")
    for name, source in first.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(insert_after_imports(correct(), source)))
    for name, source in last.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(_at_end(correct(), source)))
    (subs / "honest.ipynb").write_text(json.dumps(correct()))
    # honest, like chapter 5: libraries reserve address space they never use (here 1.5 GB
    # reserved, nothing touched) and a cell allocates an 8193 x 4096 array: graded ok
    (subs / "reserving.ipynb").write_text(json.dumps(_at_end(correct(), RESERVING)))
    before = _hash_tree(home, subs, root / "reference", out) | {
        str(root / "rubric.txt"): hashlib.sha256((root / "rubric.txt").read_bytes()).hexdigest()}
    try:
        grade.grade(reference, subs, out, jobs=2, timeout=120, progress=False, limits=LIMITS)
    finally:
        listener.close()
    return {"root": root, "out": out, "home": home, "subs": subs, "before": before,
            "listener": listener, "reference": reference}


def _rows(out: Path) -> dict[str, dict]:
    with (out / "grades.csv").open() as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


RESERVING = ("reserved = np.empty(1536 * 2**20, dtype=np.uint8)   # never touched\n"
             "big = np.ones((8193, 4096))\n"
             "assert big.sum() == 8193 * 4096")
HOSTILE = {   # student -> (status, phrase in the feedback)
    "reader": ("errors", "raised FileNotFoundError"),
    "writer_next": ("errors", "raised "),
    "writer_grades": ("errors", "raised "),
    "modifier": ("errors", "raised "),
    "network": ("errors", "raised ConnectionRefusedError"),
    "exiter": ("kernel died", "run again in a new kernel without that cell"),
    "memory": ("memory limit", "raised MemoryError"),
    # a cell the student wrote may not start a process at all while the grader's lock
    # is on (forbid.PROCESS_EVENTS); the sandbox's process limit is the second line
    "forkbomb": ("errors", "may not start another process"),
    "disk": ("disk limit", "No space left on device"),
}
CGROUP = HAVE_BWRAP and sandbox.memory_cgroup_available()
if CGROUP:
    HOSTILE["forked_memory"] = ("errors", "may not start another process")


def test_hostile_submissions_are_contained_and_the_honest_graded_in_full(hostile_class):
    """One test for the whole class (graded once, also under xdist)."""
    c = hostile_class
    rows = _rows(c["out"])
    assert set(rows) == {*HOSTILE, "honest", "reserving"}
    failures = []
    for name, (status, phrase) in HOSTILE.items():
        text = (c["out"] / "feedback" / f"{name}.md").read_text()
        # contained and reported; every answer was right and came before (or was
        # independent of) the hostile cell, so the points are kept
        if (rows[name]["status"], float(rows[name]["total"])) != (status, FULL) or \
                phrase not in text:
            failures.append(f"{name}: {rows[name]['status']!r} {rows[name]['total']}, "
                            f"expected {status!r} {FULL} and {phrase!r} in\n{text}")
    assert not failures, "\n\n".join(failures)
    assert (rows["honest"]["status"], float(rows["honest"]["total"])) == ("ok", FULL)
    # address space reserved but not used is not the memory limit (it was, at 2048 MB)
    assert (rows["reserving"]["status"], float(rows["reserving"]["total"])) == ("ok", FULL), \
        (c["out"] / "feedback" / "reserving.md").read_text()
    assert rows["honest"]["sandboxed"] == "yes"
    # nothing outside the scratch folders changed
    after = _hash_tree(c["home"], c["subs"], c["root"] / "reference") | {
        str(c["root"] / "rubric.txt"):
            hashlib.sha256((c["root"] / "rubric.txt").read_bytes()).hexdigest()}
    untouched = {k: v for k, v in c["before"].items() if not k.startswith(str(c["out"]))}
    assert after == untouched
    assert not (c["root"] / "evil.txt").exists()
    notes = c["out"] / "teacher-notes.txt"
    assert c["before"][str(notes)] == hashlib.sha256(notes.read_bytes()).hexdigest()
    with (c["out"] / "grades.csv").open() as fh:
        assert "999" not in fh.read()
    assert c["listener"].accepted == 0
    # the grader wrote only its own files into the grades folder
    written = {p.relative_to(c["out"]).parts[0] for p in c["out"].rglob("*")}
    assert written <= {"teacher-notes.txt", "grades.csv", "grades.csv.bak", "results",
                       "feedback", "summary.md", "histogram.png", "export"}


def test_without_bwrap_the_grader_stops_unless_told(tmp_path, monkeypatch):
    reference = write_reference(tmp_path / "reference")
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "a.ipynb").write_text(json.dumps(correct()))
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    with pytest.raises(ValueError, match="apt-get install bubblewrap.*--no-sandbox"):
        grade.grade(reference, tmp_path / "subs", tmp_path / "out", progress=False)
    assert not (tmp_path / "out" / "grades.csv").exists()
    grade.grade(reference, tmp_path / "subs", tmp_path / "out", progress=False, sandbox=False)
    rows = _rows(tmp_path / "out")
    assert rows["a"]["sandboxed"] == "NO" and float(rows["a"]["total"]) == FULL
    assert "WITHOUT a sandbox" in (tmp_path / "out" / "feedback" / "a.md").read_text()
    assert "WITHOUT a sandbox" in (tmp_path / "out" / "summary.md").read_text()


def test_a_cell_past_the_cpu_time_limit_costs_only_itself(tmp_path):
    """RLIMIT_CPU kills the kernel (SIGXCPU); the notebook runs again without that cell:
    status ``time limit``, and the answers after it still earn their points."""
    reference = write_reference(tmp_path / "reference")
    (tmp_path / "subs").mkdir()
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 600:\n    pass"
    (tmp_path / "subs" / "spinner.ipynb").write_text(
        json.dumps(insert_after_imports(correct(), spin)))
    grade.grade(reference, tmp_path / "subs", tmp_path / "out", timeout=300,
                cell_timeout=300, progress=False, limits=sandbox.Limits(cpu_s=20))
    row = _rows(tmp_path / "out")["spinner"]
    text = (tmp_path / "out" / "feedback" / "spinner.md").read_text()
    assert row["status"] == "time limit" and float(row["total"]) == FULL, text
    assert "at the CPU-time limit in cell 3 (In [2])" in text
