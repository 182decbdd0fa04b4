"""Let JupyterLab start kernels with CurveZMQ encryption (run by the set-up).

ipykernel (>= 7) warns "Kernel is running over TCP without encryption" at every
kernel start unless the kernel manager provisions CurveZMQ keys. JupyterLab's
kernel manager does that with ``MappingKernelManager.transport_encryption =
"auto"`` (for kernels whose kernelspec declares ``supported_encryption: curve``,
as ipykernel's does). This script merges that one setting into
``<environment>/etc/jupyter/jupyter_server_config.json`` of the running Python
environment (``make install`` runs it with ``.venv/bin/python``, Binder's
``postBuild`` with the conda environment's), keeping whatever else is there. It
does nothing when pyzmq lacks CurveZMQ or jupyter_server lacks the option. The
book's build configures its own kernels (tools/nntheory_sphinx.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SETTING = ("MappingKernelManager", "transport_encryption", "auto")


def supported() -> bool:
    try:
        import zmq
        from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
    except ImportError:
        return False
    return bool(zmq.has("curve")) and "transport_encryption" in MappingKernelManager.class_traits()


def main() -> int:
    if not supported():
        print("    JupyterLab kernels: CurveZMQ not available here; left as they are")
        return 0
    path = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.json"
    config = json.loads(path.read_text()) if path.is_file() else {}
    section, key, value = SETTING
    config.setdefault(section, {})[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2) + "\n")
    print(f"    JupyterLab kernels: CurveZMQ-encrypted ({section}.{key} = {value!r} in {path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
