"""The sandbox where the book itself lives under /tmp (a CI clone there, say).

bwrap creates the folders above every path it binds; when Python or the library lives
under /tmp, /tmp is one of them and cannot also become the symbolic link to the scratch
folder's tmp (bwrap: "Can't make symlink at /tmp: File exists"). The sandbox then keeps
/tmp as the folder bwrap made (not writable by the unprivileged user a submission runs
as) and TMPDIR (the executor's environment) in the scratch folder.
"""

import subprocess

import pytest

from nntheory.teaching import sandbox


def _run(monkeypatch, extra: str, script: str) -> subprocess.CompletedProcess:
    paths = sandbox._python_paths()
    monkeypatch.setattr(sandbox, "_python_paths", lambda: [*paths, extra])
    command, env, scratch = sandbox._command(sandbox.bwrap_path(), sandbox.DEFAULT_LIMITS)
    command = command[:command.index("--") + 1] + ["/bin/sh", "-c", script]
    assert sandbox._scratch_env(env, scratch)["TMPDIR"] == "/scratch/tmp"
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(sandbox.bwrap_path() is None, reason="bubblewrap is not installed")
def test_a_library_under_tmp_is_bound_read_only(monkeypatch, tmp_path):
    home = tmp_path / "book"
    home.mkdir()
    (home / "marker").write_text("here")
    assert str(home).startswith("/tmp/")
    run = _run(monkeypatch, str(home),
               f'cat {home}/marker && mkdir -p /scratch/tmp && touch /scratch/tmp/x && '
               f'! touch {home}/z 2>/dev/null')
    assert run.returncode == 0, run.stderr
    assert run.stdout == "here"
    assert not (home / "z").exists()


@pytest.mark.skipif(sandbox.bwrap_path() is None, reason="bubblewrap is not installed")
def test_elsewhere_tmp_is_the_scratch_folders_tmp(monkeypatch, tmp_path):
    if any(p == "/tmp" or p.startswith("/tmp/") for p in sandbox._python_paths()):
        pytest.skip("this library itself lives under /tmp: the case of the test above")
    run = _run(monkeypatch, "/usr/share", 'mkdir -p /scratch/tmp && touch /tmp/y && '
               'test -e /scratch/tmp/y')
    assert run.returncode == 0, run.stderr
