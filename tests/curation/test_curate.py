from __future__ import annotations

from collections import Counter

from slmc.compiler.passmanager import PassContext
from slmc.ir import AgentGraph
from slmc.ir.unit import CompileUnit
from slmc.passes.curate import Curate
from slmc.traces import TraceRecord

SITE = "llm:classify@agent.py:20"


def rec(
    text: str, output: str | None = "billing", site: str | None = SITE, temperature: float | None = 0, **kw
) -> TraceRecord:
    params = {} if temperature is None else {"temperature": temperature}
    return TraceRecord(
        source="slmc", site_id=site, messages=[{"role": "user", "content": text}], output=output, params=params, **kw
    )


def curate(records: list[TraceRecord], **opts) -> tuple[CompileUnit, PassContext]:
    ctx = PassContext()
    return Curate(**opts).run(ctx, CompileUnit(AgentGraph(), records)), ctx


def test_bad_records_are_dropped_with_reasons() -> None:
    good = rec("refund please")
    records = [
        good,
        rec("a", error="RateLimitError: 429"),
        rec("b", finish_reason="content_filter", output=""),
        rec("c", output="I'm sorry, but I can't help with that request."),
        rec("d", output="I cannot assist with that."),
        rec("e", finish_reason="length", output="billing and then some"),
        rec("f", output="   "),
        rec("g", output=None),
        rec("h", output=None, tool_calls=[{"name": "route", "arguments": {"queue": "it"}}]),
    ]
    unit, _ctx = curate(records)
    assert unit.traces == [good, records[-1]]
    report = unit.reports.curation
    assert report["removed"] == {"error": 1, "content-filter": 1, "refusal": 2, "truncated": 1, "empty": 2}
    assert report["sites"][SITE]["records"] == 9 and report["sites"][SITE]["kept"] == 2
    assert report["sites"][SITE]["removed"]["refusal"] == 2


def test_refusal_words_inside_an_answer_are_not_refusals() -> None:
    answer = rec("x", output="The customer says: I can't log in. Category: account")
    unit, _ctx = curate([answer])
    assert unit.traces == [answer]


def test_duplicates_are_counted_and_conflicts_keep_the_majority() -> None:
    dup = [rec("where is my parcel", output="shipping") for _ in range(3)]
    conflict = [
        rec("charged twice", output="billing"),
        rec("charged twice", output="refund"),
        rec("charged twice", output="billing"),
    ]
    sampled = [rec("write a haiku", output="one", temperature=0.9), rec("write a haiku", output="two", temperature=0.9)]
    unit, ctx = curate(dup + conflict + sampled)
    kept = unit.traces
    assert dup[0] in kept and dup[1] not in kept and dup[0].meta["duplicates"] == 2
    assert [r.output for r in kept if r.messages[0]["content"] == "charged twice"] == ["billing"]
    assert conflict[0].meta["duplicates"] == 1
    assert sampled[0] in kept and sampled[1] in kept  # different samples at temperature > 0 are not conflicts
    report = unit.reports.curation
    assert report["removed"] == {"duplicate": 3, "conflict": 1}
    assert report["conflict_groups"] == 1 and report["conflicts"][0]["kept"] == 2
    assert any(d.code == "W221" and d.site == SITE for d in ctx.diagnostics)


def test_same_prompt_at_two_sites_is_not_a_duplicate() -> None:
    a, b = rec("hello", site=SITE), rec("hello", site="llm:other@agent.py:5")
    assert curate([a, b])[0].traces == [a, b]


def test_split_is_per_site_deterministic_and_proportional() -> None:
    big = [rec(f"ticket {i}", output=f"label {i % 5}") for i in range(200)]
    small = [rec(f"small {i}", site="llm:small@agent.py:9") for i in range(10)]
    tiny = [rec(f"tiny {i}", site="llm:tiny@agent.py:9") for i in range(4)]
    curate(big + small + tiny)
    assert Counter(r.split for r in big) == {"train": 160, "validation": 20, "test": 20}
    assert Counter(r.split for r in small) == {"train": 8, "validation": 1, "test": 1}
    assert Counter(r.split for r in tiny) == {"train": 4}
    again = [rec(f"ticket {i}", output=f"label {i % 5}") for i in range(200)]
    curate(list(reversed(again)))
    assert [r.split for r in big] == [r.split for r in again]


def test_unlinked_records_are_curated_under_their_group() -> None:
    records = [rec(f"q{i}", site=None, meta={"group": "workload:rerank"}) for i in range(10)]
    unit, _ctx = curate(records)
    assert unit.reports.curation["sites"]["workload:rerank"]["splits"] == {
        "test": 1,
        "train": 8,
        "validation": 1,
    }
