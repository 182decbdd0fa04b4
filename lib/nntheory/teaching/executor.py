"""Run one submitted notebook and report what happened (the grader's executor).

``python -m nntheory.teaching.executor`` is started by :mod:`nntheory.teaching.sandbox`,
normally inside a bubblewrap sandbox together with the notebook's kernel. It reads
one *job* (JSON) from its standard input, runs the notebook, and writes one *result*
(JSON) to the file descriptor the job names (a pipe to the grader), then exits.
Nothing is written anywhere else but its scratch folder.

The job: ``notebook`` (the submission as a dict), ``chapter``, ``token`` (marks the
grader's own log lines), ``fingerprints`` (of the answer checks), ``timeout`` (seconds
for the whole notebook), ``cell_timeout`` (seconds per cell), ``grading_cell_s``,
``workdir`` (the scratch folder), ``uid`` (drop to this user id first, when started as
root), ``limits`` (``memory_mb``, ``processes``, ``cpu_s``), ``result_fd``.

The result: ``events`` (one per code cell that ran: its 1-based position among all
cells, its execution count ``In [n]``, the exercise it belongs to, ``outcome`` in
``ok``, ``error``, ``cell timeout``, ``deadline``, ``kernel died``, and the exception's
name and message), ``log`` (the lines of the checks' grading log, unvalidated: the
grader keeps only those that carry its token), ``kernel_exit`` (the kernel's exit
status when it died: a negative number is the signal), ``seconds``.

Per-cell time limits: a cell that runs longer than ``cell_timeout`` is interrupted
and the next cells still run, so a loop in one exercise costs only that exercise;
the whole notebook still stops at ``timeout``. A cell that kills its kernel
(``exit()``, the CPU-time limit, a crash) is skipped and the notebook runs again
from the top in a new kernel (at most :data:`MAX_RESTARTS` times), so the
exercises after it are still graded.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import resource
import sys
import time

__all__ = ["main", "apply_limits", "run_notebook"]

_LABEL = re.compile(r"^:label:\s*(ex-[\w-]+)\s*$", re.MULTILINE)
_PR_SET_DUMPABLE, _PR_SET_NO_NEW_PRIVS = 4, 38
#: New kernels started after a cell killed one (that cell is skipped the next time).
MAX_RESTARTS = 2


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _regions(cells) -> list[str | None]:
    out, current = [], None
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            found = _LABEL.findall(_source(cell))
            if found:
                current = found[-1]
            elif re.search(r"^#{1,2} ", _source(cell), re.MULTILINE) and current:
                current = None
        out.append(current)
    return out


def _prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux
        pass


def apply_limits(limits: dict, uid: int | None) -> None:
    """Drop root (to ``uid``) and set the resource limits, for this process and the
    kernel it starts. This process becomes non-dumpable, so the notebook's code (the
    same user) cannot read its memory or its result pipe through /proc."""
    if uid is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    _prctl(_PR_SET_DUMPABLE, 0)
    pairs = {"memory_mb": (resource.RLIMIT_AS, lambda v: int(v) * 2**20),
             "processes": (resource.RLIMIT_NPROC, int),
             "cpu_s": (resource.RLIMIT_CPU, lambda v: int(v + 0.999))}
    for key, (which, convert) in pairs.items():
        if limits.get(key):
            value = convert(limits[key])
            # CPU: SIGXCPU at the soft limit (reported as the time limit), SIGKILL 5 s later
            resource.setrlimit(which, (value, value + 5 if key == "cpu_s" else value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _kernel_exit(client) -> int | None:
    try:
        process = client.km.provisioner.process
        return process.poll() if process is not None else None
    except AttributeError:
        return None


class LockFailed(RuntimeError):
    """The grader's lock could not be switched in the kernel."""


def _silent(client, code: str) -> None:
    """Run ``code`` in the kernel without history or output (the student's cells never
    see it in ``In``); :class:`LockFailed` when it raised."""
    msg_id = client.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
    reply = client.wait_for_reply(msg_id)
    content = (reply or {}).get("content", {})
    if content.get("status") != "ok":
        raise LockFailed(f"{content.get('ename')}: {content.get('evalue')}")


