"""Static triage: score each LLM call site narrow / open-ended / unclear from source evidence only.

Evidence is a list of weighted reasons (log-odds): structured output, tools, closed label sets, prompt wording, output
limits, temperature, streaming and how the answer is consumed. The score is the logistic of the summed weights, so
no evidence gives 0.5 (unclear). A wrapper-call takes the evidence of its own arguments (prompt, labels, consumers)
plus the request its wrapper reaches (options, schema, tools, the wrapper's own prompt text).

Import-light: used by ``slmc lint``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from slmc.compiler.passmanager import Pass, PassContext
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import LLMCall, SiteKind, Verdict
from slmc.ir.nodes import Triage as TriageResult
from slmc.ir.unit import CompileUnit

NARROW_AT = 0.65  # score >= this: narrow
OPEN_AT = 0.35  # score <= this: open-ended

# Request options that cap the answer length, across client families.
MAX_TOKEN_OPTIONS = (
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "max_new_tokens",
    "num_predict",
    "n_predict",
    "max_tokens_to_sample",
    "maxOutputTokens",
)

# Prompt wording: (pattern, weight, quoted word for the reason). Word-bounded, case-insensitive.
_NARROW_WORDING: tuple[tuple[str, float, str], ...] = (
    (r"classif(?:y|ies|ication)", 1.0, "classify"),
    (r"categori[sz]e|categories|category", 0.8, "categorize"),
    (r"extract(?:s|ion)?", 1.0, "extract"),
    (
        r"(?:return|respond|reply|answer|output)\w*\s+(?:only\s+)?(?:with\s+)?(?:a\s+|an\s+|valid\s+)?json",
        1.0,
        "return JSON",
    ),
    (r"json\s+(?:object|array|format)|valid\s+json", 0.8, "JSON object"),
    (r"(?:exactly\s+)?one\s+of", 0.9, "one of"),
    (r"yes\s+or\s+no|yes/no|true\s+or\s+false", 1.0, "yes or no"),
    (r"labels?|labell?ing", 0.8, "label"),
    (r"rout(?:e|ing)\s+(?:the|this|to)", 0.6, "route"),
    (r"(?:score|rate|rating)\b[^.\n]{0,40}?\b\d+\s*(?:-|to|–)\s*\d+", 1.0, "score 1-5"),
    (r"sentiment", 0.8, "sentiment"),
    (r"intent", 0.6, "intent"),
    (
        r"(?:answer|respond|reply)\s+with\s+(?:only|just)|only\s+the\s+(?:label|name|number|category|word|answer)",
        0.9,
        "answer with only",
    ),
    (r"single\s+(?:word|label|number|token)", 0.9, "single word"),
    (r"which\s+of\s+the\s+following", 0.8, "which of the following"),
    (r"detect(?:s)?\s+(?:whether|if|the)|is\s+this\s+(?:spam|toxic|a\s)", 0.7, "detect whether"),
    (r"pars(?:e|ing)\b", 0.5, "parse"),
    (r"tag(?:s|ging)?\b", 0.4, "tag"),
    (r"normali[sz]e|convert\s+(?:the|this)", 0.5, "normalize"),
    (r"translat(?:e|ion)", 0.8, "translate"),
    (r"search\s+query|keywords?\b", 0.7, "search query"),
)
_OPEN_WORDING: tuple[tuple[str, float, str], ...] = (
    (r"write", -0.9, "write"),
    (r"draft", -1.0, "draft"),
    (r"explain(?:s|ing)?|explanation", -0.9, "explain"),
    (r"summari[sz]e|summary", -0.8, "summarize"),
    (r"chat(?:bot)?|conversation", -0.8, "chat"),
    (r"stor(?:y|ies)|poem|essay|blog|creative", -1.0, "story"),
    (r"brainstorm|ideas?\b", -0.8, "brainstorm"),
    (r"compose|describe|elaborate|in\s+detail", -0.7, "describe"),
    (r"helpful\s+assistant", -0.5, "helpful assistant"),
    (r"(?:reply|respond)\s+to\s+the\s+(?:customer|user)|friendly\s+reply", -0.8, "reply to the user"),
    (r"plan\s+(?:a|an|the)|itinerary|recommend", -0.6, "plan"),
)
_WORDING_CAP = 2.4  # cap on the summed wording weight in each direction


def _compile(table: tuple[tuple[str, float, str], ...]) -> list[tuple[re.Pattern[str], float, str]]:
    return [(re.compile(rf"\b(?:{p})", re.IGNORECASE), w, word) for p, w, word in table]


_NARROW_RES = _compile(_NARROW_WORDING)
_OPEN_RES = _compile(_OPEN_WORDING)

# Clients whose raw response is a JSON envelope: ``json.loads`` on it says nothing about the answer.
ENVELOPE_CLIENTS = frozenset({"bedrock", "http"})

# Consumer -> (weight, reason)
_CONSUMERS: dict[str, tuple[float, str]] = {
    "json.loads": (1.5, "answer parsed with json.loads"),
    "pydantic": (1.5, "answer validated by a pydantic model"),
    "label-set": (1.5, "answer checked for membership in a label set"),
    "regex": (1.0, "answer matched with a regex"),
    "int": (1.5, "answer cast to int"),
    "float": (1.3, "answer cast to float"),
    "bool": (1.2, "answer cast to bool"),
    "print": (-1.0, "answer printed"),
}


@dataclass(frozen=True)
class Evidence:
    weight: float
    reason: str


def is_expression(value: Any) -> bool:
    """Option values the frontend could not evaluate are kept as ``"<source>"`` text."""
    return isinstance(value, str) and len(value) >= 2 and value.startswith("<") and value.endswith(">")


def literal_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def max_tokens_of(options: dict[str, Any]) -> tuple[str, Any] | None:
    """The output-length option a request sets (name, value), or None when it sets none."""
    for name in MAX_TOKEN_OPTIONS:
        if name in options and options[name] is not None:
            return name, options[name]
    for nested in ("generation_config", "config", "options", "extra_body", "model_kwargs"):
        inner = options.get(nested)
        if isinstance(inner, dict):
            found = max_tokens_of(inner)
            if found:
                return found
    return None


def temperature_of(options: dict[str, Any]) -> Any:
    if "temperature" in options:
        return options["temperature"]
    for nested in ("generation_config", "config", "options", "model_kwargs"):
        inner = options.get(nested)
        if isinstance(inner, dict) and "temperature" in inner:
            return inner["temperature"]
    return None


def _describe_response_format(value: Any) -> str:
    if isinstance(value, dict):
        kind = value.get("type")
        if isinstance(kind, str):
            return kind
        return "schema"
    if is_expression(value):
        return value[1:-1]
    return str(value)


def structured_output_of(site: LLMCall) -> str | None:
    """A short description of the structured output the site asks for (``json_schema``, ``Intent``), or None."""
    for key in ("response_format", "text_format", "output_type", "format", "response_model", "response_schema"):
        value = site.options.get(key)
        if value in (None, "", "text") or (isinstance(value, dict) and value.get("type") == "text"):
            continue
        return f"{key}={_describe_response_format(value)}"
    if site.output_schema:
        return f"output schema {site.output_schema}"
    return None


def describe_tools(site: LLMCall) -> str | None:
    """``"2 tools: a, b"`` for static tools, ``"tools (`expr`)"`` when the tool list is an expression, else None."""
    if site.tools:
        return f"{len(site.tools)} tool{'s' if len(site.tools) != 1 else ''}: {', '.join(site.tools)}"
    for key in ("tools", "functions"):
        value = site.options.get(key)
        if isinstance(value, str) and value:
            return f"tools (`{value.strip('<>')}`)"
        if isinstance(value, list) and value:
            return f"{len(value)} tool{'s' if len(value) != 1 else ''}"
    return None


def option_evidence(request: LLMCall) -> list[Evidence]:
    """Evidence from the request's own options: structured output, tools, output length, temperature, streaming."""
    out: list[Evidence] = []
    structured = structured_output_of(request)
    if structured:
        out.append(Evidence(2.0, structured))
    tools = describe_tools(request)
    if tools:
        out.append(Evidence(1.2, f"offers {tools}"))
        choice = request.options.get("tool_choice")
        if choice == "required" or isinstance(choice, dict):
            out.append(Evidence(0.6, "tool call forced (tool_choice)"))
    limit = max_tokens_of(request.options)
    if limit:
        name, value = limit
        n = literal_number(value)
        if n is not None:
            if n <= 16:
                out.append(Evidence(1.2, f"{name}={int(n)}"))
            elif n <= 64:
                out.append(Evidence(0.6, f"{name}={int(n)}"))
            elif n <= 256:
                out.append(Evidence(0.2, f"{name}={int(n)}"))
            elif n >= 1000:
                out.append(Evidence(-0.7, f"{name}={int(n)} (long output)"))
    temp = literal_number(temperature_of(request.options))
    if temp is not None:
        if temp == 0:
            out.append(Evidence(0.4, "temperature=0"))
        elif temp <= 0.2:
            out.append(Evidence(0.2, f"temperature={temp:g}"))
        elif temp >= 0.9:
            out.append(Evidence(-0.7, f"temperature={temp:g} (sampling for variety)"))
    if request.stream or request.options.get("stream") is True:
        out.append(Evidence(-1.5, "answer streamed"))
    return out


