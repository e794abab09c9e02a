"""Helpers for the example agents: load an agent file against a local teacher LLM, record its traces.

    with agent_against(folder, "SUPPORT_LLM_URL", teacher) as (agent, llm):
        agent.handle("my order never came")

``record_traces`` runs a callable on such an agent under ``slmc.trace`` (the agent's code is not changed: capture
patches the SDK and records each call with its call-site id).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from slmc.testing.fake_llm import FakeLLM, Teacher


def load_module(path: str | Path, name: str) -> ModuleType:
    """Import a file under its own module name (two examples may both have an ``agent.py``/``teacher.py``)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def agent_against(
    folder: str | Path, url_env: str, teacher: Teacher | None = None, *, replay: tuple[Path, ...] = (), name: str = ""
) -> Iterator[tuple[ModuleType, FakeLLM]]:
    """``folder/agent.py`` loaded with ``url_env`` pointing at a fake LLM (teacher answers and/or replayed traces)."""
    folder = Path(folder)
    with FakeLLM(teacher=teacher, replay=replay) as llm:
        old = os.environ.get(url_env)
        os.environ[url_env] = llm.url
        try:
            yield load_module(folder / "agent.py", name or f"{folder.name}_agent_{id(llm)}"), llm
        finally:
            if old is None:
                os.environ.pop(url_env, None)
            else:
                os.environ[url_env] = old


def record_traces(
    folder: str | Path, url_env: str, teacher: Teacher, out: Path, run: Callable[[ModuleType], Any]
) -> int:
    """Run ``run(agent)`` under ``slmc.trace(out)`` against the teacher; returns the number of records written."""
    import slmc

    out.unlink(missing_ok=True)
    with agent_against(folder, url_env, teacher) as (agent, _llm), slmc.trace(out, root=Path(folder)):
        run(agent)
    with open(out, encoding="utf-8") as fh:
        return sum(1 for _ in fh)


def generator_main(doc: str, generate: Callable[[Path, int, int], int], default_out: Path) -> None:
    """The command line of an example's ``generate_traces.py``: ``--n``, ``--seed``, ``--out``."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="how many agent inputs to run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    print(f"wrote {generate(args.out, args.n, args.seed)} records to {args.out}")
