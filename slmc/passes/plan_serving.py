"""plan-serving: lower the gated graph to a serving plan for the serving target (``unit.reports.serving``).

The plan (``slmc.ir.serving.ServingPlan``) is what codegen and the targets read: one endpoint per (serving target,
base model), one adapter per served task on it, and the routing entry of every decided call site. The lowering, in
order:

1. ``decided_sites``: the call sites the router can see (requests, wrapper-calls, framework tasks) with a decision;
2. ``served_tasks``: for each site its primary task (offloaded before shadowed before kept, then the busiest), and
   the tasks that need a model served (a site not kept, an SLM chosen);
3. ``endpoint_groups``: each served task under (the target serving it, its base model): a method the target cannot
   serve falls back to the in-process hf target; a full fine-tune is its own base; a classifier the target serves
   gets a server of its own;
4. ``build_endpoints``: an ``EndpointSpec`` per group, an ``AdapterSpec`` per LoRA / classifier task in it (rank,
   alpha and modules from the adapter on disk, else from the fine-tune plan);
5. ``site_routes``: a ``SiteRoute`` per decided site (kept on the LLM when no model serves it or the router cannot
   serve its API shape).

Each step adds its notes (why a site or task is served as it is) to the plan's notes, in that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slmc.compiler.passmanager import Pass, PassContext
from slmc.compiler.settings import setting_field
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import Decision, LLMCall, SiteKind, Task
from slmc.ir.serving import AdapterSpec, EndpointSpec, ServingPlan, SiteRoute, agent_identity
from slmc.ir.unit import CompileUnit
from slmc.safety import task_slug, to_slug
from slmc.targets.base import (
    CLASSIFIER_BASE,
    LORA_METHODS,
    Target,
    api_of_site,
    check_host,
    check_port,
    model_family,
    read_adapter_config,
    target_class,
)

ROUTABLE = (SiteKind.REQUEST, SiteKind.WRAPPER_CALL, SiteKind.FRAMEWORK_TASK)
DEFAULT_TARGET = "hf"  # what `slmc compile` serves on when no target is given


@dataclass(frozen=True)
class PlanServing(Pass):
    name = "plan-serving"
    summary = "lower the gated graph to a serving plan (endpoints, adapters, site routes) for the serving target"
    requires = ("gated",)
    provides = ("serving-plan",)
    keeps_traces = True
    target: str | None = setting_field("target", None)  # serving target (None: hf)
    host: str = "localhost"  # the host the manifest's endpoint URLs name
    port: int = 0  # first endpoint's port (0: the target's default)
    timeout_s: int = 20
    mode: str = "serve"
    copy_base: bool = True  # copy local base models into the bundle

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        agent_name, agent_source = agent_identity(ctx.entry, ctx.root)
        options: dict[str, Any] = {
            "build_dir": ctx.out_dir,
            "agent_name": agent_name,
            "agent_source": agent_source,
            "host": self.host,
            "timeout_s": self.timeout_s,
            "mode": self.mode,
            "copy_base": self.copy_base,
        }
        if self.port:
            options["port"] = self.port
        plan = lower_serving_plan(unit.graph, options, target_class(self.target or DEFAULT_TARGET).name)
        unit.reports.serving = plan
        ctx.note(plan.summary())
        return unit

    def context_key(self, ctx: PassContext) -> Any:
        """The agent's name and entry file: what the plan records besides the graph and this pass's options."""
        return agent_identity(ctx.entry, ctx.root)


# ---- the lowering -------------------------------------------------------------------------------------------------
def lower_serving_plan(graph: AgentGraph, options: Mapping[str, Any], target: str) -> ServingPlan:
    """Turn the gated graph into a serving plan for ``target``.

    ``options``: ``build_dir`` (resolves relative adapter / model paths), ``agent_name``, ``agent_source``, ``mode``,
    ``timeout_s``, ``host``, ``port`` (first endpoint port), ``copy_base`` (copy local base models into the bundle,
    default True), ``site_api`` (site id -> api override for wrapper-calls returning SDK objects), ``planned`` (the
    plan is checked before training: an adapter not on disk yet is taken from the fine-tune plan, not a problem).
    """
    target_cls = target_class(target)
    build_dir = Path(options["build_dir"]) if options.get("build_dir") else None
    port0 = check_port(options.get("port", target_cls.default_port))
    notes: list[str] = []

    sites = decided_sites(graph)
    by_site = tasks_by_site(graph)
    served = served_tasks(sites, by_site, notes)
    groups = endpoint_groups(served, target_cls, target, build_dir, notes)
    endpoints, adapter_of_task = build_endpoints(
        groups,
        build_dir,
        port0=port0,
        copy_base=bool(options.get("copy_base", True)),
        planned=bool(options.get("planned", False)),
    )
    routes = site_routes(graph, sites, by_site, adapter_of_task, options.get("site_api") or {}, notes)

    files = graph.meta.files
    source = str(options.get("agent_source") or (files[0] if files else "agent.py"))
    name = to_slug(str(options.get("agent_name") or Path(source).stem))
    return ServingPlan(
        agent_name=name,
        agent_source=source,
        target=target,
        endpoints=tuple(endpoints),
        sites=tuple(routes),
        defaults={"timeout_s": options.get("timeout_s", 20), "mode": options.get("mode", "serve")},
        host=check_host(options.get("host", "localhost"), "host"),
        notes=tuple(notes),
    )


def resolve_path(path: str | None, base: Path | None) -> Path | None:
    """``path`` (relative: under ``base``) when it exists, else None."""
    if not path:
        return None
    p = Path(path)
    if not p.is_absolute() and base is not None:
        p = base / p
    return p if p.exists() else None


def trained_method(task: Task) -> str:
    """How the task's model was trained: the fine-tune plan's method (a scratch or tiny base is fully fine-tuned even
    when the SLM choice said LoRA), else the SLM choice's."""
    if task.finetune is not None:
        return task.finetune.method
    return task.slm.method if task.slm else "lora"


