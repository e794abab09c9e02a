"""Test-session settings shared by tests/ and examples/.

The tests never reach a model hub (models are built from configs or shipped in wheels); offline mode makes a
missing local model fail at once instead of after network retries.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The end-to-end figures (share served by SLMs, fallback rate) in the terminal summary, also under xdist."""
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None or getattr(config, "workerinput", None) is not None:
        return
    try:
        base = factory.getbasetemp()
    except OSError:
        return
    lines = [p.read_text().strip() for p in sorted(base.glob("e2e-*/figures.txt"))]
    if lines:
        terminalreporter.section("slmc end-to-end figures")
        for line in lines:
            terminalreporter.write_line(line)
