"""Run the lint rules over a triaged agent graph and produce ``Diagnostic``s (unfiltered: selection, per-file
ignores and ``# slmc: noqa`` are applied by ``slmc.lint.api``).

Where each finding is reported:

* offload rules (SLM101-103) at the site that ``slmc compile`` would serve: wrapper-calls, and requests or framework
  tasks that no called wrapper reaches (a wrapper's own def is never reported);
* request rules (SLM203, SLM301, SLM302) once, at the request whose code sets the option;
* prompt rules (SLM201, SLM202) at every site whose literal prompt text contains the finding;
* SLM303 at the site whose answer is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from slmc.errors import Diagnostic, Severity
from slmc.guard import Guard
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import LLMCall, SiteKind, Verdict
from slmc.lazyre import lazy
from slmc.lint.rules import BY_CODE, Rule
from slmc.passes.triage import (
    ENVELOPE_CLIENTS,
    describe_tools,
    is_expression,
    literal_number,
    max_tokens_of,
    multi_task_wrappers,
    structured_output_of,
    temperature_of,
    triage_site_guarded,
)

LinesOf = Callable[[str], Sequence[str]]

# Clients whose ``model`` is a provider alias that can move (local runtimes and Azure deployments are not).
HOSTED_CLIENTS = frozenset(
    {
        "openai",
        "openai-v0",
        "anthropic",
        "litellm",
        "langchain",
        "llamaindex",
        "bedrock",
        "google",
        "cohere",
        "mistral",
        "groq",
    }
)

# Output-length option name per client family (for the SLM203 message).
_LIMIT_OPTION = {
    "hf": "max_new_tokens",
    "google": "max_output_tokens",
    "ollama": "num_predict",
    "llamacpp": "max_tokens",
}
_LIMIT_OPTION_BY_API = {"responses.create": "max_output_tokens"}

# Dated snapshots to suggest for common moving aliases.
KNOWN_SNAPSHOTS = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "chatgpt-4o-latest": "gpt-4o-2024-08-06",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-4-turbo": "gpt-4-turbo-2024-04-09",
    "gpt-4": "gpt-4-0613",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
    "o1": "o1-2024-12-17",
    "o3-mini": "o3-mini-2025-01-31",
    "claude-3-5-sonnet-latest": "claude-3-5-sonnet-20241022",
    "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
    "claude-3-7-sonnet-latest": "claude-3-7-sonnet-20250219",
    "claude-3-opus-latest": "claude-3-opus-20240229",
    "gemini-1.5-pro": "gemini-1.5-pro-002",
    "gemini-1.5-flash": "gemini-1.5-flash-002",
    "gemini-2.0-flash": "gemini-2.0-flash-001",
    "mistral-large-latest": "mistral-large-2411",
    "mistral-small-latest": "mistral-small-2409",
}

_PINNED = lazy(
    r"\d{4}-\d{2}-\d{2}"  # 2024-08-06
    r"|\d{8}"  # 20241022, @20240620
    r"|(?:^|[-_@.])\d{4}(?:$|[-_:])"  # -0613, -2411, -1106-preview
    r"|-\d{3}$"  # gemini-1.5-pro-002
    r"|-v\d+(?::\d+)?$"  # bedrock ...-v1:0
    r"|\d{2}-\d{4}"  # command-r-08-2024
)


def is_pinned_model(model: str) -> bool:
    name = model.rsplit("/", 1)[-1]
    if "latest" in name.lower():
        return False
    return bool(_PINNED.search(name))


def snapshot_example(model: str) -> str:
    name = model.rsplit("/", 1)[-1]
    prefix = model[: len(model) - len(name)]
    if name in KNOWN_SNAPSHOTS:
        return prefix + KNOWN_SNAPSHOTS[name]
    base = re.sub(r"-?latest$", "", name).rstrip("-") or name
    return f"{prefix}{base}-YYYY-MM-DD"


# ---- secrets and personal data ------------------------------------------------------------------------------------
# One detector for lint and scrub (slmc.pii): lint names what it found, scrub replaces it.
_SECRET_SPANS = frozenset({"API_KEY", "JWT", "PRIVATE_KEY", "TOKEN", "CREDENTIALS", "SECRET"})
_PII_SPANS = {"EMAIL": "an email address", "PHONE": "a phone number", "CARD": "a payment card number"}
_KEY_FAMILIES: tuple[tuple[str, str], ...] = (
    ("sk-ant-", "an Anthropic API key"),
    ("sk-", "an OpenAI API key"),
    ("AKIA", "an AWS access key id"),
    ("ASIA", "an AWS access key id"),
    ("gh", "a GitHub token"),
    ("github_pat_", "a GitHub token"),
    ("xox", "a Slack token"),
    ("AIza", "a Google API key"),
    ("hf_", "a Hugging Face token"),
    ("glpat-", "a GitLab token"),
    ("npm_", "an npm token"),
)
_RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
_RESERVED_TLDS = (".example", ".test", ".invalid", ".localhost", ".local")
_TEST_CARDS = frozenset(
    {"4111111111111111", "4242424242424242", "5555555555554444", "378282246310005", "4000056655665556"}
)


def redact(text: str, keep: int = 6) -> str:
    return text[:keep] + "…" if len(text) > keep else text


def _secret_kind(span_kind: str, value: str, before: str) -> str:
    if span_kind == "API_KEY":
        return next((name for prefix, name in _KEY_FAMILIES if value.startswith(prefix)), "an API key")
    if span_kind == "JWT":
        return "a JSON web token"
    if span_kind == "PRIVATE_KEY":
        return "a private key"
    if span_kind == "CREDENTIALS":
        return "credentials in a URL"
    if span_kind == "TOKEN" and before.rstrip().lower().endswith("bearer"):
        return "a bearer token"
    return "a secret" if span_kind == "SECRET" else "a secret-looking token"


def _spans(text: str) -> list:
    from slmc.pii.detectors import find_spans

    # prompts are source text: no name/address guessing, no base64 decoding (too noisy for a lint)
    return find_spans(text, names=False, addresses=False, decode=False)


def find_secrets(text: str) -> list[tuple[str, str]]:
    """(kind, redacted preview) for each secret-like token in ``text`` (slmc.pii's detector)."""
    return [
        (
            _secret_kind(s.kind, text[s.start : s.end], text[max(0, s.start - 12) : s.start]),
            redact(text[s.start : s.end]),
        )
        for s in _spans(text)
        if s.kind in _SECRET_SPANS
    ]


def find_pii(text: str) -> list[tuple[str, str]]:
    """(kind, preview) for each email address, phone number or payment card number in ``text`` (slmc.pii's
    detector); reserved example domains, fictional 555-01xx numbers and well-known test cards are not reported."""
    found: list[tuple[str, str]] = []
    for s in _spans(text):
        kind = _PII_SPANS.get(s.kind)
        value = text[s.start : s.end]
        if kind is None:
            continue
        if s.kind == "EMAIL":
            domain = value.rsplit("@", 1)[-1].lower()
            if domain in _RESERVED_DOMAINS or domain.endswith(tuple("." + d for d in _RESERVED_DOMAINS)):
                continue
            if domain.endswith(_RESERVED_TLDS):
                continue
        digits = re.sub(r"\D", "", value)
        if s.kind == "CARD":
            if digits in _TEST_CARDS:
                continue
            value = "…" + digits[-4:]
        if s.kind == "PHONE" and re.search(r"555[\s.\-]?01\d\d$", value.strip()):
            continue  # reserved fictional numbers 555-0100..0199
        found.append((kind, value.strip()))
    return found


# ---- the checker --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    rule: Rule
    site: LLMCall
    values: dict[str, Any]


def _diagnostic(finding: Finding) -> Diagnostic:
    rule, site, values = finding.rule, finding.site, finding.values
    loc = site.loc
    data = {k: v for k, v in values.items() if isinstance(v, str | int | float | bool | list | tuple)}
    if site.triage is not None:
        data.update(verdict=str(site.triage.verdict), score=site.triage.score, reasons=list(site.triage.reasons))
    return Diagnostic(
        path=loc.path,
        line=loc.line,
        col=loc.col,
        code=rule.code,
        message=rule.format_message(**values),
        severity=rule.severity,
        name=rule.name,
        end_line=loc.end_line or loc.line,
        end_col=loc.end_col,
        fix=rule.format_fix(**values) or None,
        site=site.id,
        data=data,
    )


def _ensure_triage(graph: AgentGraph) -> None:
    multi_task: set[str] | None = None
    for site in graph.sites():
        if site.triage is None:
            multi_task = multi_task_wrappers(graph) if multi_task is None else multi_task
            graph.update(site.id, triage=triage_site_guarded(graph, site, multi_task))


def _narrow(site: LLMCall) -> bool:
    return site.triage is not None and site.triage.verdict == Verdict.NARROW


def reported_sites(graph: AgentGraph) -> list[LLMCall]:
    """Sites the offload rules report at: wrapper-calls, and requests/framework tasks no called wrapper reaches."""
    called_wrappers = {s.target for s in graph.sites(SiteKind.WRAPPER_CALL) if s.target}
    covered = {w.target for w in graph.sites(SiteKind.WRAPPER) if w.id in called_wrappers and w.target}
    out = []
    for site in graph.sites():
        if site.site == SiteKind.WRAPPER:
            continue
        if site.site in (SiteKind.REQUEST, SiteKind.FRAMEWORK_TASK) and site.id in covered:
            continue
        out.append(site)
    return out


def _offload_finding(graph: AgentGraph, site: LLMCall) -> Finding | None:
    if not _narrow(site):
        return None
    assert site.triage is not None
    request = graph.request_of(site.id) or site
    common = {"score": site.triage.score, "reasons": ", ".join(site.triage.reasons[:3]), "verdict": "narrow"}
    structure = structured_output_of(request) or structured_output_of(site)
    tools = describe_tools(request) or describe_tools(site)
    if structure or tools:
        return Finding(BY_CODE["SLM102"], site, {**common, "structure": structure or tools})
    labels = site.labels or request.labels
    if labels:
        return Finding(BY_CODE["SLM103"], site, {**common, "count": len(labels), "labels": ", ".join(labels)})
    return Finding(BY_CODE["SLM101"], site, common)


def _limit_option(request: LLMCall) -> str:
    if request.api in _LIMIT_OPTION_BY_API:
        return _LIMIT_OPTION_BY_API[request.api]
    return _LIMIT_OPTION.get(request.client, "max_tokens")


def _request_findings(request: LLMCall, narrow: bool, lines_of: LinesOf | None) -> Iterator[Finding]:
    if narrow and max_tokens_of(request.options) is None and request.site == SiteKind.REQUEST:
        yield Finding(BY_CODE["SLM203"], request, {"option": _limit_option(request)})
    temp = literal_number(temperature_of(request.options))
    if narrow and temp is not None and temp > 0.5:
        yield Finding(BY_CODE["SLM302"], request, {"temperature": temp})
    if request.client not in HOSTED_CLIENTS or request.site != SiteKind.REQUEST:
        return
    if request.model:
        if not is_pinned_model(request.model):
            problem = f"Model `{request.model}` is a moving alias (no date or version)"
            yield Finding(
                BY_CODE["SLM301"],
                request,
                {"problem": problem, "example": snapshot_example(request.model), "model": request.model},
            )
        return
    source = _model_source(request, lines_of)
    if not source:
        return  # the model is set elsewhere (client constructor, framework object): nothing to quote or blame here
    problem = f"Model comes from `{source}`, which is not pinned in the source"
    yield Finding(BY_CODE["SLM301"], request, {"problem": problem, "example": "gpt-4o-2024-08-06", "model": source})


_MODEL_KWARG = lazy(r"\bmodel\s*=\s*([^,\n]+?)\s*(?:,|\)\s*$|$)")


def _model_source(request: LLMCall, lines_of: LinesOf | None) -> str:
    """The source of a non-literal ``model=`` argument (from options, else the call's source lines), or ''."""
    expr = request.options.get("model")
    if is_expression(expr):
        return expr[1:-1]
    if lines_of is None:
        return ""
    lines = lines_of(request.loc.path)
    last = min(len(lines), max(request.loc.end_line, request.loc.line))
    for text in lines[request.loc.line - 1 : last]:
        m = _MODEL_KWARG.search(text.split("#", 1)[0])
        if m and not m.group(1).startswith(("'", '"')):
            return m.group(1)
    return ""


def _prompt_findings(graph: AgentGraph, site: LLMCall) -> Iterator[Finding]:
    texts: list[str] = []
    prompt = graph.prompt_of(site.id)
    if prompt is not None:
        texts += [m.static_text() for m in prompt.messages]
    texts += [v for k, v in site.options.items() if isinstance(v, str) and k != "model" and not is_expression(v)]
    seen: set[tuple[str, str]] = set()
    for text in texts:
        for kind, preview in find_secrets(text):
            if (kind, preview) not in seen:
                seen.add((kind, preview))
                yield Finding(BY_CODE["SLM201"], site, {"kind": kind, "preview": preview})
    seen.clear()
    for text in texts:
        secrets = {p for _, p in find_secrets(text)}
        for kind, preview in find_pii(text):
            if (kind, preview) not in seen and redact(preview) not in secrets:
                seen.add((kind, preview))
                yield Finding(BY_CODE["SLM202"], site, {"kind": kind, "preview": preview})


def _json_finding(graph: AgentGraph, site: LLMCall) -> Finding | None:
    request = graph.request_of(site.id) or site
    parsers = {"json.loads", "pydantic"} if request.client not in ENVELOPE_CLIENTS else {"pydantic"}
    if not parsers & set(site.consumers):
        return None
    if structured_output_of(request) or structured_output_of(site) or describe_tools(request) or describe_tools(site):
        return None
    if "**" in request.options:
        return None  # options come through **kwargs: JSON mode may well be among them
    if request.client not in HOSTED_CLIENTS | {"azure-openai"}:
        return None  # local runtimes constrain output by other means (grammars)
    return Finding(BY_CODE["SLM303"], site, {})


def check_graph(graph: AgentGraph, lines_of: LinesOf | None = None) -> list[Diagnostic]:
    """All lint findings of the graph (runs static triage on sites that have none).

    ``lines_of(path)`` gives a file's source lines; only used to quote a model expression in a message.
    """
    _ensure_triage(graph)
    findings: list[Finding] = []
    narrow_requests: set[str] = set()
    internal: list[Diagnostic] = []  # a bug of ours on one site: that site's findings only are lost
    guard = Guard(lambda path, line, message: internal.append(_internal_error(path, line, message)))
    for site in reported_sites(graph):
        with guard.unit("lint rules", site):
            finding = _offload_finding(graph, site)
            if finding:
                findings.append(finding)
            json_finding = _json_finding(graph, site)
            if json_finding:
                findings.append(json_finding)
    for site in graph.sites():
        with guard.unit("lint rules", site):
            if _narrow(site) and site.site != SiteKind.WRAPPER:
                request = graph.request_of(site.id)
                if request is not None:
                    narrow_requests.add(request.id)
            if site.site != SiteKind.WRAPPER:  # a wrapper's def carries the prompt of the request it reaches
                findings.extend(_prompt_findings(graph, site))
    for request in graph.sites(SiteKind.REQUEST, SiteKind.FRAMEWORK_TASK):
        with guard.unit("lint rules", request):
            findings.extend(_request_findings(request, request.id in narrow_requests, lines_of))
    diagnostics: list[Diagnostic] = []
    for f in findings:
        with guard.unit("lint rules", f.site):
            diagnostics.append(_diagnostic(f))
    return sorted([*diagnostics, *internal], key=lambda d: (d.path, d.line, d.col, d.code, d.message))


def _internal_error(path: str, line: int, message: str) -> Diagnostic:
    """An internal error of the lint rules on one site, reported like the frontend's (E003 at the site)."""
    return Diagnostic(path, line, 1, "E003", message, Severity.ERROR, name="file-skipped")