class _Switch:
    """Turns the grader's lock (:class:`nntheory.teaching.forbid.Lock`) on before each
    cell the student wrote and off after it. Each switch uses a secret once and names
    the SHA-256 of the next one (a secret read from a cell's source is spent already);
    the secrets never enter the history, and the cell binds no global name."""

    def __init__(self, names, own):
        import hashlib
        import secrets
        self.names, self.own = list(names), set(own)
        self._hash = lambda s: hashlib.sha256(s.encode()).hexdigest()
        self._new = lambda: secrets.token_hex(16)
        self.secret = self._new()
        self.digest = self._hash(self.secret)
        self.installed = False

    def code(self, on: bool) -> str:
        """Switch the lock; first check that the switch is still the library's (its
        bytecode) and that ``sys.audit`` is the interpreter's (the real ``type``, taken
        from a literal), so that a cell that replaced either makes the grading fail."""
        import hashlib

        from . import forbid
        switch = next(c for c in forbid.install_lock.__code__.co_consts
                      if hasattr(c, "co_code") and c.co_name == "grader_switch")
        expected = hashlib.sha256(switch.co_code).hexdigest()
        secret, self.secret = self.secret, self._new()
        nxt = self._hash(self.secret)
        return (f"(lambda f, a, t, h: f({secret!r}, {bool(on)}, {nxt!r}, a) "
                f"if h(f.__code__.co_code) == {expected!r} and t(a) is t([].append) "
                "and a.__name__ == 'audit' and a.__self__.__name__ == 'sys' "
                "else (_ for _ in ()).throw(RuntimeError('the grader switch was replaced')))"
                "(__import__('nntheory.teaching.forbid', fromlist=['_']).grader_switch, "
                "__import__('sys').audit, ().__class__.__class__, "
                "lambda b: __import__('hashlib').sha256(b).hexdigest())")

    def set(self, client, on: bool) -> None:
        if not self.names:
            return
        if not self.installed:
            _silent(client, f"__import__('nntheory.teaching.forbid', fromlist=['_'])"
                            f".install_lock({self.names!r}, {self.digest!r})")
            self.installed = True
        _silent(client, self.code(on))


def _run_cells(client, nb, regions, skip, events, deadline, cell_timeout,
               switch: _Switch | None = None) -> None:
    """Run the code cells (but those in ``skip``) one by one; append one event per cell.
    A ``DeadKernelError`` carries the event of the cell that killed the kernel. With
    ``switch``, a cell that is not one of the chapter's own runs with the lock on."""
    from nbclient.exceptions import DeadKernelError

    count = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        count += 1
        if index + 1 in skip:
            continue
        locked = switch is not None and index + 1 not in switch.own
        event = {"cell": index + 1, "count": count, "exercise": regions[index],
                 "outcome": "ok"}
        left = deadline - time.monotonic()
        if left <= 0:
            event["outcome"] = "deadline"
            events.append(event)
            return
        client.timeout = max(1, int(min(cell_timeout, left) + 0.999))
        began = time.monotonic()
        try:
            if locked:
                switch.set(client, True)
            client.execute_cell(cell, index)
            if locked:
                switch.set(client, False)
        except DeadKernelError as exc:
            exc.nntheory_event = {**event, "exit": _kernel_exit(client)}
            raise
        took = time.monotonic() - began
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if took >= client.timeout - 0.05:
            event["outcome"] = "deadline" if time.monotonic() >= deadline - 0.05 \
                else "cell timeout"
        elif errors:
            event.update(outcome="error", ename=str(errors[-1].get("ename"))[:80],
                         evalue=str(errors[-1].get("evalue", ""))[:300])
        events.append(event)
        if event["outcome"] == "deadline":
            return