def primary_task(tasks: list[Task]) -> Task | None:
    """The task a site is routed for: offloaded before shadowed before kept, then the busiest, then by id."""
    if not tasks:
        return None
    order = {Decision.OFFLOAD: 0, Decision.SHADOW: 1, Decision.KEEP: 2, None: 3}
    return sorted(tasks, key=lambda t: (order.get(t.decision, 3), -t.calls, t.id))[0]


def max_tokens_of(graph: AgentGraph, site: LLMCall) -> int | None:
    """The output-token limit the site (or the request it reaches) passes, if any."""
    for node in (site, graph.request_of(site.id)):
        if node is None:
            continue
        for key in ("max_tokens", "max_completion_tokens", "max_output_tokens"):
            value = node.options.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None


def decided_sites(graph: AgentGraph) -> list[LLMCall]:
    return [s for s in graph.sites() if s.decision is not None and s.site in ROUTABLE]


def tasks_by_site(graph: AgentGraph) -> dict[str, list[Task]]:
    by_site: dict[str, list[Task]] = {}
    for task in graph.tasks():
        for sid in task.sites:
            by_site.setdefault(sid, []).append(task)
    return by_site


def served_tasks(sites: list[LLMCall], by_site: dict[str, list[Task]], notes: list[str]) -> dict[str, Task]:
    """Task id -> task that needs a model served: the primary task of a site not kept, when it has an SLM."""
    served: dict[str, Task] = {}
    for s in sites:
        task = primary_task(by_site.get(s.id, []))
        if s.decision != Decision.KEEP and task is not None and task.slm is not None:
            served[task.id] = task
        if len(by_site.get(s.id, [])) > 1:
            notes.append(
                f"{s.id}: serves {len(by_site[s.id])} tasks; routed to the primary task {task.id if task else '-'}"
            )
    return served


def endpoint_groups(
    served: dict[str, Task], target_cls: type[Target], target: str, build_dir: Path | None, notes: list[str]
) -> dict[tuple[str, str], list[Task]]:
    """(serving target, base model source) -> its tasks, one endpoint each."""
    groups: dict[tuple[str, str], list[Task]] = {}
    for task in sorted(served.values(), key=lambda t: t.id):
        assert task.slm is not None
        method = trained_method(task)
        folder = resolve_path(task.eval.adapter if task.eval else None, build_dir)
        ep_target = target if target_cls.serves(method, folder) else "hf"
        if ep_target != target:
            why = target_cls.why_not_served(method, folder)
            notes.append(
                f"{task.id}: {method} is not servable by {target}; served in-process by the hf target"
                + (f" ({why})" if why else "")
            )
        base = task.slm.source
        if method not in LORA_METHODS and method != "classifier-head":
            base = (task.eval.adapter if task.eval and task.eval.adapter else None) or base  # a full fine-tune
        elif method == "classifier-head" and ep_target != "hf":  # a server of its own: the classifier is the model
            base = f"{CLASSIFIER_BASE}{task.id}"
        groups.setdefault((ep_target, base), []).append(task)
    return groups


