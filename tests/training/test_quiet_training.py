"""Training shows at most a progress bar: no raw log dicts ({'loss': ...}) from the trainer, with the bar on (a
terminal) or off (a log), and a line per trained and per evaluated task."""

from __future__ import annotations

import pytest

from slmc.compiler.passmanager import PassContext, PassManager
from slmc.compiler.progress import quiet_libraries
from slmc.compiler.settings import Settings
from slmc.ir.unit import CompileUnit

from .conftest import make_graph, weather_records, weather_task


@pytest.mark.parametrize("progress", [True, False])
def test_training_prints_no_log_dicts(tmp_path, capfd, progress: bool):
    quiet_libraries()  # as `slmc compile` does: the libraries' own bars (weights loading, shards) off
    shown: list[str] = []
    settings = Settings(embedder="tfidf")
    ctx = PassContext(out_dir=tmp_path, settings=settings, progress=progress, show=shown.append)
    unit = CompileUnit(make_graph([weather_task()]), weather_records(n=120))
    PassManager.from_spec(
        "plan-finetune{epochs=2,holdout=curation},train{device=cpu,early-stop=false},evaluate{device=cpu}", settings
    ).run(ctx, unit)
    out, err = capfd.readouterr()
    for text in (out, err):
        assert "{'loss'" not in text and "'train_runtime'" not in text and "'grad_norm'" not in text
    if progress:
        assert "loss " in err  # on the bar, not as a dict above it
    else:
        assert out == "" and "it/s" not in err
    # one line per training and per evaluation, shown even on a log
    assert shown[0] == "task:weather: training scratch:tiny (full)" and len(shown) == 2
    assert shown[1].startswith("task:weather: evaluating ")
