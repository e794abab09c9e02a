"""Configs for the gateways teams already route with, for the offloaded sites a server answers over HTTP.

``litellm/config.yaml``: a LiteLLM proxy / ``litellm.Router`` config. Each offloaded task is one OpenAI-compatible
model name (``<agent>/<task>``) served by the bundle's small-model server (the adapter chosen the way the runtime
chooses it: vLLM by model name, llama-server by ``lora`` id, trtllm-serve by ``lora_request``), with the LLM model the
task's sites called as its fallback (``router_settings.fallbacks``).

``semantic-router/config.yaml``: a vLLM Semantic Router (``vllm-sr``, config ``version: v0.3``) config: one decision
per task on a vLLM endpoint, matched by the task's keywords and examples from the clustering, routed to its LoRA
adapter; every other request goes to the LLM (the default model). Best effort: the keywords and examples are what
the clustering found, tune the thresholds on your traffic.

Neither gateway checks answers: a small model's answer that breaks the site's contract or its confidence threshold
is returned as it is (the slmc runtime falls back to the LLM there); a gateway falls back on errors only.
Everything is dumped with ``yaml.safe_dump`` (no name can change the structure); names from data go through
``slmc.safety.to_slug`` where they become identifiers. See docs/interfaces.md §4a.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import LLMCall, Task
from slmc.safety import safe_join, task_slug, to_slug

LITELLM_CONFIG = "litellm/config.yaml"
SEMANTIC_ROUTER_CONFIG = "semantic-router/config.yaml"
UNKNOWN_LLM = "replace-with-your-llm"  # the LLM of a site neither the code nor the traces name
SR_PORT = 8899  # vllm-sr's own starter config listens here
SR_TASK_PRIORITY = 200  # a task's decision wins over the catch-all LLM route
SR_DEFAULT_PRIORITY = 10
SR_EMBEDDING_THRESHOLD = 0.7

# slmc client -> (LiteLLM provider prefix, API-key variable) for the LLM fallback; any other client: OpenAI's
_LITELLM_PROVIDERS: dict[str, tuple[str, str | None]] = {
    "openai": ("openai", "OPENAI_API_KEY"),
    "openai-v0": ("openai", "OPENAI_API_KEY"),
    "azure-openai": ("azure", "AZURE_API_KEY"),
    "anthropic": ("anthropic", "ANTHROPIC_API_KEY"),
    "google": ("gemini", "GEMINI_API_KEY"),
    "bedrock": ("bedrock", None),  # AWS credentials from the environment
}
# slmc client -> (vllm-sr provider id, API-key variable); any other client: OpenAI's
_SR_PROVIDERS: dict[str, tuple[str, str]] = {
    "anthropic": ("anthropic", "ANTHROPIC_API_KEY"),
    "google": ("gemini", "GEMINI_API_KEY"),
}


@dataclass
class GatewayRoute:
    """One offloaded task served over HTTP, as a gateway sees it."""

    name: str  # OpenAI-compatible model name the gateway serves it under: <agent>/<task>
    task: str | None
    sites: list[str]
    endpoint: str
    target: str
    url: str
    model: str  # the ``model`` field the small-model server needs
    base: str  # the endpoint's served base model
    adapter: str | None  # adapter name (vLLM: a model name of its own)
    extra_body: dict[str, Any] | None  # adapter selection outside ``model`` (llama-server, trtllm-serve)
    api_key_env: str | None
    llm: list[str] = field(default_factory=list)  # LLM model(s) the sites called: the fallback
    llm_client: str = "openai"
    keywords: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


@dataclass
class Gateways:
    routes: list[GatewayRoute]
    notes: list[str]  # what could not be mapped, and why (written as comments)


def gateway_routes(graph: AgentGraph, manifest: Mapping[str, Any]) -> Gateways:
    """The offloaded sites of ``manifest`` that an HTTP endpoint serves, one route per task (and adapter)."""
    agent = to_slug(str(manifest.get("agent", {}).get("name") or "agent"))
    endpoints: Mapping[str, Any] = manifest.get("endpoints", {})
    routes: dict[tuple[str, str, str | None], GatewayRoute] = {}
    names: set[str] = set()
    notes: list[str] = []
    for site_id, site in manifest.get("sites", {}).items():
        if site.get("decision") != "offload" or not site.get("endpoint"):
            continue
        ep = endpoints.get(site["endpoint"], {})
        if not ep.get("url"):
            notes.append(f"{site_id}: endpoint {site['endpoint']} ({ep.get('target')}) runs in-process, no URL")
            continue
        adapter = site.get("adapter") or {}
        if adapter.get("kind") == "classifier-head":  # a vLLM pooling server answers POST /classify, not chat
            notes.append(f"{site_id}: endpoint {site['endpoint']} is a classifier (POST /classify), not a chat model")
            continue
        selection = _selection(ep, adapter)
        if selection is None:  # a target of a plug-in: OpenAI-compatible servers mostly take adapters as models
            selection = (str(adapter["name"]), None)
            notes.append(f"{site_id}: target {ep['target']} assumed to select adapter {adapter['name']} by model name")
        task = site.get("task")
        key = (task or site_id, site["endpoint"], adapter.get("name"))
        route = routes.get(key)
        if route is None:
            base = f"{agent}/{task_slug(task) if task else to_slug(site_id)}"
            name, n = base, 1
            while name in names:
                n += 1
                name = f"{base}-{n}"
            names.add(name)
            model, extra = selection
            node = graph.get(task) if task else None
            route = routes[key] = GatewayRoute(
                name=name,
                task=task,
                sites=[],
                endpoint=site["endpoint"],
                target=str(ep["target"]),
                url=str(ep["url"]),
                model=model,
                base=str(ep.get("model") or ep.get("base_model")),
                adapter=adapter.get("name"),
                extra_body=extra,
                api_key_env=ep.get("api_key_env"),
                keywords=[str(k) for k in node.keywords] if isinstance(node, Task) else [],
                examples=[str(e) for e in node.examples] if isinstance(node, Task) else [],
            )
        route.sites.append(site_id)
        llm, client = _llm_of(graph, site_id)
        if llm not in route.llm:
            route.llm.append(llm)
        if client:
            route.llm_client = client
    return Gateways(list(routes.values()), notes)


def _selection(ep: Mapping[str, Any], adapter: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None] | None:
    """The request's ``model`` and extra body fields that select ``adapter`` on ``ep``, as the runtime sends them."""
    base = str(ep.get("model") or ep.get("base_model"))
    if not adapter:
        return base, None
    target = ep.get("target")
    if target == "vllm":
        return str(adapter["name"]), None
    if target == "llamacpp":
        return base, {"lora": [{"id": adapter["int_id"], "scale": 1.0}]}
    if target == "tensorrt-llm":
        request = adapter.get("lora_request") or {
            "lora_name": adapter["name"],
            "lora_int_id": adapter["int_id"],
            "lora_path": adapter["path"],
        }
        return base, {"lora_request": dict(request)}
    return None


