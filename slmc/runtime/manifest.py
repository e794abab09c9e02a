"""Read ``slmc-manifest.yaml`` (or JSON) into a routing table: endpoints and sites, relative paths resolved.

The shape is docs/interfaces.md §4. Extra keys the router reads (all optional):

* ``defaults``: ``timeout_s`` (20), ``mode`` (serve | shadow | off), ``log`` (JSONL path for routed calls),
  ``breaker: {failures: 5, reset_s: 30}``, ``shadow: {workers: 2, queue: 256}``,
  ``sample: {rate: 0, budget_usd_per_day: null, usd_per_1m_input: 0, usd_per_1m_output: 0}`` (S6: the share of the
  calls the SLM serves that also go to the LLM in shadow, and its daily $ budget; ``slmc.runtime.sampling``).
* ``log``: top-level alias of ``defaults.log``.
* per site: ``timeout_s``, ``sample_rate`` (overrides ``defaults.sample.rate``), ``prompt_template`` (``text`` sites: a string, or a list of ``{role, content}``, with
  ``{param}`` holes named by the wrapper's parameters), ``temperature`` (0), ``adapter.kind``
  (``lora`` default | ``classifier-head`` | ``span-head`` | ``tool-head``).
* per endpoint: ``model`` (the model name the server was started with; default ``base_model`` as written),
  ``api_key_env`` (an environment variable; when it is set, requests carry ``Authorization: Bearer <its value>``).

Model and adapter paths (``endpoints.*.base_model`` when it is a path, ``sites.*.adapter.path``) are relative to the
manifest's folder (the bundle) and must stay inside it: an absolute path, ``..`` climbing out, or a symlink pointing
out is refused with a ``RuntimeWarning`` naming it, and the site falls back to the LLM (``Adapter.refused`` /
``Endpoint.refused`` say why). Only the person running the agent can allow outside paths, with
``SLMC_ALLOW_OUTSIDE_PATHS=1`` or ``load_manifest(..., allow_outside_paths=True)`` (never the manifest itself: a
crafted bundle would simply switch the check off).

Import-light: stdlib only; PyYAML is imported only for YAML files.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.runtime.sampling import SamplePolicy
from slmc.safety import UnsafePathError, resolve_within

DECISIONS = ("offload", "shadow", "keep")
MODES = ("serve", "shadow", "off")
ALLOW_OUTSIDE_ENV = "SLMC_ALLOW_OUTSIDE_PATHS"
APIS = ("openai.chat", "openai.responses", "anthropic.messages", "litellm.completion", "openai.completions", "text")
CONTRACT_KINDS = ("json", "label", "tool-call", "regex", "text")


@dataclass(frozen=True)
class Endpoint:
    name: str
    target: str  # vllm | tensorrt-llm | llamacpp | hf | any registered backend name
    url: str | None = None
    base_model: str | None = None  # resolved path when it exists next to the manifest, else as written
    model: str | None = None  # the name the server knows the base model by
    options: dict[str, Any] = field(default_factory=dict)  # the raw entry
    refused: str | None = None  # why base_model was not taken (a path outside the bundle); base_model is None then
    api_key_env: str | None = None  # variable holding the bearer token the server wants (the key is never written)


@dataclass(frozen=True)
class Adapter:
    name: str
    path: str | None = None
    int_id: int = 0
    kind: str = "lora"  # lora | classifier-head | span-head | tool-head
    lora_request: dict[str, Any] | None = None  # trtllm-serve's lora_request as written (server-side lora_path)
    refused: str | None = None  # why the path was not taken (outside the bundle); path is None then


@dataclass(frozen=True)
class Site:
    id: str
    decision: str
    api: str
    endpoint: str | None
    adapter: Adapter | None
    contract: dict[str, Any]
    threshold: float | None = None
    max_tokens: int | None = None
    timeout_s: float = 20.0
    temperature: float = 0.0
    task: str | None = None
    prompt_template: Any = None
    sample_rate: float | None = None  # None: defaults.sample.rate


@dataclass(frozen=True)
class Manifest:
    path: Path
    mode: str
    timeout_s: float
    log: str | None
    endpoints: dict[str, Endpoint]
    sites: dict[str, Site]
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0
    shadow_workers: int = 2
    shadow_queue: int = 256
    sample: SamplePolicy = field(default_factory=SamplePolicy)
    raw: dict[str, Any] = field(default_factory=dict)


def load_manifest(path: str | Path, *, allow_outside_paths: bool | None = None) -> Manifest:
    """Load and check a manifest; every problem is an ``SlmcError`` naming the file and the entry. Model and adapter
    paths outside the manifest's folder are refused (a warning each) unless ``allow_outside_paths`` (default: the
    ``SLMC_ALLOW_OUTSIDE_PATHS`` environment variable) is set."""
    path = Path(path)
    if not path.is_file():
        raise SlmcError(
            "manifest not found", path=str(path), hint="run `slmc compile` or point SLMC_MANIFEST at the bundle"
        )
    data = _read(path)
    return parse_manifest(data, path, allow_outside_paths=allow_outside_paths)


def allow_outside_default() -> bool:
    return os.environ.get(ALLOW_OUTSIDE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def parse_manifest(data: Any, path: Path, *, allow_outside_paths: bool | None = None) -> Manifest:
    """Build the routing table from already-parsed manifest data (``path`` anchors relative paths and messages)."""
    where = str(path)
    outside = allow_outside_default() if allow_outside_paths is None else allow_outside_paths
    if not isinstance(data, dict):
        raise SlmcError("manifest must be a mapping at top level", path=where, hint="see docs/interfaces.md §4")
    version = data.get("version", 1)
    if version != 1:
        raise SlmcError(f"unsupported manifest version {version!r}", path=where, hint="this runtime reads version 1")
    root = path.resolve().parent
    defaults = _mapping(data.get("defaults"), "defaults", where)
    mode = str(defaults.get("mode", "serve"))
    if mode not in MODES:
        raise SlmcError(f"defaults.mode {mode!r} is not one of {', '.join(MODES)}", path=where)
    timeout_s = _number(defaults.get("timeout_s", 20), "defaults.timeout_s", where)
    log = data.get("log", defaults.get("log"))
    breaker = _mapping(defaults.get("breaker"), "defaults.breaker", where)
    shadow = _mapping(defaults.get("shadow"), "defaults.shadow", where)
    sample = _sample_policy(_mapping(defaults.get("sample"), "defaults.sample", where), where)

    endpoints: dict[str, Endpoint] = {}
    for name, entry in _mapping(data.get("endpoints"), "endpoints", where).items():
        entry = _mapping(entry, f"endpoints.{name}", where)
        target = entry.get("target")
        if not isinstance(target, str) or not target:
            raise SlmcError(
                f"endpoint {name!r} has no target", path=where, hint="target: vllm | tensorrt-llm | hf | llamacpp"
            )
        base = entry.get("base_model")
        base_model, refused = _model_path(base, root, f"endpoints.{name}.base_model", where, outside, hub_ok=True)
        endpoints[str(name)] = Endpoint(
            name=str(name),
            target=target,
            url=str(entry["url"]).rstrip("/") if entry.get("url") else None,
            base_model=base_model,
            model=str(entry.get("model") or base) if (entry.get("model") or base) else None,
            options=dict(entry),
            refused=refused,
            api_key_env=_env_name(entry.get("api_key_env"), f"endpoints.{name}.api_key_env", where),
        )

    sites: dict[str, Site] = {}
    for site_id, entry in _mapping(data.get("sites"), "sites", where).items():
        sites[str(site_id)] = _site(
            str(site_id), _mapping(entry, f"sites.{site_id}", where), endpoints, root, timeout_s, where, outside
        )

    return Manifest(
        path=path.resolve(),
        mode=mode,
        timeout_s=timeout_s,
        log=_resolve(str(log), root) if log else None,
        endpoints=endpoints,
        sites=sites,
        breaker_failures=int(_number(breaker.get("failures", 5), "defaults.breaker.failures", where)),
        breaker_reset_s=_number(breaker.get("reset_s", 30), "defaults.breaker.reset_s", where),
        shadow_workers=max(1, int(_number(shadow.get("workers", 2), "defaults.shadow.workers", where))),
        shadow_queue=max(1, int(_number(shadow.get("queue", 256), "defaults.shadow.queue", where))),
        sample=sample,
        raw=data,
    )


def _sample_policy(entry: dict[str, Any], where: str) -> SamplePolicy:
    rate = _share(entry.get("rate", 0), "defaults.sample.rate", where)
    budget = entry.get("budget_usd_per_day")
    prices = [
        _number(entry.get(k, 0), f"defaults.sample.{k}", where) for k in ("usd_per_1m_input", "usd_per_1m_output")
    ]
    if budget is not None:
        budget = _number(budget, "defaults.sample.budget_usd_per_day", where)
        if budget < 0 or not any(prices):
            raise SlmcError(
                "defaults.sample.budget_usd_per_day needs a budget >= 0 and the LLM's price to cost samples by",
                path=where,
                hint="set defaults.sample.usd_per_1m_input and usd_per_1m_output (the LLM's $ per 1M tokens)",
            )
    if any(p < 0 for p in prices):
        raise SlmcError("defaults.sample prices must be >= 0", path=where)
    return SamplePolicy(rate, budget, prices[0], prices[1])


def _share(value: Any, name: str, where: str) -> float:
    share = _number(value, name, where)
    if not 0 <= share <= 1:
        raise SlmcError(f"{name} must be between 0 and 1, got {value!r}", path=where, hint="e.g. 0.05 for 5 %")
    return share


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _env_name(value: Any, what: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or _ENV_NAME.fullmatch(value) is None:
        raise SlmcError(f"{what} {value!r} is not an environment variable name", path=where, hint="e.g. SLMC_API_KEY")
    return value


def _site(
    site_id: str,
    entry: dict[str, Any],
    endpoints: dict[str, Endpoint],
    root: Path,
    timeout_s: float,
    where: str,
    outside: bool = False,
) -> Site:
    decision = str(entry.get("decision", "keep"))
    if decision not in DECISIONS:
        raise SlmcError(f"site {site_id!r}: decision {decision!r} is not one of {', '.join(DECISIONS)}", path=where)
    api = str(entry.get("api", "openai.chat"))
    if api not in APIS:
        raise SlmcError(f"site {site_id!r}: api {api!r} is not one of {', '.join(APIS)}", path=where)
    endpoint = entry.get("endpoint")
    if decision != "keep" and endpoint not in endpoints:
        raise SlmcError(
            f"site {site_id!r}: endpoint {endpoint!r} is not defined under endpoints",
            path=where,
            hint=f"defined endpoints: {', '.join(endpoints) or 'none'}",
        )
    contract = _mapping(entry.get("contract"), f"sites.{site_id}.contract", where) or {"kind": "text"}
    kind = contract.get("kind")
    if kind not in CONTRACT_KINDS:
        raise SlmcError(
            f"site {site_id!r}: contract kind {kind!r} is not one of {', '.join(CONTRACT_KINDS)}", path=where
        )
    if kind == "regex":
        try:
            re.compile(str(contract.get("pattern", "")))
        except re.error as exc:
            raise SlmcError(f"site {site_id!r}: contract pattern does not compile: {exc}", path=where) from None
    if kind == "label" and not contract.get("labels"):
        raise SlmcError(f"site {site_id!r}: label contract without labels", path=where, hint="add contract.labels")
    adapter = None
    raw_adapter = entry.get("adapter")
    if isinstance(raw_adapter, dict) and raw_adapter.get("name"):
        adapter_path, refused = _model_path(
            raw_adapter.get("path"), root, f"sites.{site_id}.adapter.path", where, outside
        )
        adapter = Adapter(
            name=str(raw_adapter["name"]),
            path=adapter_path,
            int_id=int(raw_adapter.get("int_id", 0)),
            kind=str(raw_adapter.get("kind", "lora")),
            lora_request=dict(raw_adapter["lora_request"])
            if isinstance(raw_adapter.get("lora_request"), dict)
            else None,
            refused=refused,
        )
    threshold = entry.get("threshold")
    max_tokens = entry.get("max_tokens")
    sample_rate = entry.get("sample_rate")
    return Site(
        id=site_id,
        decision=decision,
        api=api,
        endpoint=str(endpoint) if endpoint is not None else None,
        adapter=adapter,
        contract=dict(contract),
        threshold=None if threshold is None else _number(threshold, f"sites.{site_id}.threshold", where),
        max_tokens=None if max_tokens is None else int(_number(max_tokens, f"sites.{site_id}.max_tokens", where)),
        timeout_s=_number(entry.get("timeout_s", timeout_s), f"sites.{site_id}.timeout_s", where),
        temperature=_number(entry.get("temperature", 0.0), f"sites.{site_id}.temperature", where),
        task=entry.get("task"),
        prompt_template=entry.get("prompt_template"),
        sample_rate=None if sample_rate is None else _share(sample_rate, f"sites.{site_id}.sample_rate", where),
    )


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SlmcError(f"cannot read manifest: {exc}", path=str(path)) from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SlmcError(f"manifest is not valid JSON: {exc.msg}", path=str(path), line=exc.lineno) from None
    import yaml  # lazy: only YAML manifests need it

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SlmcError(
            f"manifest is not valid YAML: {getattr(exc, 'problem', exc)}",
            path=str(path),
            line=mark.line + 1 if mark is not None else None,
        ) from None


def _model_path(
    value: Any, root: Path, name: str, where: str, allow_outside: bool, *, hub_ok: bool = False
) -> tuple[str | None, str | None]:
    """``(path, None)`` for a model / adapter path inside the bundle (resolved against the manifest's folder); with
    ``hub_ok`` an ``org/name`` that is no local folder stays as written (a hub id). A path that escapes the bundle
    gives ``(None, why)`` and a ``RuntimeWarning`` naming it, unless ``allow_outside``."""
    if value is None or value == "":
        return None, None
    text = str(value)
    if hub_ok and ("://" in text or (_hub_id(text) and not (root / text).exists())):
        return text, None  # a URL, or what looks like an "org/model" hub id with no such local folder
    try:
        return str(resolve_within(root, Path(text).expanduser(), allow_outside=allow_outside)), None
    except (UnsafePathError, OSError, RuntimeError) as exc:
        why = f"{name} {text!r} refused: {exc}"
    hint = f"keep models inside the bundle, or set {ALLOW_OUTSIDE_ENV}=1 to allow paths outside it"
    warnings.warn(f"slmc.runtime: {where}: {why}; calls that need it fall back to the LLM ({hint})", RuntimeWarning, 3)
    return None, why


def _hub_id(text: str) -> bool:
    """``org/name`` as the hub spells model ids (no scheme, not absolute, no ``.``/``..`` parts, one slash)."""
    return (
        "://" not in text
        and text.count("/") == 1
        and not text.startswith(("/", ".", "~"))
        and all(part and part not in (".", "..") for part in text.split("/"))
    )


def _resolve(value: Any, root: Path, *, hub_ok: bool = False) -> str:
    """A path relative to the manifest's folder, made absolute; with ``hub_ok``, an ``org/name`` that is no local
    folder stays as written (a hub id)."""
    text = str(value)
    if "://" in text:
        return text
    candidate = Path(text).expanduser()
    if candidate.is_absolute():
        return str(candidate)
    local = root / candidate
    if not hub_ok or local.exists() or text.startswith(".") or text.count("/") != 1:
        return str(local)
    return text  # looks like an "org/model" hub id and no such local folder


def _mapping(value: Any, name: str, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SlmcError(f"{name} must be a mapping, got {type(value).__name__}", path=where)
    return value


def _number(value: Any, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SlmcError(f"{name} must be a number, got {value!r}", path=where)
    return float(value)
