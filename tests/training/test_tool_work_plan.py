"""The tool-call head trains a work plan fixed by its data, not by the clock: the batches of every step are planned
before training (the epochs, cut where the tokens read pass the plan's limit), so two trainings of the same calls do
the same steps however loaded the machine is (BFCL simple trained 6 to 93 of 675 planned steps as the load moved and
its gate's acceptance moved with them). The string parameters' candidate features are computed once for all the
folds (76 CPU s the first time on BFCL simple, 14 s each time after)."""

from __future__ import annotations

import random
from pathlib import Path

from slmc.training.tool_head import (
    FrozenCache,
    _BiChoice,
    _plan_batches,
    _string_features,
    train_tool_head,
)
from slmc.training.tool_schema import Param, Tool

from .test_tool_head import _rows, _tiny_encoder


def test_the_plan_is_the_epochs_cut_where_the_tokens_pass_the_limit() -> None:
    fit = list(range(20))
    tokens = [10] * 20
    whole = _plan_batches(fit, 4, 3.0, random.Random(0), tokens, None)
    assert len(whole) == 15  # 5 batches an epoch, 3 epochs
    assert sorted(i for b in whole[:5] for i in b) == fit  # each epoch sees every call once
    cut = _plan_batches(fit, 4, 3.0, random.Random(0), tokens, 400)
    assert len(cut) == 10 and cut == whole[:10]  # 40 tokens a batch: 400 tokens buy 10 of the 15 steps
    assert _plan_batches(fit, 4, 3.0, random.Random(0), tokens, 1) == whole[:1]  # one step at least
    assert _plan_batches(fit, 4, 0.5, random.Random(0), tokens, None) == whole[:2]  # half an epoch rounds down


def test_the_same_calls_train_the_same_steps_whatever_the_time_budget_left(tmp_path: Path) -> None:
    """A generous safety cap does not change the work: the steps are the plan's, set by ``max_tokens``."""
    rows = _rows(40, seed=3)
    encoder = _tiny_encoder(tmp_path / "tiny")
    common = {"encoder_path": encoder, "epochs": 4, "max_len": 64, "choice": "cross", "train_layers": 1}
    free = train_tool_head(rows, tmp_path / "a", **common)
    limited = train_tool_head(rows, tmp_path / "b", **common, max_tokens=1500)
    capped = train_tool_head(rows, tmp_path / "c", **common, max_tokens=1500, time_budget=10_000.0)
    assert free.planned_steps == free.steps == 20  # 40 calls, 8 a batch, 4 epochs
    assert 1 < limited.planned_steps < free.planned_steps and limited.steps == limited.planned_steps
    assert (capped.steps, capped.planned_steps, capped.capped) == (limited.steps, limited.planned_steps, False)


class _CountingChooser(_BiChoice):
    """The choice encoder's span vectors counted (what the memo spares)."""

    def __init__(self) -> None:
        self._cache, self.memo, self.calls = {}, {}, 0

    def vectors(self, texts: list[str]):  # type: ignore[override]
        import torch

        self.calls += 1
        return torch.ones((len(texts), 4)) / 2.0

    def span_vectors(self, request: str, spans: list[tuple[int, int]]):  # type: ignore[override]
        import torch

        self.calls += 1
        return torch.ones((len(spans), 4)) / 2.0


def test_a_string_parameter_s_features_are_computed_once_and_shared_through_the_cache() -> None:
    tool = Tool("find_hotel", "Find a hotel", (Param("city", "span", "The city to stay in", "string", required=True),))
    chooser = _CountingChooser()
    cache = FrozenCache()
    chooser.memo = cache.features
    request = "a hotel in Lisbon for two nights"
    cands, feats = _string_features(chooser, request, tool, tool.params[0])
    calls = chooser.calls
    assert calls > 0 and len(cands) == len(feats) and any(request[a:b] == "Lisbon" for a, b in cands)
    again = _string_features(chooser, request, tool, tool.params[0])
    assert again == (cands, feats) and chooser.calls == calls  # remembered: no encoder pass
    other = Tool("find_hotel", "Find a hotel", (Param("city", "span", "The town to stay in", "string"),))
    _string_features(chooser, request, other, other.params[0])
    assert chooser.calls > calls  # another parameter (its description differs): computed
    cache.bind(("another encoder",))
    assert cache.features == {}  # features of one encoder are not read with another's