def _llm_of(graph: AgentGraph, site_id: str) -> tuple[str, str | None]:
    """The LLM model a site called (from the code, else the traces) and its client; ``UNKNOWN_LLM`` when none."""
    site = graph.get(site_id)
    request = graph.request_of(site_id)
    calls = [c for c in (site, request) if isinstance(c, LLMCall)]
    client = next((c.client for c in calls if c.client and c.client != "unknown"), None)
    for c in calls:
        if c.model:
            return c.model, client
    for c in calls:
        if c.traffic and c.traffic.models:
            return c.traffic.models[0], client
    return UNKNOWN_LLM, client


# ---- LiteLLM ------------------------------------------------------------------------------------------------------
def litellm_config(gateways: Gateways, manifest: Mapping[str, Any]) -> dict[str, Any]:
    """A LiteLLM proxy config (``litellm --config``; its ``model_list`` and ``router_settings`` also build a
    ``litellm.Router``)."""
    timeout = manifest.get("defaults", {}).get("timeout_s")
    model_list: list[dict[str, Any]] = []
    llms: dict[str, str] = {}
    for r in gateways.routes:
        params: dict[str, Any] = {
            "model": f"openai/{r.model}",
            "api_base": r.url,
            "api_key": f"os.environ/{r.api_key_env}" if r.api_key_env else "no-key",
        }
        if timeout:
            params["timeout"] = timeout
        params["num_retries"] = 0  # a failing small model goes straight to the LLM, as in the slmc runtime: no
        params["max_retries"] = 0  # retries by the Router (with back-off) nor by the OpenAI client
        if r.extra_body:
            params["extra_body"] = r.extra_body
        info: dict[str, Any] = {"mode": "chat", "slmc_sites": list(r.sites)}
        if r.task:
            info["slmc_task"] = r.task
        model_list.append({"model_name": r.name, "litellm_params": params, "model_info": info})
        for llm in r.llm:
            llms.setdefault(llm, r.llm_client)
    for llm, client in llms.items():
        model_list.append({"model_name": llm, "litellm_params": _litellm_llm_params(llm, client)})
    fallbacks = [{r.name: list(r.llm)} for r in gateways.routes]
    return {"model_list": model_list, "router_settings": {"fallbacks": fallbacks}}


