"""``slmc monitor``: how the offloaded sites of a deployed bundle do on live traffic, read from the router log.

Per site of the manifest that the router serves (``offload`` / ``shadow``):

* live agreement with the LLM where both answered: shadow runs and sampled calls (``paired``), scored as the gate
  scores (``slmc.answers.answers_agree`` under the site's contract kind; an SLM answer that broke the contract
  disagrees), with its 95 % Wilson interval; fallbacks where the SLM had answered are scored apart (``rejected``),
  since the router chose them for being doubtful;
* fallback rate, and the fallbacks by cause;
* input drift: the share of new inputs farther from the training inputs than 95 % of those were
  (``slmc.analysis.drift``, profile from the bundle's ``report/monitor.json``), in the SLM's own encoder space when
  the site's replacement is an encoder head on MiniLM and MiniLM is installed where the monitor runs, else in the
  hashed n-gram space (``drift.space`` says which, ``drift.note`` why the fallback), and answers of the LLM the
  contract has not seen (new labels, tool names, JSON keys);
* $ per 1k calls measured from the log: the LLM's calls (fallbacks, shadow runs, samples) at the price table's rate
  for the model they asked for, plus the SLM's tokens at the serving cost compile estimated.

A site is **below its gate** when, with at least ``min_paired`` paired calls, even the upper end of the agreement's
interval is under the gate's target (it is worse than the target beyond chance), or, with at least ``min_calls``
calls, its fallback rate is above the gate's ``max_fallback``. It has **drifted** when, with at least ``min_calls``
inputs, more than ``drift_share`` of them lie outside the training inputs, or the LLM gave answers the contract does
not know. Targets come from the bundle (the gate the compile used), else the defaults, else the command line.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slmc.analysis import drift
from slmc.answers import answers_agree, normalize_label, parse_json, parse_tool_calls
from slmc.errors import SlmcError
from slmc.safety import UnsafePathError, safe_join
from slmc.traces.record import TraceRecord

MONITOR_FILE = "monitor.json"  # in the bundle's report/ folder
MANIFEST_NAME = "slmc-manifest.yaml"
DEFAULT_TARGET = 0.95
DEFAULT_MAX_FALLBACK = 0.5
_ENCODER_FAILURES = (ImportError, OSError, RuntimeError, ValueError, SlmcError)  # MiniLM missing parts or broken


@dataclass
class Thresholds:
    target: float | None = None  # None: the bundle's gate, else DEFAULT_TARGET
    max_fallback: float | None = None
    min_paired: int = 20
    min_calls: int = 20
    drift_share: float = 0.25


@dataclass
class SiteWatch:
    site: str
    decision: str
    task: str | None
    kind: str
    calls: int = 0
    routes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    paired: int = 0
    agreed: int = 0
    rejected: int = 0  # fallbacks where the SLM answered
    rejected_agreed: int = 0
    sampled: int = 0
    budget_skipped: int = 0
    new_answers: Counter[str] = field(default_factory=Counter)
    inputs: list[str] = field(default_factory=list)
    llm_usd: float = 0.0
    llm_calls: int = 0
    slm_tokens: float = 0.0  # output + prefill_weight * input


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def load_bundle(bundle: Path) -> tuple[Any, dict[str, Any]]:
    """The bundle's manifest (``slmc.runtime.manifest``) and its monitor profile (``{}`` when it has none)."""
    from slmc.runtime.manifest import load_manifest

    bundle = Path(bundle)
    path = bundle / MANIFEST_NAME if bundle.is_dir() else bundle
    if not path.is_file():
        raise SlmcError(
            "no slmc-manifest.yaml in the bundle", path=str(bundle), hint="give the folder `slmc compile` wrote"
        )
    with warnings.catch_warnings():  # model paths are the runtime's business, not the monitor's
        warnings.simplefilter("ignore", RuntimeWarning)
        manifest = load_manifest(path)
    profile: dict[str, Any] = {}
    try:
        file = safe_join(path.parent, "report", MONITOR_FILE)
    except UnsafePathError:
        file = None
    if file is not None and file.is_file():
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SlmcError(f"unreadable monitor profile: {exc}", path=str(file), hint="recompile the bundle") from None
        profile = data if isinstance(data, dict) else {}
    return manifest, profile