def adapter_spec(task: Task, method: str, int_id: int, build_dir: Path | None, planned: bool) -> AdapterSpec:
    """The task's adapter: rank, alpha and modules from its adapter_config.json on disk, else its fine-tune plan."""
    source = resolve_path(task.eval.adapter if task.eval else None, build_dir)
    cfg = read_adapter_config(source) if source is not None else None
    plan = task.finetune
    rank = int(cfg.get("r", 0)) if cfg else (plan.lora_r if plan else 0)
    alpha = int(cfg.get("lora_alpha", 0)) if cfg else (plan.lora_alpha if plan else 0)
    modules = cfg.get("target_modules") if cfg else (list(plan.target_modules) if plan else [])
    if isinstance(modules, str):
        modules = [modules]
    name = task_slug(task.id)  # a folder name in the bundle: never '..', '/' or a dot
    return AdapterSpec(
        name=name,
        task=task.id,
        path=f"adapters/{name}",
        source=source,
        int_id=int_id,
        rank=rank,
        alpha=alpha,
        target_modules=tuple(sorted(modules or ())),
        method=method,
        modules_to_save=tuple((cfg or {}).get("modules_to_save") or ()),
        planned=planned and source is None,
    )


def build_endpoints(
    groups: dict[tuple[str, str], list[Task]], build_dir: Path | None, *, port0: int, copy_base: bool, planned: bool
) -> tuple[list[EndpointSpec], dict[str, tuple[str, str | None]]]:
    """An endpoint per group (``base-<i>`` on port ``port0 + i``) and, per task, (endpoint, adapter name or None for
    a full fine-tune served as the endpoint's model)."""
    endpoints: list[EndpointSpec] = []
    adapter_of_task: dict[str, tuple[str, str | None]] = {}
    for index, ((ep_target, base), tasks) in enumerate(sorted(groups.items())):
        name = f"base-{index}"
        first = tasks[0]
        assert first.slm is not None
        pooling = base.startswith(CLASSIFIER_BASE)
        base_dir = None if pooling else resolve_path(base, build_dir)
        base_in_bundle = f"models/{name}" if base_dir is not None and base_dir.is_dir() and copy_base else base
        if pooling:  # the server loads the classifier folder the bundle copies under adapters/
            base_in_bundle = f"adapters/{task_slug(first.id)}"
        adapters: list[AdapterSpec] = []
        for task in tasks:
            method = trained_method(task)
            if method not in LORA_METHODS and method != "classifier-head":
                adapter_of_task[task.id] = (name, None)
                continue
            adapters.append(adapter_spec(task, method, len(adapters) + 1, build_dir, planned))
            adapter_of_task[task.id] = (name, adapters[-1].name)
        endpoints.append(
            EndpointSpec(
                name=name,
                target=ep_target,
                base_model=base_in_bundle,
                model_name=first.slm.model,
                base_source=base_dir if base_in_bundle != base else None,
                port=port0 + index,
                adapters=tuple(adapters),
                family=model_family(first.slm.model, base_dir),
                runner="pooling" if pooling else "generate",
            )
        )
    return endpoints, adapter_of_task


def site_routes(
    graph: AgentGraph,
    sites: list[LLMCall],
    by_site: dict[str, list[Task]],
    adapter_of_task: dict[str, tuple[str, str | None]],
    overrides: Mapping[str, str],
    notes: list[str],
) -> list[SiteRoute]:
    """The routing entry of every decided site; one no model serves, or whose API the router cannot serve, is kept."""
    routes: list[SiteRoute] = []
    for s in sites:
        task = primary_task(by_site.get(s.id, []))
        decision = s.decision or Decision.KEEP
        ep_name, adapter_name = adapter_of_task.get(task.id, (None, None)) if task else (None, None)
        if decision != Decision.KEEP and ep_name is None:
            notes.append(f"{s.id}: {decision} without a trained SLM; kept on the LLM")
            decision = Decision.KEEP
        api = api_of_site(graph, s, overrides)
        if decision != Decision.KEEP and api is None:
            notes.append(f"{s.id}: the router cannot serve {s.client} {s.api or s.site}; kept on the LLM")
            decision = Decision.KEEP
        routes.append(route_of(graph, s, task, decision, api, ep_name, adapter_name))
    return routes


def route_of(
    graph: AgentGraph,
    site: LLMCall,
    task: Task | None,
    decision: Decision,
    api: str | None,
    endpoint: str | None,
    adapter: str | None,
) -> SiteRoute:
    serving = decision != Decision.KEEP
    ev = task.eval if task else None
    return SiteRoute(
        site_id=site.id,
        kind=site.site,
        decision=decision,
        reasons=site.decision_reasons or (task.decision_reasons if task else ()),
        api=api,
        task=task.id if task else None,
        endpoint=endpoint if serving else None,
        adapter=adapter if serving else None,
        contract=task.contract.to_dict() if task and task.contract else None,
        threshold=ev.threshold if ev else None,
        max_tokens=max_tokens_of(graph, site),
        eval={"agreement": ev.agreement, "lower_bound": ev.lower_bound, "n": ev.n, "fallback_rate": ev.fallback_rate}
        if ev
        else None,
    )


__all__ = ["PlanServing", "lower_serving_plan", "primary_task", "trained_method"]
