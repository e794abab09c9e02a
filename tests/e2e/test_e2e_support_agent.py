"""End to end on examples/support_agent: compile (killed once, resumed), bundle, the example's tests before/after, replay."""

from __future__ import annotations

import pytest

from .e2e_common import (  # noqa: F401  (the shared tests run in this module)
    EXAMPLES,
    compile_once,
    test_bundle_holds_manifest_rewritten_agent_report_and_models,
    test_example_tests_pass_before_and_after,
    test_killed_compile_leaves_no_bundle_and_the_rerun_resumes,
    test_replay_run_serves_narrow_calls_from_slms,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-support_agent")]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict:
    return compile_once(EXAMPLES["support_agent"], tmp_path_factory, worker_id)
