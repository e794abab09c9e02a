"""The gate's metric and the router's validator judge the same answers the same way, for every contract kind.

The gate scores an SLM answer against the teacher's (``metrics.score_rows`` with the task's metric and contract); the
router checks the SLM answer against the contract and, in shadow mode, compares it with the LLM's answer
(``Contract.check`` then ``Contract.agree``). Property: the gate scores 1 exactly when the router would both accept
the answer and count it as agreeing. Answers are generated in every shape the targets produce.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slmc.answers import compare_tool_calls, normalize_label, parse_tool_calls, strip_fence
from slmc.ir.nodes import Contract as IRContract
from slmc.runtime.contracts import Contract
from slmc.runtime.types import Answer
from slmc.training.metrics import metric_for, score_rows, summarize

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Rendered:
    """One answer as the gate sees it (generated text, or the teacher's reference) and as the router sees it."""

    gate: Any
    runtime: Answer


def _text(text: str) -> Rendered:
    return Rendered(text, Answer(content=text))


def router_and_gate(spec: dict[str, Any], prediction: Rendered, reference: Rendered, tools: Any = None):
    contract = Contract(spec)
    checked = contract.check(prediction.runtime, tools)
    router = checked.ok and checked.answer is not None and contract.agree(checked.answer, reference.runtime)
    metric = metric_for(IRContract.from_dict(spec))
    labels = tuple(spec.get("labels") or ())
    score = score_rows(
        metric, [prediction.gate], [reference.gate], labels=labels, contract=spec, request_tools=[tools]
    )[0]
    return router, score


# ---- text decorations ----------------------------------------------------------------------------------------------
SPACE = st.sampled_from(["", " ", "  ", "\n", "\t", " \n "])
EDGE = st.one_of(
    st.just(""),
    st.sampled_from([".", "!", '"', "'", "`", "“", "”", "(", ")", "[", "]", ":", ",", ";", "?", "*", "-"]),
)
GARBAGE = st.text(max_size=40)
SAME = st.sampled_from([True, True, False])  # the prediction is the reference, written another way


@st.composite
def cased(draw: Any, word: str) -> str:
    style = draw(st.sampled_from(["same", "upper", "title", "lower", "swap"]))
    return {"same": word, "upper": word.upper(), "title": word.title(), "lower": word.lower(), "swap": word.swapcase()}[
        style
    ]


@st.composite
def decorated(draw: Any, word: str) -> str:
    inner = draw(cased(word))
    inner = draw(st.sampled_from([inner, inner.replace(" ", "  "), inner.replace(" ", "\n")]))
    return draw(SPACE) + draw(EDGE) + draw(EDGE) + inner + draw(EDGE) + draw(EDGE) + draw(SPACE)


def variants(words: list[str]) -> st.SearchStrategy[str]:
    """The words as they are, with surrounding whitespace, or decorated."""
    plain = st.sampled_from(words)
    return st.one_of(plain, st.tuples(SPACE, plain, SPACE).map("".join), plain.flatmap(decorated))


def fenced(text: str, tag: str) -> str:
    return f"```{tag}\n{text}\n```" if tag != "inline" else f"```{text}```"


FENCE_TAG = st.sampled_from([None, "", "json", "JSON", "python", "inline"])

# ---- labels --------------------------------------------------------------------------------------------------------
LABELS = ["billing", "Tech Support", "other"]


@st.composite
def label_answer(draw: Any) -> Rendered:
    if draw(st.integers(0, 9)) == 0:
        return _text(draw(GARBAGE))
    return _text(draw(variants([*LABELS, "refund", "billing!", "tech", "Other things", ""])))


@given(prediction=label_answer(), reference=label_answer())
@SETTINGS
def test_label_contract(prediction: Rendered, reference: Rendered) -> None:
    router, score = router_and_gate({"kind": "label", "labels": LABELS}, prediction, reference)
    assert score.value == float(router), (prediction.gate, reference.gate, score)


# ---- JSON ----------------------------------------------------------------------------------------------------------
KEYS = st.sampled_from(["queue", "priority", "tags", "q"])
SCALAR = st.one_of(
    st.integers(-3, 3), st.sampled_from([1.0, 2.5, True, False, None]), st.sampled_from(["a", "A", "b c", "5", "x-y"])
)
VALUE = st.recursive(
    SCALAR, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(KEYS, inner, max_size=2), max_leaves=6
)
OBJECT = st.dictionaries(KEYS, VALUE, max_size=4)


@st.composite
def json_text(draw: Any, value: Any) -> str:
    """``value`` as an SLM writes it: any key order, indented or not, fenced or not, with surrounding whitespace; now
    and then cut short or replaced by garbage."""
    roll = draw(st.integers(0, 9))
    if roll == 0:
        return draw(GARBAGE)
    if isinstance(value, dict) and draw(st.booleans()):
        value = dict(draw(st.permutations(list(value.items()))))
    text = json.dumps(value, indent=draw(st.sampled_from([None, 2])), ensure_ascii=draw(st.booleans()))
    if roll == 1:
        text = text[: len(text) // 2]
    tag = draw(FENCE_TAG)
    text = text if tag is None else fenced(text, tag)
    return draw(SPACE) + text + draw(SPACE)


@st.composite
def json_pair(draw: Any) -> tuple[Rendered, Rendered]:
    reference = draw(OBJECT)
    prediction = reference if draw(SAME) else draw(st.one_of(OBJECT, VALUE))
    return _text(draw(json_text(prediction))), _text(draw(json_text(reference)))


@given(pair=json_pair(), schema=st.sampled_from([None, {"type": "object", "required": ["queue"]}]))
@SETTINGS
def test_json_contract(pair: tuple[Rendered, Rendered], schema: Any) -> None:
    spec: dict[str, Any] = {"kind": "json", **({"schema": schema} if schema else {})}
    router, score = router_and_gate(spec, *pair)
    assert score.value == float(router), (pair, score)


# ---- tool calls ----------------------------------------------------------------------------------------------------
TOOLS = [
    {"type": "function", "function": {"name": "route", "parameters": {"type": "object", "required": ["queue"]}}},
    {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}},
]
ARGUMENTS = st.one_of(st.fixed_dictionaries({"queue": SCALAR}, optional={"q": VALUE}), OBJECT)
CALL = st.fixed_dictionaries(
    {"name": st.sampled_from(["route", "route", "lookup", "delete_all"]), "arguments": ARGUMENTS}
)
CALLS = st.lists(CALL, min_size=1, max_size=3)
SHAPES = ("openai", "tags", "bare", "list", "openai-text", "parameters", "message", "python-tag")


@st.composite
def tool_call_answer(draw: Any, calls: list[dict[str, Any]], shape: str) -> Rendered:
    """``calls`` in one of the shapes a serving target returns (structured, or written as text by the model)."""
    if draw(st.integers(0, 11)) == 0:
        return _text(draw(GARBAGE))
    if draw(st.booleans()):
        calls = draw(st.permutations(calls))  # parallel calls in another order
    if shape == "openai":  # the server's tool parser made OpenAI tool_calls
        items = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
            }
            for i, c in enumerate(calls)
        ]
        neutral = [
            {"id": f"call_{i}", "name": c["name"], "arguments": json.dumps(c["arguments"])} for i, c in enumerate(calls)
        ]
        return Rendered(items, Answer(tool_calls=neutral, finish_reason="tool_calls"))
    if shape == "tags":
        text = "".join(draw(SPACE) + f"<tool_call>\n{json.dumps(c)}\n</tool_call>" for c in calls)
        text = draw(st.sampled_from(["", "I will call a tool.\n"])) + text
    elif shape == "bare":
        text = json.dumps(calls[0]) if len(calls) == 1 else json.dumps(calls)
    elif shape == "list":
        text = json.dumps(calls)
    elif shape == "openai-text":
        text = json.dumps(
            [
                {"type": "function", "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
                for c in calls
            ]
        )
    elif shape == "parameters":
        text = json.dumps([{"name": c["name"], "parameters": c["arguments"]} for c in calls])
    elif shape == "message":
        text = json.dumps({"role": "assistant", "tool_calls": [{"function": c} for c in calls]})
    else:
        text = "<|python_tag|>" + json.dumps(calls[0] if len(calls) == 1 else calls)
    tag = draw(FENCE_TAG)
    return _text(text if tag is None or shape == "tags" else fenced(text, tag))


@st.composite
def tool_pair(draw: Any) -> tuple[Rendered, Rendered]:
    reference = draw(CALLS)
    prediction = reference if draw(SAME) else draw(CALLS)
    # The teacher's reference: the datasets keep it as the calls' JSON (reference_answer); the router has the LLM's
    # structured answer.
    teacher = draw(tool_call_answer(reference, "openai"))
    if not isinstance(teacher.gate, str):
        teacher = Rendered(json.dumps(reference, sort_keys=True), teacher.runtime)
    return draw(tool_call_answer(prediction, draw(st.sampled_from(SHAPES)))), teacher


@given(pair=tool_pair(), per_call=st.booleans())
@SETTINGS
def test_tool_call_contract(pair: tuple[Rendered, Rendered], per_call: bool) -> None:
    spec: dict[str, Any] = (
        {"kind": "tool-call", "tools_per_call": True} if per_call else {"kind": "tool-call", "tools": TOOLS}
    )
    router, score = router_and_gate(spec, *pair, tools=TOOLS if per_call else None)
    assert score.value == float(router), (pair, score)


# ---- regex and text ------------------------------------------------------------------------------------------------
@given(
    prediction=st.one_of(
        variants(["AB-123", "ab-123", "AB-124"]),
        st.from_regex(r"[A-Z]{2}-[0-9]{3}", fullmatch=True).flatmap(decorated),
        GARBAGE,
    ),
    reference=st.one_of(variants(["AB-123", "ab-123", "AB-124"]), GARBAGE),
)
@SETTINGS
def test_regex_contract(prediction: str, reference: str) -> None:
    router, score = router_and_gate(
        {"kind": "regex", "pattern": r"^[A-Z]{2}-\d{3}$"}, _text(prediction), _text(reference)
    )
    assert score.value == float(router), (prediction, reference, score)


@given(
    prediction=st.one_of(variants(["ok", "fine", "x" * 30]), GARBAGE),
    reference=st.one_of(variants(["ok", "Ok", "fine"]), GARBAGE),
)
@SETTINGS
def test_strict_text_contract(prediction: str, reference: str) -> None:
    spec = {"kind": "text", "min_length": 2, "max_length": 24, "strictness": 0.9}  # the gate's metric: exact
    router, score = router_and_gate(spec, _text(prediction), _text(reference))
    assert score.value == float(router), (prediction, reference, score)


# ---- the shared module on its own ----------------------------------------------------------------------------------
def test_one_fence_rule():
    assert strip_fence('```json\n{"a": 1}\n```') == '{"a": 1}'
    assert strip_fence('  ```JSON {"a": 1}```  ') == '{"a": 1}'
    assert strip_fence("```\n[1]\n```") == "[1]"
    assert strip_fence("```true```") == "true"  # no info string: the word is the content
    assert strip_fence("```a``` and ```b```") == "```a``` and ```b```"  # two fences are not one answer
    assert strip_fence("plain") == "plain"


def test_labels_normalise_once():
    assert normalize_label("Billing!") == normalize_label("  “billing”. ") == normalize_label("[BILLING]") == "billing"
    assert normalize_label("tech  support") == "tech support"
    assert normalize_label("billing?") != "billing"


def test_tool_call_shapes_parse_alike():
    want = [{"name": "route", "arguments": {"queue": "billing"}}]
    shapes = [
        '<tool_call>{"name": "route", "arguments": {"queue": "billing"}}</tool_call>',
        '```json\n{"name": "route", "arguments": {"queue": "billing"}}\n```',
        '[{"name": "route", "parameters": {"queue": "billing"}}]',
        '{"type": "function", "function": {"name": "route", "arguments": "{\\"queue\\": \\"billing\\"}"}}',
        '{"tool_calls": [{"function": {"name": "route", "arguments": {"queue": "billing"}}}]}',
        '<|python_tag|>{"name": "route", "parameters": {"queue": "billing"}}',
        [{"id": "c1", "name": "route", "arguments": '{"queue": "billing"}'}],
    ]
    assert all(parse_tool_calls(shape) == want for shape in shapes)
    for broken in ("[]", "{}", "[1]", '{"function": "route"}', '{"name": 3}', "<tool_call>{</tool_call>", "[" * 5000):
        assert parse_tool_calls(broken) is None


def test_teacher_arguments_that_are_empty_text_still_match():
    # BFCL possible answers use "" for "may be left out"; a teacher's own "" is a value like any other.
    call = [{"name": "f", "arguments": {"q": ""}}]
    assert compare_tool_calls(json.dumps(call), call) == (True, True, True)
    assert compare_tool_calls('[{"name": "f", "arguments": {}}]', call) == (True, True, False)
    assert compare_tool_calls('[{"name": "f", "arguments": {}}]', [{"f": {"q": ["", "x"]}}]) == (True, True, True)


def test_gate_scores_zero_what_the_validator_rejects():
    spec = {"kind": "json", "schema": {"type": "object", "required": ["queue"]}}
    predictions = ['{"queue": "billing"}', '{"q": 1}', '```json\n{"q": 1}\n```']
    references = ['{"queue": "billing"}', '{"q": 1}', '{"q": 1}']
    plain = score_rows("json-exact", predictions, references)
    assert [s.value for s in plain] == [1.0, 1.0, 1.0]  # the teacher's own objects, field for field
    gated = score_rows("json-exact", predictions, references, contract=spec)
    assert [s.value for s in gated] == [1.0, 0.0, 0.0]  # ... but the router rejects objects without "queue"
    assert "required" in gated[1].details["contract_error"]
    assert summarize("json-exact", gated)["contract_ok"] == pytest.approx(1 / 3)
    per_call = {"kind": "tool-call", "tools_per_call": True}
    call = '[{"name": "route", "arguments": {"queue": "billing"}}]'
    offered = json.dumps(TOOLS)  # the datasets keep a row's tools as JSON text
    assert score_rows("tool-call", [call], [call], contract=per_call, request_tools=[offered])[0].value == 1.0
    assert score_rows("tool-call", [call], [call], contract=per_call, request_tools=[None])[0].value == 0.0
