"""The span and tool-call heads train on the device the train pass resolves (as the encoder classifier does), not
always on the CPU: ``train_head`` hands its ``device`` to both, and both put their weights there. Without a GPU the
CPU path is trained for real and a ``cuda`` request must reach torch (which refuses it), proving it is not ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.ir.nodes import FinetunePlan

from .test_span_head import config_for, tokenizer_for, weather
from .test_tool_head import _rows, _tiny_encoder

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from slmc.training import heads  # noqa: E402
from slmc.training.span_head import SpanHead  # noqa: E402
from slmc.training.tool_head import FrozenCache, ToolCallHead, prime_tool_cache, train_tool_head  # noqa: E402

NO_GPU = not torch.cuda.is_available()


def test_train_head_hands_its_device_to_the_span_and_tool_heads(monkeypatch, tmp_path: Path) -> None:
    import slmc.training.span_head as span_mod
    import slmc.training.tool_head as tool_mod

    seen: dict[str, list[str]] = {"span": [], "tool": [], "prime": []}

    class Report:
        skipped, used, rows, seconds = 0, 1, 1, 0.0

        def capped(self, budget):
            return None

    class Info:
        skipped, examples, seconds, steps, planned_steps, capped = 0, 1, 0.0, 1, 1, False

    monkeypatch.setattr(span_mod, "train_span_head", lambda *a, **k: seen["span"].append(k["device"]) or Report())
    monkeypatch.setattr(tool_mod, "train_tool_head", lambda *a, **k: seen["tool"].append(k["device"]) or Info())
    monkeypatch.setattr(tool_mod, "prime_tool_cache", lambda *a, **k: seen["prime"].append(k["device"]) or 0.0)
    for method in ("span-head", "tool-head"):
        plan = FinetunePlan("d", "v", "t", method=method, epochs=1)
        heads.train_head(plan, [{"messages": []}], tmp_path / method, device="cuda")
    assert seen["span"] == ["cuda"] and seen["tool"] == ["cuda"]
    # the cross-validated tool head: the shared frozen pass and every fold's training on the device too
    monkeypatch.setattr(tool_mod, "ToolCallHead", lambda folder, device=None: seen["tool"].append(f"load:{device}"))
    plan = FinetunePlan("d", "v", "t", method="tool-head", epochs=1)
    with pytest.raises(AttributeError):  # the stand-in head (None) answers nothing: the devices are the point
        heads.train_head(plan, [{"messages": []}] * 4, tmp_path / "cv", device="cuda:1", folds=[0, 1, 0, 1])
    assert seen["prime"] == ["cuda:1"]
    assert seen["tool"][1:3] == ["cuda:1", "load:cuda:1"]


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny_encoder(tmp_path_factory.mktemp("device") / "tiny")


def test_the_tool_head_trains_where_it_is_told(encoder: Path, tmp_path: Path) -> None:
    rows = _rows(16, seed=3)
    kwargs = dict(encoder_path=encoder, epochs=1, batch_calls=8, max_len=64, choice="bi", train_layers=1)
    info = train_tool_head(rows, tmp_path / "cpu", device="cpu", **kwargs)
    assert info.steps >= 1
    head = ToolCallHead(tmp_path / "cpu", device="cpu")
    assert {p.device.type for p in head._enc.encoder.parameters()} == {"cpu"}
    assert len(head.predict(rows[:3])) == 3
    cache = FrozenCache()
    prime_tool_cache(rows, cache, encoder_path=encoder, max_len=64, train_layers=1, device="cpu")
    assert cache.key[-1] == "cpu" and cache.seqs  # the cached states belong to the device they were computed on
    if NO_GPU:  # the request reaches torch, which has no such device here
        with pytest.raises((AssertionError, RuntimeError)):
            train_tool_head(rows, tmp_path / "cuda", device="cuda", **kwargs)
        with pytest.raises((AssertionError, RuntimeError)):
            prime_tool_cache(rows, FrozenCache(), encoder_path=encoder, max_len=64, train_layers=1, device="cuda")


def test_the_span_head_trains_and_loads_where_it_is_told(tmp_path: Path) -> None:
    pairs = weather(24)
    tokenizer = tokenizer_for([t for t, _ in pairs])
    kwargs = dict(tokenizer=tokenizer, encoder_config=config_for(tokenizer), epochs=1, batch_size=8, threads=1)
    head, report = SpanHead.fit(pairs, device="cpu", **kwargs)
    assert report.steps >= 1 and head.device.type == "cpu"
    head.save(tmp_path / "span")
    again = SpanHead.load(tmp_path / "span", device="cpu")
    texts = [t for t, _ in pairs[:4]]
    assert [e.text for e in again.predict(texts)] == [e.text for e in head.predict(texts)]
    if NO_GPU:
        with pytest.raises((AssertionError, RuntimeError)):
            SpanHead.fit(pairs, device="cuda", **kwargs)
        with pytest.raises((AssertionError, RuntimeError)):
            SpanHead.load(tmp_path / "span", device="cuda")
