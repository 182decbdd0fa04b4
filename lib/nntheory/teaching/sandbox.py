"""Run one submission's notebook in its own sandbox (bubblewrap), or, when the teacher
says so explicitly, without one.

Each submission runs in a fresh bubblewrap sandbox (``bwrap``; Debian/Ubuntu package
``bubblewrap``), executor and kernel together:

* the system folders (``/usr``, ``/etc``, the libraries), the Python installation and
  the installed packages are visible **read-only**; nothing else of the machine is
  there: not the teacher's home, not the other submissions, not the grades folder;
* the only writable place is a fresh ``tmpfs`` scratch folder (size-limited,
  ``disk_mb``) holding a copy of the submission; it vanishes with the sandbox;
* its own network namespace (only its own loopback: no network, and nothing
  listening on the teacher's machine can be reached), its own PID, IPC and UTS
  namespaces; the sandbox dies with the grader;
* limits on memory (``memory_mb`` per process, as address space with
  :data:`ADDRESS_SLACK_MB` more for what libraries reserve and never use; where a
  cgroup can be made, the sandbox's resident total), CPU time (``cpu_s``) and processes
  (``processes``); run as root (a CI container), the notebook runs as an unprivileged
  user id of its own, one per submission; run as a normal user, in a user
  namespace of its own (which is what the process limit counts);
* the job (notebook, token) goes in on standard input and the result comes back on a
  pipe the notebook's code cannot reach (the executor is not dumpable); the grader
  reads at most :data:`RESULT_LIMIT` bytes and validates what it reads.

What it does not do: it does not hide the library's own source (open anyway), it does
not stop a submission from using its CPU and memory budget (a class is slower when one
submission spins until its limit), the total memory is capped only where a cgroup
can be made (as root with the cgroup-v1 memory controller, as in CI: ``memory_mb +
disk_mb`` for the whole sandbox; elsewhere a notebook that forks may use up to
``processes * memory_mb``), and code in the
kernel can still defeat in-kernel checks of its own notebook (the grader's token
makes that hard; it cannot touch anything else).
"""

from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Limits", "DEFAULT_LIMITS", "ADDRESS_SLACK_MB", "SandboxUnavailable", "bwrap_path",
           "require_bwrap", "run_job", "INSTALL_HINT", "RESULT_LIMIT"]

RESULT_LIMIT = 32 * 2**20
INSTALL_HINT = (
    "nntheory grade runs every submission in a bubblewrap sandbox, and `bwrap` was not "
    "found (or does not work here). Install it: `sudo apt-get install bubblewrap` "
    "(Debian/Ubuntu), `sudo dnf install bubblewrap` (Fedora), `sudo pacman -S "
    "bubblewrap` (Arch); `make install` does it when run as root. On macOS or Windows, "
    "grade inside a Linux virtual machine or container. To grade WITHOUT a sandbox "
    "(each notebook then runs with your own permissions: only for notebooks you trust), "
    "pass --no-sandbox.")
#: Sandboxed notebooks run, when the grader runs as root, as a user id drawn at random
#: from [SANDBOX_UID, SANDBOX_UID + SANDBOX_UIDS): one per submission, so that the
#: process limit (counted per user) of one submission never touches another's, even
#: when several graders run at once.
SANDBOX_UID, SANDBOX_UIDS = 200_000, 1_000_000
_SCRATCH = "/scratch"
_CGROUP_MEMORY = "/sys/fs/cgroup/memory"


class SandboxUnavailable(RuntimeError):
    """No working bubblewrap on this machine."""