def wording_evidence(texts: Iterable[str]) -> list[Evidence]:
    """Evidence from the literal prompt text: task words in each direction, capped."""
    text = "\n".join(texts)
    if not text.strip():
        return []
    out: list[Evidence] = []
    for table in (_NARROW_RES, _OPEN_RES):
        total = 0.0
        for pattern, weight, word in table:
            if abs(total) >= _WORDING_CAP:
                break
            if pattern.search(text):
                w = max(-_WORDING_CAP - total, min(_WORDING_CAP - total, weight))
                total += w
                out.append(Evidence(w, f'prompt says "{word}"'))
    return out


def use_evidence(site: LLMCall) -> list[Evidence]:
    """Evidence from the site's label set and from how its answer is consumed."""
    out: list[Evidence] = []
    if site.labels:
        out.append(Evidence(2.0, f"answer checked against {len(site.labels)} labels"))
    for consumer in dict.fromkeys(site.consumers):
        if consumer == "label-set" and site.labels:
            continue
        if consumer == "json.loads" and site.client in ENVELOPE_CLIENTS:
            continue  # the JSON parsed is the response envelope, not the model's answer
        if consumer in _CONSUMERS:
            weight, reason = _CONSUMERS[consumer]
            out.append(Evidence(weight, reason))
    return out


