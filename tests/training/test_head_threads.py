"""Threads for training a head on the CPU follow how busy the cores are."""

from __future__ import annotations

import os

import pytest

from slmc.training import heads


@pytest.mark.parametrize(
    ("cores", "load", "threads"),
    [(2, 0.2, 2), (2, 1.0, 2), (2, 2.9, 2), (2, 3.5, 1), (2, 12.0, 1), (1, 0.0, 1), (16, 3.0, 2), (16, 17.5, 1)],
)
def test_two_threads_unless_other_work_oversubscribes_the_cores(monkeypatch, cores, load, threads):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert heads.head_threads() == threads


def test_a_platform_without_a_load_average_counts_as_idle(monkeypatch):
    def unavailable():
        raise OSError("no load average")

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", unavailable)
    assert heads.head_threads() == 2


def test_the_thread_count_follows_the_load_while_a_head_trains_not_only_when_it_starts(monkeypatch):
    """Two threads chosen on idle cores; other work starts after a few steps: training goes on with one."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from slmc.training.span_head import SpanHead
    from tests.training.test_span_head import config_for, tokenizer_for, weather

    pairs = weather(40)
    tokenizer = tokenizer_for([t for t, _ in pairs])
    asked = []

    def choose() -> int:  # the cores: idle for the first look, oversubscribed from then on
        asked.append(len(asked))
        return 2 if len(asked) == 1 else 1

    seen = []
    real = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (seen.append(n), real(n)))
    before = torch.get_num_threads()
    _, report = SpanHead.fit(
        pairs, tokenizer=tokenizer, encoder_config=config_for(tokenizer), epochs=4, batch_size=8, threads=2,
        retune=choose,
    )  # fmt: skip
    assert report.steps == report.planned_steps == 20  # the plan is the same, only its speed follows the load
    assert len(asked) == report.steps // 4  # asked every four steps
    assert seen[:2] == [2, 1]  # started with two threads, dropped to one when the cores filled up
    assert torch.get_num_threads() == before  # and the caller's count is back after training
    # a head whose thread count the caller fixed (retune None, or an accelerator) is never re-tuned
    seen.clear()
    SpanHead.fit(pairs, tokenizer=tokenizer, encoder_config=config_for(tokenizer), epochs=1, batch_size=8, threads=2)
    assert set(seen) <= {2, before}


def test_thread_watch_changes_the_count_only_when_the_choice_differs():
    torch = pytest.importorskip("torch")
    from slmc.training.encoder_classifier import ThreadWatch

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        answers = iter([2, 1, 1, 2])
        watch = ThreadWatch(lambda: next(answers), every=2)
        for step in range(1, 9):
            watch(step)
        assert watch.changes == [(4, 1), (8, 2)]
        idle = ThreadWatch(None)
        idle(4)
        assert idle.changes == [] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_train_head_hands_the_load_rule_to_the_label_and_span_heads_on_the_cpu_only(monkeypatch, tmp_path):
    from slmc.ir.nodes import FinetunePlan
    from slmc.training import encoder_classifier, span_head

    got: dict[str, object] = {}

    def fake_label(rows, out, **kwargs):
        got["label"] = kwargs.get("retune")
        return 1.0

    class Report:
        skipped: dict = {}
        seconds = 1.0

        def capped(self, budget):
            return None

    def fake_span(rows, out, **kwargs):
        got["span"] = kwargs.get("retune")
        return Report()

    monkeypatch.setattr(encoder_classifier, "train_encoder_classifier", fake_label)
    monkeypatch.setattr(span_head, "train_span_head", fake_span)
    for method in ("encoder-classifier", "span-head"):
        plan = FinetunePlan("d", "v", "t", method=method, epochs=1)
        heads.train_head(plan, [], tmp_path, device="cpu")
        assert got.pop(method.split("-")[0] if method == "span-head" else "label") is heads.head_threads
        heads.train_head(plan, [], tmp_path, device="cuda")
        assert got.pop("span" if method == "span-head" else "label") is None