#: Address space a process may reserve beyond ``memory_mb`` (RLIMIT_AS is
#: ``memory_mb + ADDRESS_SLACK_MB``): the address space is not the memory used. An
#: honest chapter-5 kernel (numpy, torch, OpenBLAS, an 8193 x 4096 array) peaks at
#: 0.69 GB resident but reserves 2.09 GB of address space (1.57 GB with the
#: ``MALLOC_ARENA_MAX=2`` the sandbox sets): torch's and BLAS's libraries and
#: per-thread heaps reserve address space they never touch.
ADDRESS_SLACK_MB = 2048


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed notebook (documented defaults)."""
    memory_mb: int = 2048        # memory of each process (address space: + ADDRESS_SLACK_MB)
    processes: int = 64          # processes and threads of the sandbox's user
    disk_mb: int = 256           # the scratch tmpfs (the only writable place)
    cpu_s: float | None = None   # CPU s per process; None: the notebook's limit + 180 s


DEFAULT_LIMITS = Limits()


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


_WORKS: dict[str, bool] = {}


def require_bwrap() -> str:
    """The path of a working ``bwrap``; :class:`SandboxUnavailable` otherwise."""
    path = bwrap_path()
    if path is None or sys.platform != "linux":
        raise SandboxUnavailable(INSTALL_HINT)
    if path not in _WORKS:
        try:
            probe = subprocess.run([path, *_base_args(), "--", "true"], capture_output=True,
                                   timeout=30)
            _WORKS[path] = probe.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _WORKS[path] = False
    if not _WORKS[path]:
        raise SandboxUnavailable(INSTALL_HINT + " (bwrap is installed but could not start "
                                 "a sandbox: are user namespaces disabled?)")
    return path


def _ro(path: str) -> list[str]:
    """Arguments that show ``path`` read-only at the same place (a symlink stays one)."""
    if os.path.islink(path):
        return ["--symlink", os.readlink(path), path]
    return ["--ro-bind", path, path] if os.path.exists(path) else []


def _python_paths() -> list[str]:
    """The folders the executor and the kernel need: Python, the installed packages,
    the library (an editable install's ``lib/``)."""
    import nntheory
    wanted = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)),
              os.path.dirname(os.path.dirname(os.path.abspath(nntheory.__file__)))}
    for entry in sys.path:   # installed packages only (not the folder the grader ran in)
        if entry and os.path.isdir(entry) and \
                os.path.basename(entry.rstrip("/")) in ("site-packages", "dist-packages"):
            wanted.add(os.path.abspath(entry))
    system = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/opt")
    out = []
    for path in sorted(wanted, key=len):
        if any(path == s or path.startswith(s + "/") for s in system):
            continue
        if any(path.startswith(p.rstrip("/") + "/") or path == p for p in out):
            continue
        out.append(path)
    return out


def _base_args() -> list[str]:
    args = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--proc", "/proc", "--dev", "/dev"]
    if os.geteuid() != 0:
        args.insert(0, "--unshare-user")
    for path in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/opt"):
        args += _ro(path)
    return args


