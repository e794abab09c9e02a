"""Every rule on hand-built graphs: positives, negatives, and where each finding is reported."""

from __future__ import annotations

import pytest

from slmc.errors import Severity
from slmc.ir import AgentGraph, SiteKind
from slmc.lint.checker import check_graph, find_pii, find_secrets, is_pinned_model, snapshot_example
from slmc.lint.rules import ALL_RULES, BY_CODE, RULES, find_rule, rule_doc

from .builders import add_site, wrapper_graph

NARROW = {
    "system": "Classify the ticket. Answer with only the category.",
    "options": {"temperature": 0, "max_tokens": 5},
}


def codes_for(**kwargs) -> list[str]:
    g = AgentGraph()
    add_site(g, "f", 10, **kwargs)
    return [d.code for d in check_graph(g)]


def test_rules_are_complete_data() -> None:
    assert len({r.code for r in ALL_RULES}) == len(ALL_RULES)
    assert len({r.name for r in ALL_RULES}) == len(ALL_RULES)
    for rule in RULES:
        assert rule.code.startswith("SLM") and rule.name == rule.name.lower() and " " not in rule.name
        assert rule.what and rule.why and rule.example and rule.how_to_fix and rule.summary
        assert isinstance(rule.severity, Severity)
        compile(rule.example, rule.code, "exec")  # docs examples are valid Python
        assert f"# {rule.name} ({rule.code})" in rule_doc(rule)
    assert find_rule("slm101") is find_rule("offloadable-call") is BY_CODE["SLM101"]
    assert find_rule("SLM999") is None


def test_slm101_narrow_site_and_message() -> None:
    g = AgentGraph()
    add_site(g, "f", 10, **NARROW)
    (d,) = check_graph(g)
    assert (d.code, d.name, d.path, d.line, d.col) == ("SLM101", "offloadable-call", "agent.py", 10, 5)
    assert d.message.startswith("Narrow LLM call could be served by a fine-tuned small model (score 0.")
    assert 'prompt says "classify"' in d.message and d.fix and d.site == "llm:f@agent.py:10"
    assert d.data["verdict"] == "narrow"


def test_slm101_negative_open_and_unclear_sites() -> None:
    assert codes_for(system="Draft a friendly reply to the customer.", options={"max_tokens": 500}) == []
    assert codes_for(system=None, user="{prompt}", options={"max_tokens": 100}) == []


def test_slm102_schema_and_tools_win_over_slm101() -> None:
    codes = codes_for(
        system="Extract the fields.", options={"response_format": "<Fields>", "max_tokens": 50}, consumers=("pydantic",)
    )
    assert codes == ["SLM102"]
    g = AgentGraph()
    add_site(g, "f", 10, system="Route the ticket to a queue.", tools=("route_ticket",), options={"max_tokens": 40})
    (d,) = check_graph(g)
    assert d.code == "SLM102" and "1 tool: route_ticket" in d.message


def test_slm103_closed_label_set() -> None:
    g = AgentGraph()
    add_site(g, "f", 10, labels=("refund", "shipping", "billing"), consumers=("label-set",), options={"max_tokens": 3})
    (d,) = check_graph(g)
    assert d.code == "SLM103" and "closed set of 3 labels" in d.message
    assert d.severity == Severity.INFO


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Use key sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345 for lookups", "an OpenAI API key"),
        ("anthropic sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv", "an Anthropic API key"),
        ("aws AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
        ("token ghp_" + "a1B2" * 9, "a GitHub token"),
        ("hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567", "a Hugging Face token"),
    ],
)
def test_slm201_secrets(text: str, kind: str) -> None:
    found = find_secrets(text)
    assert [k for k, _ in found] == [kind]
    assert len(found[0][1]) <= 7  # the preview is redacted
    g = AgentGraph()
    add_site(g, "f", 10, system=text + " Write a reply.")
    (d,) = [d for d in check_graph(g) if d.code == "SLM201"]
    assert d.severity == Severity.ERROR and kind in d.message and text.split()[-1] not in d.message


def test_slm201_negatives() -> None:
    assert find_secrets("Use the api key from the environment; sk-short; the task-management skill") == []
    assert codes_for(system="Draft a reply.", user="{api_key}") == []  # a hole is not a literal


def test_slm202_pii_with_reserved_values_allowed() -> None:
    text = (
        "Example: mail jane.doe@gmail.com or call (415) 555-2671 / +44 20 7946 0958, card 4539 1488 0343 6467. "
        "Placeholders jane@example.com, bob@corp.test, 555-0123 and test card 4242 4242 4242 4242 are fine."
    )
    kinds = sorted(k for k, _ in find_pii(text))
    assert kinds == ["a payment card number", "a phone number", "a phone number", "an email address"], find_pii(text)
    assert find_pii("order AB-12345 on 2024-08-06, total 1234567890123 cents?") == []  # not Luhn-valid, no phone
    g = AgentGraph()
    add_site(g, "f", 10, system="Reply to jane.doe@gmail.com. Draft it.")
    (d,) = [d for d in check_graph(g) if d.code == "SLM202"]
    assert "an email address" in d.message and d.severity == Severity.WARNING


