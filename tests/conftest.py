"""Settings for every test: `slmc lint` keeps its result cache in this session's temporary folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_lint_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """`slmc lint` keeps its result cache in a folder of this test session, never in the user's ~/.cache."""
    monkeypatch.setenv("SLMC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "slmc-lint-cache"))
