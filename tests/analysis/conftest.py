"""A small hand-made agent (IR + traces) shared by the analysis tests.

Sites: ``ask`` carries two tasks (review sentiment -> label, order extraction -> JSON); ``extract_order`` shares the
extraction task (same template, same contract); ``agent_step`` calls a ``get_weather`` tool; ``write_reply`` writes free-text e-mails at
temperature 0.7. Texts are generated from word lists (no dataset text).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from slmc.compiler.passmanager import PassContext
from slmc.compiler.settings import Settings
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import (
    EdgeKind,
    LLMCall,
    Loc,
    Message,
    Prompt,
    PromptPart,
    SiteKind,
    Tool,
    Triage,
    Verdict,
)
from slmc.ir.serialize import print_graph
from slmc.ir.unit import CompileUnit
from slmc.traces.record import TraceRecord

GOLDEN = Path(__file__).parent / "golden"

ASK = "llm:ask@agent.py:10"
EXTRACT = "llm:extract_order@agent.py:30"
STEP = "llm:agent_step@agent.py:50"
REPLY = "llm:write_reply@agent.py:70"

PRODUCTS = ["blender", "kettle", "toaster", "lamp", "headphones", "backpack", "monitor", "keyboard", "jacket", "tent"]
GOOD = ["works perfectly", "is wonderful", "exceeded my hopes", "is great value", "feels sturdy and well made"]
BAD = ["broke after a week", "is awful", "stopped working", "arrived damaged", "is a waste of money"]
MEH = ["is okay I guess", "does the job", "is average", "is fine, nothing special"]
CITIES = ["Paris", "Lisbon", "Oslo", "Denver", "Kyoto", "Nairobi", "Lima", "Perth", "Austin", "Cairo"]
NAMES = ["Ana", "Bruno", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana"]


def _rec(site: str, messages: list[dict], output: str | None = None, **kw) -> TraceRecord:
    text = "".join(m["content"] for m in messages)
    return TraceRecord(
        source="slmc",
        model="gpt-4o",
        messages=messages,
        output=output,
        site_id=site,
        split="train",
        input_tokens=len(text) // 4 + 1,
        output_tokens=len(output or json.dumps(kw.get("tool_calls"))) // 4 + 1,
        **kw,
    )


def make_records(n: int = 24, seed: int = 0) -> list[TraceRecord]:
    rng = random.Random(seed)
    out: list[TraceRecord] = []
    sentiment_system = "Classify the sentiment of the product review as positive, negative or neutral. One word."
    for _ in range(n):
        product = rng.choice(PRODUCTS)
        label, phrase = rng.choice([("positive", GOOD), ("negative", BAD), ("neutral", MEH)])
        review = f"The {product} {rng.choice(phrase)}."
        msgs = [{"role": "system", "content": sentiment_system}, {"role": "user", "content": f"Review: {review}"}]
        out.append(_rec(ASK, msgs, label, params={"temperature": 0}))
    for i in range(n):
        qty, product, name = rng.randint(1, 9), rng.choice(PRODUCTS), rng.choice(NAMES)
        order = f"Hi, this is {name}. Please send me {qty} {product}s"
        # the same template from two sites (``ask`` is called with extract_order's prompt): one task
        msgs = [
            {"role": "system", "content": "You turn customer e-mails into order records (JSON)."},
            {"role": "user", "content": order},
        ]
        site = ASK if i % 2 else EXTRACT
        answer = {"customer": name, "item": product, "quantity": qty}
        if i % 3 == 0:
            answer["notes"] = "gift wrap"
        out.append(_rec(site, msgs, json.dumps(answer), params={"temperature": 0}))
    for _ in range(n):
        city = rng.choice(CITIES)
        msgs = [
            {"role": "system", "content": "You are a travel helper. Use tools when needed."},
            {"role": "user", "content": f"Do I need an umbrella in {city} {rng.choice(['today', 'tomorrow'])}?"},
        ]
        tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
        out.append(
            _rec(STEP, msgs, None, tools=tools, tool_calls=[{"name": "get_weather", "arguments": {"city": city}}])
        )
    for _ in range(n):
        name, product = rng.choice(NAMES), rng.choice(PRODUCTS)
        msgs = [
            {"role": "system", "content": "Write a warm, personal reply to the customer's e-mail."},
            {"role": "user", "content": f"From {name}: my {product} order is late, what is going on?"},
        ]
        body = " ".join(
            rng.choice(["Dear", name, "we", "are", "so", "sorry", "your", product, "ships", "soon"])
            for _ in range(rng.randint(30, 80))
        )
        out.append(_rec(REPLY, msgs, body, params={"temperature": 0.7}))
    return out


def make_graph() -> AgentGraph:
    graph = AgentGraph()
    graph.meta.facts = ["sites", "triage", "traces-linked", "pii-scrubbed", "curated"]

    def site(sid: str, line: int, fn: str, triage: Triage | None, **kw) -> None:
        graph.add(
            LLMCall(
                sid,
                site=SiteKind.REQUEST,
                loc=Loc("agent.py", line, 5),
                function=fn,
                client="openai",
                api="chat.completions.create",
                model="gpt-4o",
                triage=triage,
                **kw,
            )
        )

    site(ASK, 10, "ask", None)
    site(EXTRACT, 30, "extract_order", Triage(Verdict.NARROW, 0.8, ("json.loads consumer",)), consumers=("json.loads",))
    site(STEP, 50, "agent_step", Triage(Verdict.NARROW, 0.7, ("one tool",)), tools=("get_weather",))
    site(
        REPLY,
        70,
        "write_reply",
        Triage(Verdict.OPEN_ENDED, 0.2, ("free text to a person",)),
        options={"temperature": 0.7},
    )
    prompts = {
        ASK: (Message("user", (PromptPart("prompt", hole=True),), "dynamic"),),
        EXTRACT: (
            Message("system", (PromptPart("You turn customer e-mails into order records (JSON)."),)),
            Message("user", (PromptPart("email", hole=True),), "f-string"),
        ),
        STEP: (Message("system", (PromptPart("You are a travel helper. Use tools when needed."),)),),
        REPLY: (Message("system", (PromptPart("Write a warm, personal reply to the customer's e-mail."),)),),
    }
    for sid, messages in prompts.items():
        pid = "prompt" + sid[3:]
        graph.add(Prompt(pid, messages=messages))
        graph.add_edge(pid, sid, EdgeKind.PROMPT)
    graph.add(
        Tool(
            "tool:get_weather",
            name="get_weather",
            parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        )
    )
    graph.add_edge("tool:get_weather", STEP, EdgeKind.TOOL)
    graph.verify()
    return graph


@pytest.fixture
def agent() -> tuple[CompileUnit, PassContext]:
    return CompileUnit(make_graph(), make_records()), PassContext(settings=Settings(embedder="tfidf"))


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``golden/<name>``; ``SLMC_UPDATE_GOLDEN=1`` rewrites the file."""
    path = GOLDEN / name
    if os.environ.get("SLMC_UPDATE_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if os.environ.get("SLMC_UPDATE_GOLDEN") != "1":
            pytest.fail(f"golden file {path} was missing and has been written; rerun")
    assert text == path.read_text(), f"IR differs from {path} (SLMC_UPDATE_GOLDEN=1 rewrites it)"


def graph_text(graph: AgentGraph) -> str:
    return print_graph(graph)