def test_slm203_unbounded_output_only_on_narrow_sites() -> None:
    assert "SLM203" in codes_for(
        system="Classify the sentiment: one of positive, negative.", options={"temperature": 0}
    )
    assert "SLM203" not in codes_for(
        system="Classify the sentiment: one of positive, negative.", options={"max_tokens": 3}
    )
    assert "SLM203" not in codes_for(system="Write an essay.", options={})
    g = AgentGraph()
    add_site(g, "f", 10, client="hf", api="generate", model=None, system="Extract the city. Answer with only the name.")
    (d,) = [d for d in check_graph(g) if d.code == "SLM203"]
    assert "max_new_tokens" in d.message


def test_slm203_and_slm302_reported_once_at_the_wrappers_request() -> None:
    g = wrapper_graph(
        {
            10: {"user": "Answer yes or no: is {x} spam?", "consumers": ("bool",)},
            11: {"user": "Classify {x}: one of a, b", "labels": ("a", "b")},
        },
        options={"temperature": 0.8},
    )
    diags = check_graph(g)
    assert [(d.code, d.path, d.line) for d in diags] == [
        ("SLM203", "agent.py", 5),
        ("SLM302", "agent.py", 5),
        ("SLM101", "main.py", 10),
        ("SLM103", "main.py", 11),
    ]
    # the wrapper def and its request are not reported as offload sites themselves
    assert not [d for d in diags if d.code.startswith("SLM10") and d.path == "agent.py"]


def test_slm302_temperature() -> None:
    g = AgentGraph()
    add_site(g, "f", 10, labels=("pos", "neg"), options={"temperature": 0.9, "max_tokens": 2})
    assert [d.message for d in check_graph(g) if d.code == "SLM302"] == ["Narrow LLM call samples at temperature=0.9"]
    assert "SLM302" not in codes_for(labels=("pos", "neg"), options={"temperature": 0.5, "max_tokens": 2})
    assert "SLM302" not in codes_for(system="Write a poem.", options={"temperature": 1.0})


@pytest.mark.parametrize(
    ("model", "pinned"),
    [
        ("gpt-4o", False),
        ("gpt-4o-mini", False),
        ("claude-3-5-sonnet-latest", False),
        ("gemini-1.5-pro", False),
        ("gpt-4o-2024-08-06", True),
        ("gpt-4-0613", True),
        ("gpt-4-1106-preview", True),
        ("claude-3-5-sonnet-20241022", True),
        ("anthropic/claude-3-5-sonnet-20240620", True),
        ("anthropic.claude-3-sonnet-20240229-v1:0", True),
        ("gemini-1.5-pro-002", True),
        ("mistral-large-2411", True),
        ("command-r-plus-08-2024", True),
        ("chatgpt-4o-latest", False),
    ],
)
def test_model_pinning(model: str, pinned: bool) -> None:
    assert is_pinned_model(model) is pinned


def test_slm301_alias_variable_and_local_clients() -> None:
    g = AgentGraph()
    add_site(g, "f", 10, model="gpt-4o", system="Write a poem.")
    add_site(g, "g", 20, model=None, options={"model": "<os.environ['MODEL']>"}, system="Write a poem.")
    add_site(g, "h", 30, model=None, client="vllm", api="generate", system="Write a poem.")
    add_site(g, "k", 40, model="my-deployment", client="azure-openai", system="Write a poem.")
    diags = [d for d in check_graph(g) if d.code == "SLM301"]
    assert [d.line for d in diags] == [10, 20]
    assert diags[0].message == "Model `gpt-4o` is a moving alias (no date or version)"
    assert diags[0].fix == "Pin a dated model version, e.g. `gpt-4o-2024-08-06`"
    assert "os.environ['MODEL']" in diags[1].message
    assert snapshot_example("openai/gpt-9") == "openai/gpt-9-YYYY-MM-DD"


def test_slm303_json_parsed_without_structured_output() -> None:
    assert "SLM303" in codes_for(
        system="Return the fields as JSON.", consumers=("json.loads",), options={"max_tokens": 50}
    )
    assert "SLM303" not in codes_for(
        system="Return the fields.", consumers=("json.loads",), options={"response_format": {"type": "json_object"}}
    )
    assert "SLM303" not in codes_for(system="Return the fields.", consumers=("json.loads",), client="llamacpp")
    # bedrock / raw HTTP: json.loads reads the response envelope, not the answer
    assert "SLM303" not in codes_for(system="Write a poem.", consumers=("json.loads",), client="bedrock", model=None)


def test_framework_task_sites_are_checked() -> None:
    g = AgentGraph()
    add_site(
        g, "f", 10, kind=SiteKind.FRAMEWORK_TASK, client="langchain", api="invoke", output_schema="Intent", model=None
    )
    assert [d.code for d in check_graph(g)] == ["SLM102"]