def _litellm_llm_params(model: str, client: str) -> dict[str, Any]:
    if client == "litellm":  # the code already calls LiteLLM: its model string is LiteLLM's, keys from the env
        return {"model": model}
    prefix, key_env = _LITELLM_PROVIDERS.get(client, _LITELLM_PROVIDERS["openai"])
    params: dict[str, Any] = {"model": f"{prefix}/{model}"}
    if key_env:
        params["api_key"] = f"os.environ/{key_env}"
    if prefix == "azure":
        params["api_base"] = "os.environ/AZURE_API_BASE"
        params["api_version"] = "os.environ/AZURE_API_VERSION"
    return params


# ---- vLLM Semantic Router -----------------------------------------------------------------------------------------
def semantic_router_config(gateways: Gateways) -> tuple[dict[str, Any] | None, list[str]]:
    """A vLLM Semantic Router config (v0.3): a decision for each task on a vLLM endpoint that has keywords or
    examples, the LLM for the rest; None when no offloaded task is on a vLLM endpoint. Also returns what was left
    out, and why."""
    notes: list[str] = []
    routes = []
    for r in gateways.routes:
        if r.target != "vllm":
            notes.append(f"{r.name}: served by {r.target}, whose adapter the semantic router cannot select")
        elif not r.keywords and not r.examples:
            notes.append(f"{r.name}: no keywords or examples recorded for its task, nothing to match it by")
        else:
            routes.append(r)
    if not any(r.target == "vllm" for r in gateways.routes):
        return None, notes
    votes = Counter(llm for r in gateways.routes for llm in r.llm for _ in r.sites)
    default = min(votes, key=lambda m: (-votes[m], m)) if votes else UNKNOWN_LLM
    clients = {llm: r.llm_client for r in gateways.routes for llm in r.llm}
    cards: dict[str, dict[str, Any]] = {}
    providers: dict[str, dict[str, Any]] = {}
    keywords: list[dict[str, Any]] = []
    embeddings: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    for r in routes:
        base = r.base
        if base not in providers:
            backend: dict[str, Any] = {"name": to_slug(r.endpoint), "base_url": r.url, "provider": "vllm"}
            if r.api_key_env:
                backend["api_key_env"] = r.api_key_env
            providers[base] = {"name": base, "provider_model_id": base, "backend_refs": [backend]}
            cards[base] = {"name": base}
        ref: dict[str, Any] = {"model": base, "use_reasoning": False}
        if r.adapter is not None:
            cards[base].setdefault("loras", []).append({"name": r.adapter, "description": f"slmc task {r.task}"})
            ref["lora_name"] = r.adapter
        signal = to_slug(r.name.replace("/", "-"))
        conditions = []
        if r.keywords:
            keywords.append({"name": signal, "operator": "OR", "keywords": list(r.keywords), "case_sensitive": False})
            conditions.append({"type": "keyword", "name": signal})
        if r.examples:
            embeddings.append(
                {
                    "name": signal,
                    "threshold": SR_EMBEDDING_THRESHOLD,
                    "aggregation_method": "max",
                    "candidates": list(r.examples),
                }
            )
            conditions.append({"type": "embedding", "name": signal})
        decisions.append(
            {
                "name": signal,
                "description": f"slmc task {r.task or r.name}: sites {', '.join(r.sites)}",
                "priority": SR_TASK_PRIORITY,
                "rules": {"operator": "OR", "conditions": conditions},
                "modelRefs": [ref],
            }
        )
    llm_models = sorted({llm for r in gateways.routes for llm in r.llm} | {default})
    for llm in llm_models:
        provider, key_env = _SR_PROVIDERS.get(clients.get(llm) or "openai", ("openai", "OPENAI_API_KEY"))
        backend = {"name": to_slug(f"llm-{provider}"), "provider": provider, "api_key_env": key_env}
        providers[llm] = {"name": llm, "provider_model_id": llm, "backend_refs": [backend]}
        cards[llm] = {"name": llm}
    taken = {d["name"] for d in decisions}
    default_name, n = "llm-default", 1
    while default_name in taken:  # an agent "llm" with a task "default"
        n += 1
        default_name = f"llm-default-{n}"
    decisions.append(
        {
            "name": default_name,
            "description": "every other request: the LLM, as before",
            "priority": SR_DEFAULT_PRIORITY,
            "rules": {"operator": "AND", "conditions": []},
            "modelRefs": [{"model": default, "use_reasoning": False}],
        }
    )
    signals: dict[str, Any] = {}
    if keywords:
        signals["keywords"] = keywords
    if embeddings:
        signals["embeddings"] = embeddings
    doc = {
        "version": "v0.3",
        "listeners": [{"name": f"http-{SR_PORT}", "address": "127.0.0.1", "port": SR_PORT, "timeout": "300s"}],
        "providers": {"defaults": {"model": default}, "models": list(providers.values())},
        "routing": {"modelCards": list(cards.values()), "signals": signals, "decisions": decisions},
    }
    return doc, notes