_HISTORY_NAME = re.compile(r"history|messages|conversation|chat|memory|turns", re.IGNORECASE)


def conversation_evidence(graph: AgentGraph, site: LLMCall) -> list[Evidence]:
    """A prompt that splices in a whole message list (``*history``) is a conversation or an agent loop."""
    prompt = graph.prompt_of(site.id)
    if prompt is None:
        return []
    for message in prompt.messages:
        holes = [p.text for p in message.parts if p.hole]
        if any(h.startswith("*") for h in holes) or (
            message.origin == "dynamic" and len(message.parts) == 1 and holes and _HISTORY_NAME.search(holes[0])
        ):
            return [Evidence(-0.8, "conversation history passed in (multi-turn)")]
    return []


def prompt_texts(graph: AgentGraph, site: LLMCall) -> list[str]:
    prompt = graph.prompt_of(site.id)
    if prompt is None:
        return []
    return [m.static_text() for m in prompt.messages]


def multi_task_wrappers(graph: AgentGraph) -> set[str]:
    """Wrapper sites whose function makes more than one LLM call (directly or through the wrappers it calls).

    Such a function is an orchestrator (``handle(ticket)`` classifying, extracting and replying), not one task: a
    call of it carries no single task's evidence.
    """
    inner: dict[tuple[str, str], list[LLMCall]] = {}
    for s in graph.sites():
        if s.site != SiteKind.WRAPPER:
            inner.setdefault((s.loc.path, s.function), []).append(s)
    memo: dict[str, bool] = {}

    def is_multi(wrapper_id: str) -> bool:
        if wrapper_id in memo:
            return memo[wrapper_id]
        memo[wrapper_id] = False  # cycle guard
        wrapper = graph.get(wrapper_id)
        if not isinstance(wrapper, LLMCall) or wrapper.site != SiteKind.WRAPPER:
            return False
        sites = inner.get((wrapper.loc.path, wrapper.function), [])
        memo[wrapper_id] = len(sites) > 1 or any(
            s.site == SiteKind.WRAPPER_CALL and s.target is not None and is_multi(s.target) for s in sites
        )
        return memo[wrapper_id]

    return {w.id for w in graph.sites(SiteKind.WRAPPER) if is_multi(w.id)}


