from __future__ import annotations

import re
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9,\s]+)")


@pytest.fixture(scope="session")
def frontend():
    """The static frontend; tests that need it skip while it is not in the tree."""
    try:
        from slmc.frontend import analyze_paths, analyze_source
    except ImportError:
        pytest.skip("slmc.frontend.analyze_paths is not available yet")
    return analyze_paths, analyze_source


def expectations(path: Path) -> set[tuple[int, str]]:
    """``(line, code)`` pairs from ``# expect: SLM101, SLM203`` comments."""
    out = set()
    for number, line in enumerate(path.read_text().splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            out |= {(number, code.strip()) for code in m.group(1).split(",") if code.strip()}
    return out
