"""Started by ``slmc trace -- CMD``: this folder is put first on ``PYTHONPATH`` so every Python process of the command
starts trace capture (``SLMC_TRACE_OUT``/``SLMC_TRACE_ROOT``) before the agent's code runs, then hands over to the
``sitecustomize`` it shadows, if any."""

from __future__ import annotations

import importlib
import os
import sys


def _boot() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    slmc_path = os.environ.get("SLMC_TRACE_SYSPATH")
    if slmc_path and slmc_path not in sys.path:
        sys.path.append(slmc_path)  # last: the agent's own packages win
    try:
        from slmc.traces.capture import start_from_env

        start_from_env()
    except Exception as exc:  # never stop the agent
        sys.stderr.write(f"slmc trace: capture not started in {sys.executable}: {type(exc).__name__}: {exc}\n")
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    ours = sys.modules.pop("sitecustomize", None)
    try:
        importlib.import_module("sitecustomize")  # the one this file shadows
    except ImportError:
        pass
    except Exception as exc:
        sys.stderr.write(f"slmc trace: the original sitecustomize failed: {type(exc).__name__}: {exc}\n")
    finally:
        if ours is not None and "sitecustomize" not in sys.modules:
            sys.modules["sitecustomize"] = ours


_boot()
