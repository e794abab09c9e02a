"""The evidence triage weighs, as features for bench/triage_model.py: kinds of evidence, the rules' own total and how
much prompt was read. The verdict itself is unchanged by this view."""

from __future__ import annotations

import math

from slmc.ir import AgentGraph
from slmc.passes.triage import feature_kind, site_evidence, site_features, triage_site

from .builders import add_site


def test_reasons_map_to_kinds_without_names_or_numbers() -> None:
    assert feature_kind('prompt says "classify"') == "says:classify"
    assert feature_kind('the task statement says "extract"') == "task:extract"
    assert feature_kind("named `Router.pick_queue`: a closed task") == "name:closed"
    assert feature_kind("named `CodeWriter.run`: writes code") == "name:code"
    assert feature_kind("max_tokens=12") == "max-tokens"
    assert feature_kind("answer checked against 3 labels") == "labels"
    assert feature_kind("prompt reads as a judgement call: self-reflection") == "judge:self-reflection"
    assert feature_kind("calls `handle`, which makes several LLM calls") == "multi-task"


def test_rules_total_gives_the_rules_score() -> None:
    g = AgentGraph()
    site = add_site(
        g,
        "route_ticket",
        10,
        system="Sort the ticket into one of the following queues: billing, outage. Reply with the queue only.",
        options={"max_tokens": 8, "temperature": 0},
    )
    evidence = site_evidence(g, site)
    feats = site_features(g, site, evidence)
    assert feats["says:one of a listed set"] > 0
    assert feats["max-tokens"] == 1.2
    assert "prompt:unread" not in feats
    result = triage_site(g, site)
    assert round(1.0 / (1.0 + math.exp(-feats["rules:total"])), 3) == result.score


def test_a_prompt_with_nothing_literal_is_marked_unread() -> None:
    g = AgentGraph()
    site = add_site(g, "relay", 20, system=None, user="{text}")
    feats = site_features(g, site, site_evidence(g, site))
    assert feats["prompt:unread"] == 1.0
