"""The hf backend serves a saved extractive JSON head (``adapter.kind: span-head``) in process, with fallback."""

from __future__ import annotations

import json
from typing import Any

import pytest

import slmc.runtime as runtime
from tests.training.test_span_head import PROMPT, config_for, tokenizer_for, weather

from .servers import SITE, write_manifest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from slmc.training.span_head import SpanHead

    root = tmp_path_factory.mktemp("span")
    pairs = weather(120, seed=3)
    tokenizer = tokenizer_for([t for t, _ in pairs])
    head, _ = SpanHead.fit(
        pairs, tokenizer=tokenizer, encoder_config=config_for(tokenizer), epochs=12, lr=3e-3, head_lr=1e-2,
        batch_size=16, threads=1,
    )  # fmt: skip
    head.save(root / "adapters" / "weather")
    return root, head


def _configure(root: Any, threshold: float | None) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "day": {"type": "string"}}}
    path = write_manifest(
        root,
        None,
        target="hf",
        adapter={"name": "weather", "path": "adapters/weather", "int_id": 0, "kind": "span-head"},
        contract={"kind": "json", "schema": schema},
        threshold=threshold,
    )
    runtime.configure(path, warm=True)


def test_the_hf_backend_answers_with_the_span_heads_json(bundle):
    root, head = bundle
    _configure(root, threshold=0.0)
    message = PROMPT.format(m="weather in rome friday in celsius please")

    def llm(**kwargs: Any) -> Any:
        raise AssertionError("the span head should serve this call")

    resp = runtime.call(SITE, "openai.chat", llm, model="m", messages=[{"role": "user", "content": message}])
    answer = json.loads(resp.choices[0].message.content)
    assert answer == head.predict([message])[0].value  # the same head, through the router
    assert answer.get("city") == "rome"
    assert runtime.stats()["served_by_slm"] == 1


def test_an_unsure_span_head_falls_back_to_the_llm(bundle):
    root, _ = bundle
    _configure(root, threshold=1.01)  # no probability reaches it: every call falls back
    resp = runtime.call(
        SITE, "openai.chat", lambda **kw: "from the LLM", model="m", messages=[{"role": "user", "content": "hi"}]
    )
    assert resp == "from the LLM"
    assert set(runtime.stats()["fallbacks"]) == {"low-confidence"}


def test_a_broken_span_head_is_reported_and_falls_back(tmp_path):
    folder = tmp_path / "adapters" / "weather"
    folder.mkdir(parents=True)
    (folder / "span_head.json").write_text("{not json", encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="broken span head"):
        _configure(tmp_path, threshold=0.5)
    resp = runtime.call(
        SITE, "openai.chat", lambda **kw: "from the LLM", model="m", messages=[{"role": "user", "content": "hi"}]
    )
    assert resp == "from the LLM"


def test_a_head_trained_on_scrubbed_traces_answers_raw_pii_of_a_served_call(tmp_path):
    """The traces are scrubbed over the whole run (<PHONE_517>), a served call carries the raw number: the head is
    trained on rows masked as the router masks a call (<PHONE_1>) and answers the call's own number. Before, it read
    a raw phone number it had never seen and tagged something else (the support example's phone-as-order_id)."""
    import random

    from slmc.traces.record import TraceRecord
    from slmc.training.datasets import record_to_row, reference_answer, user_text
    from slmc.training.span_head import SpanHead

    rng = random.Random(5)
    ask = ("weather in {city} please, call me on {ph} today", "call me on {ph} with the weather in {city} please")
    pairs = []
    for i in range(64):
        city, ph = rng.choice(["paris", "rome", "oslo", "lima", "perth"]), f"<PHONE_{rng.randint(2, 900)}>"
        record = TraceRecord(
            id=f"r{i}",
            messages=[{"role": "user", "content": PROMPT.format(m=ask[i % 2].format(city=city, ph=ph))}],
            output=json.dumps({"city": city, "phone": ph}),
        )
        row = record_to_row(record)
        pairs.append((user_text(row), reference_answer(row)))
    tokenizer = tokenizer_for([t for t, _ in pairs])
    head, _ = SpanHead.fit(
        pairs, tokenizer=tokenizer, encoder_config=config_for(tokenizer), epochs=12, lr=3e-3, head_lr=1e-2,
        batch_size=16, threads=1,
    )  # fmt: skip
    head.save(tmp_path / "adapters" / "weather")
    _configure(tmp_path, threshold=0.0)
    message = PROMPT.format(m="weather in rome please, call me on +1 415 555 0183 today")

    def llm(**kwargs: Any) -> Any:
        raise AssertionError("the span head should serve this call")

    resp = runtime.call(SITE, "openai.chat", llm, model="m", messages=[{"role": "user", "content": message}])
    assert json.loads(resp.choices[0].message.content) == {"city": "rome", "phone": "+1 415 555 0183"}