def _number(value: Any) -> float | None:
    return (
        float(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        else None
    )


def _tokens(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _llm_answer(rec: TraceRecord) -> Any:
    """The LLM's answer of a router record read as teacher data (None when the LLM did not answer)."""
    if rec.error:
        return None
    if rec.tool_calls:
        return rec.tool_calls
    return rec.output


def _slm_answer(router: dict[str, Any]) -> Any:
    calls = router.get("slm_tool_calls")
    if isinstance(calls, list) and calls:
        return calls
    return router.get("slm_output")


def _agree(kind: str, slm: Any, llm: Any) -> bool:
    try:
        if kind == "tool-call":
            return answers_agree("tool-call", slm, llm)
        if isinstance(slm, list) or isinstance(llm, list):
            return False
        return answers_agree(kind, slm or "", llm or "")
    except (TypeError, ValueError, AttributeError):
        return False


def _unseen(contract: dict[str, Any], answer: Any) -> list[str]:
    """What in the LLM's answer the site's contract has not seen: a label, a tool name, a JSON key."""
    kind = contract.get("kind")
    if kind == "label" and isinstance(answer, str) and answer.strip():
        known = {normalize_label(str(label)) for label in contract.get("labels") or ()}
        label = normalize_label(answer)
        return [] if label in known else [f"label {label[:60]!r}"]
    if kind == "tool-call" and not contract.get("tools_per_call"):
        known_tools = {str(t.get("name")) for t in contract.get("tools") or () if isinstance(t, dict)}
        calls = parse_tool_calls(answer) or []
        return [f"tool {str(c.get('name'))[:60]!r}" for c in calls if str(c.get("name")) not in known_tools]
    if kind == "json":
        schema = contract.get("schema")
        props = schema.get("properties") if isinstance(schema, dict) else None
        value = parse_json(answer) if isinstance(answer, str) else None
        if isinstance(props, dict) and isinstance(value, dict):
            return [f"key {str(k)[:60]!r}" for k in value if k not in props]
    return []


def watch(bundle: Path, records: list[TraceRecord], thresholds: Thresholds | None = None) -> dict[str, Any]:
    """The monitor's findings (a JSON-ready dict) for the router-log ``records`` of ``bundle``."""
    from slmc.analysis.prices import llm_price, load_prices

    limits = thresholds or Thresholds()
    manifest, profile = load_bundle(bundle)
    gate = profile.get("gate") if isinstance(profile.get("gate"), dict) else {}
    target = limits.target if limits.target is not None else _number(gate.get("target")) or DEFAULT_TARGET
    max_fallback = limits.max_fallback if limits.max_fallback is not None else _number(gate.get("max_fallback"))
    if max_fallback is None:
        max_fallback = DEFAULT_MAX_FALLBACK
    site_profiles = profile.get("sites") if isinstance(profile.get("sites"), dict) else {}
    watched = {
        sid: SiteWatch(sid, s.decision, s.task, str(s.contract.get("kind", "text")))
        for sid, s in manifest.sites.items()
        if s.decision in ("offload", "shadow")
    }
    prices = load_prices()
    other = Counter[str]()
    for rec in records:
        router = rec.meta.get("router") if isinstance(rec.meta, dict) else None
        if not isinstance(router, dict):
            other["not a router log record"] += 1
            continue
        site = watched.get(str(router.get("site") or rec.site_id))
        if site is None:
            other["site not served by this bundle"] += 1
            continue
        _count(site, rec, router, manifest.sites[site.site].contract, prices, llm_price)
    sites = []
    for site in watched.values():
        profile = site_profiles.get(site.site)
        sites.append(_verdict(site, profile, _input_drift(site.inputs, profile), target, max_fallback, limits))
    below = [s["site"] for s in sites if s["status"] == "below-gate"]
    drifted = [s["site"] for s in sites if s["drift"]["flagged"]]
    calls = sum(s["calls"] for s in sites)
    usd = sum(s["cost"]["usd"] for s in sites)
    return {
        "bundle": str(bundle),
        "gate": {"target": target, "max_fallback": max_fallback, "min_paired": limits.min_paired},
        "drift_limits": {"min_calls": limits.min_calls, "outside_share": limits.drift_share},
        "calls": calls,
        "usd_per_1k_calls": round(1000 * usd / calls, 6) if calls else None,
        "sites": sites,
        "below_gate": below,
        "drifted": drifted,
        "ignored": dict(other),
        "has_profile": bool(site_profiles),
    }


def _count(
    site: SiteWatch, rec: TraceRecord, router: dict[str, Any], contract: dict[str, Any], prices, llm_price
) -> None:
    route = str(router.get("route") or ("slm" if router.get("served_by") == "slm" else "fallback"))
    if router.get("reason") == "shadow":
        route = "shadow"
    site.calls += 1
    site.routes[route] += 1
    if route == "fallback":
        site.reasons[str(router.get("reason") or "unknown")] += 1
    if router.get("sample_skipped") == "budget":
        site.budget_skipped += 1
    text = rec.user_text()
    if text:
        site.inputs.append(text)
    llm = _llm_answer(rec)
    slm = _slm_answer(router)
    slm_answered = slm not in (None, "", [])
    if llm is not None:
        site.llm_calls += 1
        tokens_in = _tokens(rec.input_tokens) or math.ceil(len(rec.prompt_text()) / 4)
        tokens_out = _tokens(rec.output_tokens) or math.ceil(len(rec.answer_text()) / 4)
        site.llm_usd += llm_price(rec.model or router.get("llm_model"), prices).call_cost(tokens_in, tokens_out)
        for item in _unseen(contract, llm):
            site.new_answers[item] += 1
    if route == "slm" and router.get("sampled"):
        site.sampled += 1
    if route == "slm" or (route == "shadow" and slm_answered):
        tokens_in = _tokens(router.get("slm_input_tokens")) or math.ceil(len(rec.prompt_text()) / 4)
        tokens_out = _tokens(router.get("slm_output_tokens")) or math.ceil(len(json.dumps(slm, default=str)) / 4)
        site.slm_tokens += tokens_out + 0.1 * tokens_in
    if llm is None or not slm_answered:
        return
    agree = router.get("contract_ok") is not False and _agree(site.kind, slm, llm)
    if route in ("shadow", "slm"):
        site.paired += 1
        site.agreed += agree
    elif route == "fallback":
        site.rejected += 1
        site.rejected_agreed += agree


def _minilm_vectors(texts: list[str]) -> list[list[float]]:
    """The texts in MiniLM's sentence-embedding space, as the SLM's encoder head sees them (normalised)."""
    from slmc.training.embed import Embedder

    return Embedder(drift.MINILM).encode(texts).tolist() if texts else []


def _input_drift(inputs: list[str], profile: Any) -> dict[str, Any]:
    """The new inputs against the site's training profile: in the SLM's encoder space when the profile has one and
    its encoder is installed here, else in the hashed space; ``space`` names the one used (None: no profile)."""
    from slmc.training.embed import minilm_available

    texts = [t for t in inputs if t and t.strip()]
    space = profile.get(drift.ENCODER_SPACE) if isinstance(profile, dict) else None
    note = None
    if drift.valid_profile(space, drift.MINILM, drift.MINILM_DIMS):
        if minilm_available():
            try:
                return {"space": drift.MINILM} | drift.score_vectors(space, _minilm_vectors(texts))
            except _ENCODER_FAILURES as exc:  # a broken install: the hashed space still answers
                note = f"the SLM's encoder (MiniLM) failed here ({type(exc).__name__}): measured in the hashed space"
        else:
            note = "the SLM's encoder (MiniLM) is not installed here: measured in the hashed n-gram space"
    if drift.valid_profile(profile):
        found = {"space": drift.ENCODER} | drift.score(profile, texts)
        return found | ({"note": note} if note else {})
    return {
        "space": None,
        "n": len(inputs),
        "note": "no training profile in the bundle (compiled before slmc monitor existed)",
    }


def _verdict(
    site: SiteWatch, profile: Any, measured: dict[str, Any], target: float, max_fallback: float, limits: Thresholds
) -> dict[str, Any]:
    fallbacks = site.routes.get("fallback", 0)
    served_routes = site.calls - site.routes.get("shadow", 0)  # shadow-mode calls were never the SLM's to serve
    fallback_rate = fallbacks / served_routes if served_routes else None
    agreement = site.agreed / site.paired if site.paired else None
    low, high = wilson(site.agreed, site.paired)
    reasons: list[str] = []
    if site.paired >= limits.min_paired and high < target:
        reasons.append(
            f"live agreement {agreement:.3f} (95% interval {low:.3f}-{high:.3f}, n={site.paired}) is below the gate's "
            f"{target:.2f}"
        )
    if fallback_rate is not None and served_routes >= limits.min_calls and fallback_rate > max_fallback:
        reasons.append(f"fallback rate {fallback_rate:.0%} is above the gate's {max_fallback:.0%}")
    drift_info: dict[str, Any] = {"flagged": False, "reasons": [], **measured}
    where = "the SLM encoder's" if drift_info.get("space") == drift.MINILM else "the hashed n-gram"
    share, latest = drift_info.get("outside_share"), drift_info.get("latest_outside_share")
    if share is not None and drift_info["n"] >= limits.min_calls and share > limits.drift_share:
        drift_info["reasons"].append(
            f"{share:.0%} of {drift_info['n']} inputs lie outside 95% of the training inputs ({where} space)"
        )
    elif latest is not None and drift_info.get("latest_n", 0) >= limits.min_calls and latest > limits.drift_share:
        drift_info["reasons"].append(
            f"{latest:.0%} of the latest {drift_info['latest_n']} inputs (of {drift_info['n']}) lie outside 95% of "
            f"the training inputs ({where} space)"
        )
    if site.new_answers:
        unseen = ", ".join(f"{k} ({v})" for k, v in site.new_answers.most_common(5))
        drift_info["reasons"].append(f"the LLM answered what the contract has not seen: {unseen}")
    drift_info["flagged"] = bool(drift_info["reasons"])
    slm_rate = profile.get("slm_usd_per_1m") if isinstance(profile, dict) else None
    slm_usd = site.slm_tokens * slm_rate / 1e6 if _number(slm_rate) is not None else 0.0
    usd = site.llm_usd + slm_usd
    status = "below-gate" if reasons else ("drift" if drift_info["flagged"] else "ok")
    if site.calls == 0:
        status = "no-traffic"
    return {
        "site": site.site,
        "task": site.task,
        "decision": site.decision,
        "contract": site.kind,
        "calls": site.calls,
        "routes": dict(site.routes),
        "fallback_rate": None if fallback_rate is None else round(fallback_rate, 4),
        "fallbacks": dict(site.reasons.most_common()),
        "agreement": {
            "paired": site.paired,
            "agreed": site.agreed,
            "rate": None if agreement is None else round(agreement, 4),
            "low": round(low, 4) if site.paired else None,
            "high": round(high, 4) if site.paired else None,
            "rejected_paired": site.rejected,
            "rejected_agreed": site.rejected_agreed,
        },
        "sampled": site.sampled,
        "budget_skipped": site.budget_skipped,
        "new_answers": dict(site.new_answers.most_common()),
        "drift": drift_info,
        "cost": {
            "usd": round(usd, 6),
            "llm_usd": round(site.llm_usd, 6),
            "slm_usd": round(slm_usd, 6),
            "llm_calls": site.llm_calls,
            "usd_per_1k_calls": round(1000 * usd / site.calls, 6) if site.calls else None,
            "slm_cost_known": _number(slm_rate) is not None,
        },
        "status": status,
        "reasons": reasons,
    }


def bundle_profile(
    graph: Any, records: list[TraceRecord] | None, settings: Any, cache_dir: Path | None = None
) -> dict[str, Any]:
    """What ``slmc monitor`` compares live traffic with, written into the bundle at compile time (``report/
    monitor.json``): the gate's limits and, per site with training inputs, their drift profile (no text) and the SLM's
    serving cost per 1M weighted tokens. With ``--from BUNDLE`` (``settings.reuse_from``) a site whose training inputs
    are those of the deployed bundle (the same digest) keeps the deployed encoder-space profile: MiniLM is not loaded
    for it; one whose training inputs are the same list (``inputs_list``: order and repeats) keeps its hashed profile.
    ``cache_dir``: the compile's embedding cache (``shared_minilm``): inputs embedded before are not embedded again."""
    from slmc.analysis.prices import gpu_for, prices_for, slm_cost_per_1m

    prices = prices_for(getattr(settings, "prices", None))
    gpu = None
    try:
        gpu = gpu_for(getattr(settings, "gpu_memory", None), bool(getattr(settings, "cpu_only", False)), prices)
    except (SlmcError, KeyError, TypeError, ValueError):
        pass
    by_site: dict[str, list[str]] = {}
    train_only: dict[str, bool] = {}
    for rec in records or ():
        if not rec.site_id:
            continue
        texts = by_site.setdefault(rec.site_id, [])
        if rec.split == "train" and not train_only.get(rec.site_id):
            texts.clear()
            train_only[rec.site_id] = True
        if rec.split == "train" or not train_only.get(rec.site_id):
            texts.append(rec.user_text())
    slm_of: dict[str, Any] = {}
    for task in graph.tasks():
        for sid in task.sites:
            if task.slm is not None and sid not in slm_of:
                slm_of[sid] = task.slm
    sites: dict[str, Any] = {}
    deployed_sites = _deployed_sites(getattr(settings, "reuse_from", None))
    deployed = _deployed_spaces(deployed_sites)
    hashed = _deployed_hashed(deployed_sites)
    cache: Any = False  # the compile's cached MiniLM, opened for the first site profiled in its space
    for sid, texts in sorted(by_site.items()):
        listed = drift.inputs_list_digest(t or "" for t in texts)
        old_hashed = hashed.get(sid)
        # the same inputs in the same order as the deployed bundle's: its hashed profile is this one, byte for byte
        reused = old_hashed is not None and old_hashed.get(drift.INPUTS_LIST) == listed
        profile = {k: old_hashed[k] for k in drift.HASHED_KEYS} if reused else drift.build_profile(texts)
        if profile is None:
            continue
        profile[drift.INPUTS_LIST] = listed
        if _on_minilm(slm_of.get(sid), settings):
            kept = [t for t in texts if t and t.strip()]
            digest = drift.inputs_digest(kept)
            old = deployed.get(sid)
            if old is not None and old.get("inputs") == digest:
                space = dict(old)
            else:
                if cache is False:
                    from slmc.analysis.embeddings import shared_minilm

                    cache = shared_minilm(cache_dir, getattr(settings, "reuse_from", None))
                space = _encoder_profile(kept, cache)
            if space is not None:
                profile[drift.ENCODER_SPACE] = space | {"inputs": digest}
        slm = slm_of.get(sid)
        if slm is not None and gpu is not None:
            try:
                profile["slm_usd_per_1m"] = round(slm_cost_per_1m(float(slm.params_b), gpu, prices), 6)
            except (KeyError, TypeError, ValueError, ZeroDivisionError):
                pass
        sites[sid] = profile
    return {
        "version": 1,
        "gate": {
            "target": float(getattr(settings, "gate_target", DEFAULT_TARGET)),
            "max_fallback": float(getattr(settings, "max_fallback", DEFAULT_MAX_FALLBACK)),
        },
        "gpu": gpu,
        "sites": sites,
    }


ENCODER_HEADS = ("classifier-head", "span-head", "tool-head")  # SLM methods whose input goes through MiniLM


def _on_minilm(slm: Any, settings: Any) -> bool:
    """Whether a site's replacement is an encoder head on all-MiniLM-L6-v2 (a classifier head trained on MiniLM
    embeddings, the ``embedder`` setting at auto or minilm; a span or tool head fine-tuned from it), and MiniLM is
    installed to profile its inputs."""
    from slmc.training.embed import minilm_available

    method = getattr(slm, "method", None)
    if method not in ENCODER_HEADS:
        return False
    embedder = getattr(settings, "embedder", "auto") or "auto"
    if method == "classifier-head" and embedder not in ("auto", drift.MINILM):
        return False
    return minilm_available()


def _encoder_profile(texts: list[str], cache: Any = None) -> dict[str, Any] | None:
    """The training inputs' profile in MiniLM's space (numbers only); None when MiniLM cannot run here. ``cache``: the
    compile's cached MiniLM (``shared_minilm``), else none."""
    try:
        vectors = cache.encode_inputs(texts).tolist() if cache is not None else _minilm_vectors(texts)
    except _ENCODER_FAILURES:  # a broken install: the hashed profile still serves the monitor
        return None
    return drift.profile_vectors(vectors, drift.MINILM, model=drift.MINILM_MODEL)


def _deployed_sites(bundle: Any) -> dict[str, Any]:
    """The site profiles of the deployed bundle's ``report/monitor.json`` (``--from``), unchecked; ``{}`` when there
    is none or it cannot be read (then every site is profiled afresh)."""
    if not bundle:
        return {}
    try:
        data = json.loads(safe_join(Path(bundle), "report", MONITOR_FILE).read_text(encoding="utf-8"))
    except (UnsafePathError, OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    sites = data.get("sites") if isinstance(data, dict) else None
    return sites if isinstance(sites, dict) else {}


def _deployed_hashed(sites: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The deployed hashed-space profiles that say which inputs they were made on (``inputs_list``), checked."""
    out = {}
    for sid, profile in sites.items():
        if not drift.valid_profile(profile) or not isinstance(profile.get(drift.INPUTS_LIST), str):
            continue
        n, dims, distance = profile.get("n"), profile.get("dims"), profile["distance"]
        numbers = [distance.get(k) for k in ("mean", "p50", "p95", "max")]
        if (
            type(n) is int
            and n > 0
            and dims == drift.DIMS
            and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in numbers)
        ):
            out[str(sid)] = profile
    return out


def _deployed_spaces(sites: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The encoder-space profiles among the deployed bundle's site profiles (``_deployed_sites``), checked."""
    out = {}
    for sid, profile in sites.items():
        space = profile.get(drift.ENCODER_SPACE) if isinstance(profile, dict) else None
        if drift.valid_profile(space, drift.MINILM, drift.MINILM_DIMS) and isinstance(space.get("inputs"), str):
            out[str(sid)] = space
    return out
