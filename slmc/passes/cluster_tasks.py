"""cluster-tasks (S3): discover the narrow tasks in the traces.

One task per call site unless the traces prove otherwise (``slmc.analysis.site_tasks``): a site splits only into
clearly different prompt families (instruction lines) or contract kinds (tool calls, JSON, text/labels); a tool site
is one task over all its tools, a one-template extraction site one task whatever keys its answers fill; sites merge
only when template and contract agree. Tasks are named by the dominant tool, the site's function or c-TF-IDF keywords,
and a sample is embedded for the report's cluster map. Creates ``Task`` nodes with ``serves`` edges and sets
``record.task``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from slmc.compiler.passmanager import Pass, PassContext
from slmc.compiler.settings import setting_field
from slmc.errors import Diagnostic, Severity
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import EdgeKind, LLMCall, Task, slug
from slmc.ir.unit import CompileUnit
from slmc.safety import task_slug


@dataclass(frozen=True)
class ClusterTasks(Pass):
    name = "cluster-tasks"
    summary = "discover tasks: one per call site unless prompt families or contract kinds split it"
    requires = ("curated",)
    provides = ("tasks",)

    embedder: str = setting_field("embedder", "auto")  # auto | minilm | tfidf
    distance_threshold: float = 0.6  # no longer decides tasks; accepted so older pipeline strings still parse
    shape_weight: float = 0.5  # the cluster map's share of distance given to the answer shape
    min_size: int = 5
    sample_per_site: int = 2000
    max_sample: int = 1500  # the map draws at most 1,500 points: embedding more only costs time

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        from slmc.analysis.clustering import ClusterOptions, cluster_records

        graph = unit.graph
        for old in graph.tasks():
            graph.remove(old.id)
        records = [r for r in (unit.traces or []) if not r.error]
        if not records:
            ctx.report(
                Diagnostic("<traces>", 0, 0, "W301", "no usable trace records: no tasks discovered", name="no-traces")
            )
            return unit
        opts = ClusterOptions(
            embedder=self.embedder,
            distance_threshold=self.distance_threshold,
            shape_weight=self.shape_weight,
            min_size=self.min_size,
            sample_per_site=self.sample_per_site,
            max_sample=self.max_sample,
            cache_dir=ctx.cache_dir / "embeddings" if ctx.cache_dir else None,
            seed_caches=_deployed_embeddings(ctx),
        )
        prompts = {s.id: graph.prompt_of(s.id) for s in graph.sites()}
        result = cluster_records(records, prompts, opts)
        ctx.log(f"cluster-tasks: {result.how()} in {result.seconds:.1f}s")
        if result.reused:
            ctx.log(f"cluster-tasks: {result.reused} of the map's vectors from the deployed bundle's compile")
        ctx.note(f"{len(result.clusters)} tasks from {len(records)} records")

        task_ids: list[str] = []
        file_names = {task_slug(t.id) for t in graph.tasks()}
        names = _task_names(graph, result.clusters)
        for cluster, name in zip(result.clusters, names, strict=True):
            base = "task:" + slug(name.lower())
            tid, n = base, 2
            while tid in graph or tid in task_ids or task_slug(tid) in file_names:  # one folder per task
                tid, n = f"{base}-{n}", n + 1
            task_ids.append(tid)
            file_names.add(task_slug(tid))
            sites = tuple(sorted(s for s in cluster.sites if isinstance(graph.get(s), LLMCall)))
            graph.add(
                Task(
                    tid,
                    name=tid.split(":", 1)[1],
                    sites=sites,
                    calls=cluster.records,
                    keywords=tuple(cluster.keywords),
                    examples=tuple(cluster.examples[:3]),
                )
            )
            for site in sites:
                graph.add_edge(tid, site, EdgeKind.SERVES)
            unknown = sorted(s for s in cluster.sites if s not in sites and s != "<unlinked>")
            if unknown:
                ctx.report(
                    Diagnostic(
                        "<traces>",
                        0,
                        0,
                        "W302",
                        f"{tid}: {len(unknown)} site id(s) in traces are not in the IR: {', '.join(unknown[:3])}",
                        severity=Severity.INFO,
                        name="unknown-site",
                    )
                )
        for record, label in zip(records, result.labels, strict=True):
            record.task = task_ids[label]

        unit.reports.clustering = {
            "embedder": result.embedder,
            "how": result.how(),
            "records": len(records),
            "distinct": result.distinct,
            "sampled": result.sampled,
            "assigned": result.assigned,
            "seconds": round(result.seconds, 3),
            "tasks": dict(Counter(task_ids[label] for label in result.labels)),
            "sites": [  # each site part (prompt family x contract kind) and the task it went to
                {**{k: v for k, v in g.items() if k != "cluster"}, "task": task_ids[g["cluster"]]}
                for g in result.groups
            ],
            "projection": [
                {**p, "task": task_ids[p["cluster"]]} for p in result.projection if p["cluster"] < len(task_ids)
            ],
        }
        return unit


def _deployed_embeddings(ctx: PassContext) -> tuple:
    """``slmc compile --from BUNDLE``: the embedding cache the deployed bundle's compile left beside it (texts it
    embedded are not embedded again; the map is the same)."""
    if not ctx.settings.reuse_from:
        return ()
    from slmc.analysis.embeddings import CACHE_FILE
    from slmc.training.reuse import deployed_cache

    found = deployed_cache(ctx.settings.reuse_from, "embeddings", CACHE_FILE)
    return (found,) if found is not None else ()


_GENERIC_FUNCTIONS = frozenset(
    {"<module>", "main", "run", "ask", "call", "chat", "complete", "completion", "llm", "query", "invoke", "handle"}
)


def _task_names(graph: AgentGraph, clusters: list) -> list[str]:
    """A readable name per cluster: its dominant tool; else the function of its dominant call site when that
    function is specific (``classify``, ``find_flights``), suffixed by a keyword when several clusters share it;
    else its top keywords."""
    names: list[str | None] = []
    for cluster in clusters:
        name = None
        if cluster.tools:
            tool, n = cluster.tools.most_common(1)[0]
            if n >= 0.5 * cluster.records:
                name = tool
        if name is None and cluster.sites:
            sid, n = cluster.sites.most_common(1)[0]
            site = graph.get(sid)
            fn = site.function.rsplit(".", 1)[-1] if isinstance(site, LLMCall) else ""
            if n >= 0.8 * cluster.records and fn and fn.lower() not in _GENERIC_FUNCTIONS:
                name = fn
        names.append(name)
    shared = Counter(n for n in names if n)
    out: list[str] = []
    for cluster, name in zip(clusters, names, strict=True):
        if name is None:
            out.append(cluster.suggested_name())
        elif shared[name] > 1 and cluster.keywords:
            out.append(f"{name}-{cluster.keywords[0]}")
        else:
            out.append(name)
    return out
