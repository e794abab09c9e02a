"""Golden IR text (``slmc.ir.print_graph``) of three fixtures; ``SLMC_UPDATE_GOLDEN=1`` rewrites the files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slmc.frontend import analyze_paths
from slmc.ir import loads, print_graph
from slmc.ir.serialize import dumps

from .expectations import FIXTURES

GOLDEN = Path(__file__).parent / "golden"
CASES = ["openai_basic.py", "consumers_flows.py", "pkg_chain"]


@pytest.mark.parametrize("name", CASES)
def test_golden_ir_text(name: str) -> None:
    case = FIXTURES / name
    graph, diagnostics = analyze_paths([case], root=case if case.is_dir() else case.parent)
    assert diagnostics == []
    graph.verify()
    text = print_graph(graph)
    golden = GOLDEN / (Path(name).stem + ".ir.txt")
    if os.environ.get("SLMC_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run with SLMC_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")
    # the JSON round-trip keeps the graph exactly
    assert print_graph(loads(dumps(graph))) == text