def collect_evidence(graph: AgentGraph, site: LLMCall) -> list[Evidence]:
    """All static evidence for one site; a wrapper-call adds the evidence of the request its wrapper reaches."""
    request = graph.request_of(site.id) if site.site != SiteKind.REQUEST else site
    texts = prompt_texts(graph, site)
    evidence = use_evidence(site)
    if request is not None and request.id != site.id:
        texts += prompt_texts(graph, request)
        if site.site == SiteKind.WRAPPER:
            evidence += [e for e in use_evidence(request) if e.weight > 0]
        evidence += option_evidence(request)
        if site.options:  # options passed through the wrapper-call (e.g. temperature=0)
            own = option_evidence(site)
            seen = {e.reason.split("=", 1)[0] for e in evidence}
            evidence += [e for e in own if e.reason.split("=", 1)[0] not in seen]
    else:
        evidence += option_evidence(site)
    evidence += wording_evidence(texts)
    evidence += conversation_evidence(graph, site if request is None else request)
    return evidence


def triage_site(graph: AgentGraph, site: LLMCall, multi_task: set[str] | None = None) -> TriageResult:
    """Triage one site; ``multi_task`` is ``multi_task_wrappers(graph)`` (computed when not given)."""
    if multi_task is None:
        multi_task = multi_task_wrappers(graph)
    if site.target in multi_task or site.id in multi_task:
        name = site.target.split("@", 1)[0].removeprefix("llm:") if site.target else site.function
        what = "calls" if site.site == SiteKind.WRAPPER_CALL else "is"
        return TriageResult(Verdict.UNCLEAR, 0.5, (f"{what} `{name}`, which makes several LLM calls",))
    evidence = collect_evidence(graph, site)
    total = sum(e.weight for e in evidence)
    score = round(1.0 / (1.0 + math.exp(-total)), 3)
    if score >= NARROW_AT:
        verdict = Verdict.NARROW
    elif score <= OPEN_AT:
        verdict = Verdict.OPEN_ENDED
    else:
        verdict = Verdict.UNCLEAR
    ordered = sorted(evidence, key=lambda e: -abs(e.weight))
    reasons = tuple(dict.fromkeys(e.reason for e in ordered)) or ("no static evidence",)
    return TriageResult(verdict=verdict, score=score, reasons=reasons)


@dataclass(frozen=True)
class Triage(Pass):
    """Set ``LLMCall.triage`` on every site from static evidence."""

    name: ClassVar[str] = "triage"
    summary: ClassVar[str] = "score each LLM call narrow / open-ended / unclear from source evidence"
    requires: ClassVar[tuple[str, ...]] = ("sites",)
    provides: ClassVar[tuple[str, ...]] = ("triage",)

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        graph = unit.graph
        multi_task = multi_task_wrappers(graph)
        for site in graph.sites():
            graph.update(site.id, triage=triage_site(graph, site, multi_task))
        return unit