# ---- files --------------------------------------------------------------------------------------------------------
def write_gateways(graph: AgentGraph, manifest: Mapping[str, Any], out: Path) -> list[str]:
    """Write the gateway configs of the bundle folder ``out``; returns the bundle-relative paths written (none when
    no offloaded site is served over HTTP)."""
    gateways = gateway_routes(graph, manifest)
    if not gateways.routes:
        return []
    agent = _comment(manifest.get("agent", {}).get("name"))
    written = []
    head = [
        f"LiteLLM proxy config for {agent}'s offloaded call sites, generated by slmc (docs/interfaces.md 4a).",
        "Start: SLMC_API_KEY=... OPENAI_API_KEY=... litellm --config litellm/config.yaml  (pip install 'litellm[proxy]')",
        "or in Python: litellm.Router(model_list=config['model_list'], **config['router_settings']).",
        "Each task is a model name: call it where the site called the LLM (its sites: model_info.slmc_sites).",
        "The gateway falls back to the LLM model on errors only; it does not check the site's contract as the",
        "slmc runtime does.",
    ]
    unknown = [r.name for r in gateways.routes if UNKNOWN_LLM in r.llm]
    if unknown:
        head.append(
            f"The LLM of {', '.join(unknown)} was found neither in the code nor in the traces: replace {UNKNOWN_LLM}."
        )
    head += [f"Not here: {note}" for note in gateways.notes]
    _write(out, LITELLM_CONFIG, head, litellm_config(gateways, manifest))
    written.append(LITELLM_CONFIG)
    doc, sr_notes = semantic_router_config(gateways)
    if doc is not None:
        head = [
            f"vLLM Semantic Router config (v0.3) for {agent}'s offloaded tasks, generated by slmc "
            "(docs/interfaces.md 4a).",
            "Check: vllm-sr config validate --config semantic-router/config.yaml",
            "Start: vllm-sr serve --config semantic-router/config.yaml  (pip install vllm-sr)",
            "Best effort: each task's decision matches the keywords and examples the clustering found; tune them and",
            "the embedding threshold on your traffic. Every other request goes to the LLM (providers.defaults.model).",
        ]
        if unknown:
            head.append(f"The LLM of some tasks is unknown: replace {UNKNOWN_LLM}.")
        head += [f"Not here: {note}" for note in [*gateways.notes, *sr_notes]]
        _write(out, SEMANTIC_ROUTER_CONFIG, head, doc)
        written.append(SEMANTIC_ROUTER_CONFIG)
    return written


def _comment(value: Any) -> str:
    """Text for a ``#`` comment line: one line, printable."""
    return "".join(ch if ch.isprintable() else "?" for ch in " ".join(str(value).split()))


def _write(out: Path, rel: str, head: list[str], doc: dict[str, Any]) -> None:
    path = safe_join(out, rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "".join(f"# {_comment(line)}\n" for line in head)
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=False, width=120)
    path.write_text(header + body, encoding="utf-8")
