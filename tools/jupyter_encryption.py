"""Let Jupyter start kernels with CurveZMQ encryption (run by the set-up).

ipykernel (>= 7) warns "Kernel is running over TCP without encryption" at every
kernel start unless the kernel manager provisions CurveZMQ keys, which it does with
``transport_encryption = "auto"`` (for kernels whose kernelspec declares
``supported_encryption: curve``, as ipykernel's does). This script merges that one
setting into the configuration files of the running Python environment
(``<environment>/etc/jupyter/``; ``make install`` runs it with ``.venv/bin/python``,
Binder's ``postBuild`` with the conda environment's), keeping whatever else is there:

* ``jupyter_server_config.json``: ``MappingKernelManager.transport_encryption``,
  for JupyterLab and Notebook;
* ``jupyter_nbconvert_config.json``: ``KernelManager.transport_encryption``, for
  ``jupyter nbconvert --execute`` (what students run): its executor hands the
  application's configuration to the kernel manager it creates. (``jupyter
  execute``, nbclient's own command, reads no configuration file, so it cannot be
  set this way; ``jupyter nbconvert --to notebook --execute`` is the command to use.)

It does nothing where pyzmq lacks CurveZMQ or jupyter_client/jupyter_server lack
the option. The book's build configures its own kernels (tools/nntheory_sphinx.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SETTING = ("MappingKernelManager", "transport_encryption", "auto")
#: configuration file -> (class, trait, value)
SETTINGS = {
    "jupyter_server_config.json": SETTING,
    "jupyter_nbconvert_config.json": ("KernelManager", "transport_encryption", "auto"),
}


def _curve() -> bool:
    try:
        import zmq
    except ImportError:
        return False
    return bool(zmq.has("curve"))


def supported() -> bool:
    """Whether JupyterLab's kernel manager can provision CurveZMQ keys here."""
    try:
        from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
    except ImportError:
        return False
    return _curve() and "transport_encryption" in MappingKernelManager.class_traits()


def client_supported() -> bool:
    """Whether jupyter_client's ``KernelManager`` (nbconvert's executor) can."""
    try:
        from jupyter_client import KernelManager
    except ImportError:
        return False
    return _curve() and "transport_encryption" in KernelManager.class_traits()


def merge(path: Path, section: str, key: str, value: str) -> None:
    """Set ``section.key = value`` in the JSON configuration file ``path``, keeping the rest."""
    config = json.loads(path.read_text()) if path.is_file() else {}
    config.setdefault(section, {})[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2) + "\n")


def main() -> int:
    folder = Path(sys.prefix) / "etc" / "jupyter"
    wanted = {"jupyter_server_config.json": supported()}
    client = client_supported()
    wanted.update({name: client for name in SETTINGS if name != "jupyter_server_config.json"})
    if not any(wanted.values()):
        print("    Jupyter kernels: CurveZMQ not available here; left as they are")
        return 0
    for name, ok in wanted.items():
        if ok:
            merge(folder / name, *SETTINGS[name])
    done = ", ".join(name.removeprefix("jupyter_").removesuffix("_config.json")
                     for name, ok in wanted.items() if ok)
    print(f"    Jupyter kernels: CurveZMQ-encrypted ({done}; transport_encryption = 'auto' "
          f"in {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
