"""End to end on examples/support_agent: compile (killed once, resumed), bundle, the example's tests before/after, replay."""

import pytest

from . import e2e_common

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-support_agent")]
compiled = e2e_common.compiled_fixture("support_agent")
globals().update({name: getattr(e2e_common, name) for name in e2e_common.SHARED_TESTS})  # the shared tests run here
