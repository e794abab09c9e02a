"""End to end on examples/trip_planner: compile (killed once, resumed), bundle, the example's tests before/after, replay."""

import pytest

from . import e2e_common

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-trip_planner")]
compiled = e2e_common.compiled_fixture("trip_planner")
globals().update({name: getattr(e2e_common, name) for name in e2e_common.SHARED_TESTS})  # the shared tests run here
