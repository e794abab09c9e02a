"""Started by ``slmc trace -- CMD``: this folder is put first on ``PYTHONPATH`` so every Python process of the command
starts trace capture (``SLMC_TRACE_OUT``/``SLMC_TRACE_ROOT``) before the agent's code runs, then hands over to the
``sitecustomize`` it shadows, if any.

The agent may run in its own virtualenv, without slmc or its dependencies: capture (``slmc.traces.capture`` and what it
imports) is stdlib-only, and when the agent's interpreter cannot import ``slmc`` the package is loaded from
``SLMC_TRACE_SYSPATH`` (the folder holding the ``slmc`` that runs ``slmc trace``) without putting that folder on
``sys.path``, so none of slmc's own environment leaks into the agent. Each process appends one line to
``SLMC_TRACE_STATUS`` when capture starts or fails, and one when it exits (calls recorded, SDKs imported), so
``slmc trace`` can tell "capture never started" from "the agent made no call".
"""

from __future__ import annotations

import importlib
import json
import os
import sys


def _status(**fields: object) -> None:
    path = os.environ.get("SLMC_TRACE_STATUS")
    if not path:
        return
    line = json.dumps({"pid": os.getpid(), "exe": sys.executable, **fields}, default=str) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))  # one small write on O_APPEND: lines of processes do not interleave
        finally:
            os.close(fd)
    except OSError:
        pass


def _load_slmc() -> None:
    """Make ``import slmc`` work: the agent's own slmc if it has one, else the one running ``slmc trace``."""
    if "slmc" in sys.modules:
        return
    import importlib.machinery
    import importlib.util

    try:
        if importlib.util.find_spec("slmc") is not None:
            return
    except (ImportError, ValueError):
        pass
    where = os.environ.get("SLMC_TRACE_SYSPATH")
    spec = importlib.machinery.PathFinder.find_spec("slmc", [where]) if where else None
    if spec is None or spec.loader is None:
        raise ImportError(f"slmc is not importable here, nor found in SLMC_TRACE_SYSPATH={where!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["slmc"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop("slmc", None)
        raise


def _at_exit(tracer: object) -> None:
    from slmc.traces.capture import PATCHES

    sdks = sorted(p for p in PATCHES if p in sys.modules)
    _status(
        event="exit", calls=getattr(tracer, "count", 0), capture_errors=getattr(tracer, "capture_errors", 0), sdks=sdks
    )


def _boot() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        _load_slmc()
        from slmc.traces.capture import start_from_env

        tracer = start_from_env()
        if tracer is not None:
            import atexit

            atexit.register(_at_exit, tracer)  # registered after stop: runs first, while the tracer still counts
        _status(event="start", ok=tracer is not None)
    except Exception as exc:  # never stop the agent
        message = f"{type(exc).__name__}: {exc}"
        sys.stderr.write(f"slmc trace: capture not started in {sys.executable}: {message}\n")
        _status(event="start", ok=False, error=message)
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