def _command(bwrap: str | None, limits: Limits) -> tuple[list[str], dict[str, str], str]:
    """The command that starts the executor, its environment, its scratch root."""
    env = {"PATH": os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin",
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "NNTHEORY_QUIET": "1",
           "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
           "MALLOC_ARENA_MAX": "2"}     # fewer per-thread heaps: less address space reserved
    executor = [sys.executable, "-m", "nntheory.teaching.executor"]
    if bwrap is None:
        return executor, env, tempfile.mkdtemp(prefix="nntheory-unsandboxed-")
    scratch = _SCRATCH
    args = [bwrap, *_base_args()]
    made: set[str] = set()
    for path in _python_paths():
        parent = os.path.dirname(path)
        ancestors = []
        while parent not in ("/", "") and parent not in made:
            ancestors.append(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(ancestors):   # readable by the sandbox's user
            args += ["--perms", "0755", "--dir", folder]
            made.add(folder)
        args += ["--ro-bind", path, path]
    args += ["--size", str(int(limits.disk_mb) * 2**20), "--perms", "1777",
             "--tmpfs", scratch]
    if "/tmp" not in made:   # /tmp is the scratch's tmp, unless Python itself lives
        # under /tmp (a clone there): then /tmp stays the read-only folder made above,
        # and TMPDIR (see _scratch_env) still points into the scratch folder
        args += ["--symlink", f"{scratch}/tmp", "/tmp"]
    args += ["--chdir", scratch, "--clearenv"]
    return [*args, "--", *executor], env, scratch


def _memory_cgroup(limit_bytes: int) -> Path | None:
    """A fresh cgroup (v1 memory controller) under the grader's own, capped at
    ``limit_bytes`` (swap included where the kernel counts it); ``None`` where none can
    be made (not root, cgroup v2 without delegation, no memory controller)."""
    if os.geteuid() != 0 or not os.path.isdir(_CGROUP_MEMORY):
        return None
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as fh:
            rel = next(line.split(":", 2)[2].strip() for line in fh
                       if line.split(":")[1:2] == ["memory"])
    except (OSError, StopIteration, IndexError):
        return None
    group = Path(_CGROUP_MEMORY, rel.lstrip("/"), f"nntheory-{secrets.token_hex(6)}")
    try:
        group.mkdir()
        (group / "memory.limit_in_bytes").write_text(str(limit_bytes))
    except OSError:
        _remove_cgroup(group)
        return None
    try:
        (group / "memory.memsw.limit_in_bytes").write_text(str(limit_bytes))
    except OSError:       # no swap accounting: the limit above is the one
        pass
    return group


def _oom_kills(group: Path) -> int:
    try:
        for line in (group / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _remove_cgroup(group: Path) -> None:
    for _ in range(50):              # the sandbox's processes may take a moment to go
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)


def memory_cgroup_available() -> bool:
    """Whether the sandbox's total memory can be capped here (a cgroup can be made)."""
    group = _memory_cgroup(2**30)
    if group is None:
        return False
    _remove_cgroup(group)
    return True


def _scratch_env(env: dict[str, str], scratch: str) -> dict[str, str]:
    return {**env, "HOME": f"{scratch}/home", "TMPDIR": f"{scratch}/tmp",
            "MPLCONFIGDIR": f"{scratch}/mpl", "JUPYTER_RUNTIME_DIR": f"{scratch}/jupyter",
            "JUPYTER_DATA_DIR": f"{scratch}/jupyter", "IPYTHONDIR": f"{scratch}/home/.ipython",
            "JUPYTER_PLATFORM_DIRS": "1"}


def run_job(job: dict, *, sandbox: bool, limits: Limits = DEFAULT_LIMITS, slot: int = 0,
            hard_timeout: float = 600) -> tuple[dict | None, str]:
    """Run the executor on ``job`` (see :mod:`nntheory.teaching.executor`) and return its
    result (``None`` when none came back) and the tail of its error output."""
    bwrap = require_bwrap() if sandbox else None
    command, env, scratch = _command(bwrap, limits)
    env = _scratch_env(env, scratch)
    cpu = limits.cpu_s if limits.cpu_s is not None else job["timeout"] + job["grading_cell_s"] + 60
    job = {**job, "workdir": f"{scratch}/work",
           "limits": {"memory_mb": int(limits.memory_mb) + ADDRESS_SLACK_MB,
                      "processes": limits.processes, "cpu_s": cpu},
           "uid": SANDBOX_UID + secrets.randbelow(SANDBOX_UIDS)
           if (bwrap and os.geteuid() == 0) else None}
    if bwrap:
        # bwrap's --setenv: the environment inside (the outer one is cleared)
        extra = []
        for key, value in env.items():
            extra += ["--setenv", key, value]
        split = command.index("--")
        command = command[:split] + extra + command[split:]
        popen_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    else:
        popen_env = env
    group = None
    if bwrap:
        group = _memory_cgroup((int(limits.memory_mb) + int(limits.disk_mb)) * 2**20)
        if group is not None:    # the sandbox starts inside it: all its processes count
            command = ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"',
                       str(group / "cgroup.procs"), *command]
    read_end, write_end = os.pipe()
    job["result_fd"] = write_end
    try:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=popen_env, close_fds=True,
                                pass_fds=(write_end,), start_new_session=True)
    finally:
        os.close(write_end)
    chunks, size = [], 0
    err = b""
    try:
        proc.stdin.write(json.dumps(job).encode())
        proc.stdin.close()
    except BrokenPipeError:
        pass
    deadline = time.monotonic() + hard_timeout
    streams = {read_end: "result", proc.stderr.fileno(): "stderr"}
    killed = False
    while streams:
        left = deadline - time.monotonic()
        if left <= 0:
            killed = True
            break
        ready, _, _ = select.select(list(streams), [], [], min(left, 5))
        for fd in ready:
            data = os.read(fd, 1 << 16)
            if not data:
                del streams[fd]
            elif streams[fd] == "result":
                size += len(data)
                if size <= RESULT_LIMIT:
                    chunks.append(data)
            else:
                err = (err + data)[-4000:]
    if killed:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    os.close(read_end)
    oom = 0
    if group is not None:
        oom = _oom_kills(group)
        _remove_cgroup(group)
    if bwrap is None:
        shutil.rmtree(scratch, ignore_errors=True)
    tail = err.decode(errors="replace").strip()
    if oom and (killed or size > RESULT_LIMIT or not chunks):
        return None, "the sandbox's memory limit was reached"
    if killed:
        return None, f"killed after {hard_timeout:.0f} s"
    if size > RESULT_LIMIT:
        return None, "its result was larger than the grader accepts"
    try:
        result = json.loads(b"".join(chunks).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, tail.splitlines()[-1] if tail else f"no result (exit {proc.returncode})"
    result = _validated(result)
    if result is not None:
        result["oom_kills"] = oom
    return result, tail


def _validated(result) -> dict | None:
    """The result's parts with the types the grader expects; anything else dropped."""
    if not isinstance(result, dict):
        return None
    events = [e for e in result.get("events", []) if isinstance(e, dict)
              and isinstance(e.get("outcome"), str)]
    log = [r for r in result.get("log", []) if isinstance(r, dict)]
    exit_code = result.get("kernel_exit")
    return {"events": events, "log": log,
            "kernel_exit": exit_code if isinstance(exit_code, int) else None,
            "seconds": result.get("seconds"), "lock_failed": result.get("lock_failed") is True}