def run_notebook(job: dict) -> dict:
    """Run the job's notebook cell by cell, then the grader's cell; return the result."""
    import nbclient
    import nbformat
    from nbclient.exceptions import DeadKernelError

    start = time.monotonic()
    workdir = job["workdir"]
    os.makedirs(workdir, exist_ok=True)
    log = os.path.join(os.path.dirname(os.path.abspath(workdir)), "grading-log.jsonl")
    reserve = log + ".reserve"          # space kept free for the grader's own log lines
    nb = nbformat.reads(json.dumps(job["notebook"]), as_version=4)
    nbformat.write(nb, os.path.join(workdir, "submission.ipynb"))
    regions = _regions(nb.cells)
    env = {k: v for k, v in os.environ.items() if k != "NNTHEORY_SCALE"}
    env.update({"NNTHEORY_GRADE_LOG": log, "NNTHEORY_QUIET": "1", "MPLBACKEND": "Agg"})
    timeout, cell_timeout = float(job["timeout"]), float(job["cell_timeout"])
    forbidden = job.get("forbid") or []
    own = job.get("own_cells")
    grader = nbformat.v4.new_code_cell(_grader_cell(job, _Switch(forbidden, own or ())))
    deadline = start + timeout
    died: list[dict] = []        # the cells that killed a kernel (skipped on the next try)
    lock_failed = False
    events: list[dict] = []
    kernel_exit = None
    for _attempt in range(MAX_RESTARTS + 1):
        with open(reserve, "wb") as fh:
            fh.write(b"\0" * 2**20)
        open(log, "w").close()
        client = nbclient.NotebookClient(
            nb, kernel_name="python3", timeout=int(cell_timeout), allow_errors=True,
            interrupt_on_timeout=True, record_timing=False,
            error_on_timeout={"ename": "TimeoutError", "evalue": "the time limit was reached",
                              "traceback": []},
            resources={"metadata": {"path": workdir}})
        skip = {e["cell"] for e in died}
        events = []
        switch = _Switch(forbidden, own) if own is not None else None
        try:
            with client.setup_kernel(env=env, cwd=workdir):
                try:
                    _run_cells(client, nb, regions, skip, events, deadline, cell_timeout,
                               switch)
                except LockFailed as exc:
                    events.append({"cell": None, "count": None, "exercise": None,
                                   "outcome": "lock failed", "ename": "LockFailed",
                                   "evalue": str(exc)[:300]})
                    lock_failed = True
                grader.source = _grader_cell(job, switch)
                if os.path.exists(reserve):
                    os.remove(reserve)
                client.timeout = int(job["grading_cell_s"])
                nb.cells.append(grader)
                try:
                    client.execute_cell(grader, len(nb.cells) - 1)
                finally:
                    nb.cells.pop()
                for out in grader.get("outputs", []):
                    if out.get("output_type") == "error":
                        events.append({"cell": None, "count": None, "exercise": None,
                                       "outcome": "grader error", "ename": out.get("ename")})
            break
        except DeadKernelError as exc:
            current = getattr(exc, "nntheory_event", None)
            kernel_exit = (current or {}).get("exit")
            if kernel_exit is None:
                kernel_exit = _kernel_exit(client)
            event = {"cell": None, "count": None, "exercise": None, **(current or {}),
                     "outcome": "kernel died", "exit": kernel_exit}
            if current is None or time.monotonic() >= deadline:
                events.append(event)
                break
            died.append(event)       # run the notebook again in a new kernel, without it
    events = sorted(died + events, key=lambda e: (e["cell"] is None, e["cell"] or 0))
    lines = []
    if os.path.exists(log):
        with open(log, encoding="utf-8", errors="replace") as fh:
            for line in fh.read(8 * 2**20).splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict):
                    lines.append(item)
    return {"events": events, "log": lines, "kernel_exit": kernel_exit,
            "seconds": round(time.monotonic() - start, 2), "lock_failed": lock_failed}


def _grader_cell(job: dict, switch: _Switch | None) -> str:
    """The grader's cell: it loads a private copy of the library from its files (so
    that nothing the notebook changed in the imported modules is used: the registry,
    its checks, the library functions that compute expected values) and grades with
    that copy's :func:`~nntheory.teaching.grade.in_kernel`; the student's function
    answers and answer objects are read with the lock on."""
    import secrets

    import nntheory
    root = os.path.dirname(os.path.abspath(nntheory.__file__))
    top = f"_nntheory_pristine_{secrets.token_hex(6)}"
    lock = None
    if switch is not None and switch.names:
        lock = (None, switch.installed)     # the grader cell needs no secret
    return (
        "def _nntheory_grade():\n"
        "    import importlib, importlib.util, sys\n"
        f"    root, top = {root!r}, {top!r}\n"
        "    for name, folder in ((top, root), (top + '.teaching', root + '/teaching')):\n"
        "        spec = importlib.util.spec_from_file_location(\n"
        "            name, folder + '/__init__.py', submodule_search_locations=[folder])\n"
        "        module = importlib.util.module_from_spec(spec)\n"
        "        sys.modules[name] = module\n"
        "        spec.loader.exec_module(module)\n"
        "    grader = importlib.import_module(top + '.teaching.grade')\n"
        f"    grader.in_kernel(globals(), {job['chapter']!r}, {job['token']!r}, "
        f"{job['fingerprints']!r}, key={job.get('key')!r}, lock={lock!r})\n"
        "_nntheory_grade()\n"
        "del _nntheory_grade")


def main() -> None:
    job = json.loads(sys.stdin.read())
    sys.stdin.close()
    fd = int(job.get("result_fd", 3))
    out = os.fdopen(fd, "w", encoding="utf-8")
    try:
        os.set_inheritable(fd, False)     # the kernel must not inherit the result pipe
    except OSError:
        pass
    apply_limits(job.get("limits", {}), job.get("uid"))
    for name in ("tmp", "home", "mpl", "jupyter"):
        folder = os.path.join(os.path.dirname(os.path.abspath(job["workdir"])), name)
        os.makedirs(folder, exist_ok=True)
    try:
        result = run_notebook(job)
    except BaseException as exc:  # noqa: BLE001 - reported to the grader, not raised
        result = {"events": [{"cell": None, "count": None, "exercise": None,
                              "outcome": "executor failed", "ename": type(exc).__name__,
                              "evalue": str(exc)[:300]}], "log": [], "kernel_exit": None,
                  "seconds": None}
    out.write(json.dumps(result, ensure_ascii=False))
    out.close()


if __name__ == "__main__":
    main()
