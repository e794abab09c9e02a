"""Passes, the pass registry, pipeline strings and the pass manager.

A pass is a small frozen dataclass: ``name``, options as fields, ``requires``/``provides`` facts, one ``run``.

    @dataclass(frozen=True)
    class ClusterTasks(Pass):
        name = "cluster-tasks"
        requires = ("traces-linked",)
        provides = ("tasks",)
        min_size: int = 20

        def run(self, ctx: PassContext, graph: AgentGraph) -> AgentGraph: ...

Pipeline strings: ``link-traces,scrub-pii,cluster-tasks{min-size=20,embedder=tfidf}``. A pipeline is validated before
it runs: every ``requires`` fact must be provided by the frontend or an earlier pass.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from slmc.errors import Diagnostic, SlmcError
from slmc.ir.graph import AgentGraph

# Facts the static frontend provides before any pass runs.
FRONTEND_FACTS = ("sites",)


@dataclass
class PassContext:
    """Everything a pass may use besides the graph. No global settings: this object is passed around."""

    root: Path = Path(".")
    out_dir: Path | None = None  # build folder (datasets, adapters, bundle)
    cache_dir: Path | None = None
    traces: Any = None  # slmc.traces.TraceSet once traces are loaded
    options: dict[str, Any] = field(default_factory=dict)  # global user options (target, constraints, gate target)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    progress: bool = False  # show progress bars
    artifacts: dict[str, Any] = field(default_factory=dict)  # results of passes that are not IR (datasets, reports)
    # Work started earlier in this run for a later pass, in memory only and never cached: "pii-prefetch" (a
    # DetectionPrefetch fed while the traces were read; scrub-pii takes it).
    services: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = lambda msg: None
    notes: list[str] = field(default_factory=list)  # the running pass's one-line summary (counts), shown with it
    show: Callable[[str], None] | None = None  # lines always shown (one per training, per evaluation); default: log

    def milestone(self, text: str) -> None:
        """One line for a long step inside a pass (each task's training or evaluation), shown even on a log."""
        (self.show or self.log)(text)

    def note(self, text: str) -> None:
        """A count for the running pass's stage line (``linked 4800 of 4800``), shown once the pass ends."""
        self.notes.append(text)

    def report(self, diag: Diagnostic) -> None:
        self.diagnostics.append(diag)

    def count_dropped(self, stage: str, reasons: dict[str, int]) -> None:
        """Records ``stage`` left out, per reason, added to ``artifacts["dropped"]`` (stage -> reason -> records).
        A pass that shrinks ``ctx.traces`` without saying why gets its shortfall counted as ``unexplained``."""
        from slmc.report.summary import add_dropped

        add_dropped(self.artifacts, stage, reasons)

    def dropped_by(self, stage: str) -> int:
        return sum((self.artifacts.get("dropped") or {}).get(stage, {}).values())


@dataclass(frozen=True)
class Pass:
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    provides: ClassVar[tuple[str, ...]] = ()
    # True when the pass never changes ctx.traces (nor any record in it): the stage cache links the previous stage's
    # trace file instead of writing it again. tests/compiler/test_driver_cache.py checks every pass that claims it.
    keeps_traces: ClassVar[bool] = False

    def run(self, ctx: PassContext, graph: AgentGraph) -> AgentGraph:  # pragma: no cover - abstract
        raise NotImplementedError

    def spec(self) -> str:
        """The pipeline text of this pass with its non-default options."""
        opts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            default = f.default if f.default is not dataclasses.MISSING else None
            if value != default:
                if isinstance(value, tuple):
                    value = ":".join(map(str, value))
                opts.append(f"{f.name.replace('_', '-')}={value}")
        return self.name + ("{" + ",".join(opts) + "}" if opts else "")


# name -> "module:Class". Imported lazily so `slmc lint` never imports what it does not run.
REGISTRY: dict[str, str] = {
    "triage": "slmc.passes.triage:Triage",
    "link-traces": "slmc.passes.link_traces:LinkTraces",
    "scrub-pii": "slmc.passes.scrub_pii:ScrubPII",
    "curate": "slmc.passes.curate:Curate",
    "cluster-tasks": "slmc.passes.cluster_tasks:ClusterTasks",
    "infer-contracts": "slmc.passes.infer_contracts:InferContracts",
    "score-offload": "slmc.passes.score_offload:ScoreOffload",
    "select-slm": "slmc.passes.select_slm:SelectSLM",
    "plan-finetune": "slmc.passes.plan_finetune:PlanFinetune",
    "train": "slmc.passes.train:Train",
    "evaluate": "slmc.passes.evaluate:Evaluate",
    "gate": "slmc.passes.gate:Gate",
}

DEFAULT_PIPELINE = (
    "triage,link-traces,scrub-pii,curate,cluster-tasks,infer-contracts,score-offload,select-slm,plan-finetune,"
    "train,evaluate,gate"
)
ANALYZE_PIPELINE = "triage,link-traces,scrub-pii,curate,cluster-tasks,infer-contracts,score-offload,select-slm"


def pass_class(name: str) -> type[Pass]:
    target = REGISTRY.get(name)
    if target is None:
        near = [n for n in REGISTRY if n.startswith(name[:3])]
        hint = f"did you mean {', '.join(near)}?" if near else f"known passes: {', '.join(sorted(REGISTRY))}"
        raise SlmcError(f"unknown pass {name!r}", hint=hint)
    module_name, cls_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SlmcError(
            f"pass {name!r} cannot be loaded: {exc}",
            hint="install the ML extra: pip install 'slmc[ml]'"
            if "torch" in str(exc) or "sklearn" in str(exc)
            else None,
        ) from None
    cls = getattr(module, cls_name)
    if cls.name != name:
        raise SlmcError(f"registry entry {name!r} points at a pass named {cls.name!r}")
    return cls


def _convert(tp: Any, text: str, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if origin is not None and args and origin is not tuple:  # X | None
        if text.lower() in ("none", ""):
            return None
        return _convert(args[0], text, where)
    try:
        if tp is bool:
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if tp is int:
            return int(text)
        if tp is float:
            return float(text)
        if origin is tuple:
            inner = args[0] if args else str
            return tuple(_convert(inner, part, where) for part in text.split(":") if part)
    except ValueError:
        raise SlmcError(f"{where}: {text!r} is not a valid {getattr(tp, '__name__', tp)}") from None
    return text


_PASS_SPEC = re.compile(r"\s*([a-z][a-z0-9-]*)\s*(?:\{([^{}]*)\})?\s*(?:,|$)")


def parse_pipeline(spec: str) -> list[Pass]:
    """Parse ``a,b{opt=1,other=x:y},c`` into pass instances (options typed from the dataclass fields)."""
    passes: list[Pass] = []
    pos = 0
    spec = spec.strip()
    while pos < len(spec):
        m = _PASS_SPEC.match(spec, pos)
        if not m or m.end() == pos:
            raise SlmcError(
                f"cannot parse pipeline at {spec[pos:]!r}", hint="write passes as name{opt=value,...}, comma-separated"
            )
        pos = m.end()
        name, opts = m.group(1), m.group(2)
        cls = pass_class(name)
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for item in filter(None, (o.strip() for o in (opts or "").split(","))):
            if "=" not in item:
                raise SlmcError(f"pass {name}: option {item!r} needs a value (name=value)")
            key, value = (s.strip() for s in item.split("=", 1))
            attr = key.replace("-", "_")
            if attr not in fields:
                known = ", ".join(f.replace("_", "-") for f in fields) or "none"
                raise SlmcError(f"pass {name} has no option {key!r}", hint=f"its options: {known}")
            kwargs[attr] = _convert(hints[attr], value, f"pass {name} option {key}")
        passes.append(cls(**kwargs))
    return passes


def _provider_of(fact: str) -> str | None:
    """The first registered pass that provides ``fact`` (imports passes, so only used to word an error)."""
    for name in REGISTRY:
        try:
            if fact in pass_class(name).provides:
                return name
        except (SlmcError, ImportError):
            continue
    return None


def validate_pipeline(passes: list[Pass], available: tuple[str, ...] = FRONTEND_FACTS) -> None:
    have = set(available)
    for p in passes:
        missing = [r for r in p.requires if r not in have]
        if missing:
            fact = missing[0]
            who = _provider_of(fact)
            hint = f"add {who} before it" if who else "no pass provides it"
            raise SlmcError(f"{p.name} requires {fact}: {hint}")
        have.update(p.provides)


def _count(traces: Any) -> int | None:
    try:
        return len(traces) if traces is not None else None
    except TypeError:
        return None


@dataclass
class PassRecord:
    name: str
    seconds: float


class PassManager:
    def __init__(
        self,
        passes: list[Pass],
        *,
        verify: bool = True,
        print_ir_after_all: bool = False,
        printer: Callable[[str], None] = print,
        on_start: Callable[[str], None] | None = None,
        on_done: Callable[[str, str, float], None] | None = None,
    ) -> None:
        """``on_start(name)`` before each pass, ``on_done(name, note, seconds)`` after it; the note gives the pass's
        counts: records in -> out, what it dropped per reason and what it noted (``ctx.note``)."""
        self.on_start = on_start
        self.on_done = on_done
        self.passes = passes
        self.verify = verify
        self.print_ir_after_all = print_ir_after_all
        self.printer = printer
        self.records: list[PassRecord] = []

    @classmethod
    def from_spec(cls, spec: str, **kwargs: Any) -> PassManager:
        return cls(parse_pipeline(spec), **kwargs)

    def run(self, ctx: PassContext, graph: AgentGraph) -> AgentGraph:
        from slmc.ir.serialize import print_graph

        validate_pipeline(self.passes, tuple(graph.meta.facts) or FRONTEND_FACTS)
        for p in self.passes:
            start = time.perf_counter()
            if self.on_start is not None:
                self.on_start(p.name)
            before, counted = _count(ctx.traces), dict((ctx.artifacts.get("dropped") or {}).get(p.name, {}))
            ctx.notes.clear()
            graph = p.run(ctx, graph)
            after = _count(ctx.traces)
            if before is not None and after is not None:
                unexplained = before - after - (ctx.dropped_by(p.name) - sum(counted.values()))
                if unexplained > 0:  # no record vanishes without a word
                    ctx.count_dropped(p.name, {"unexplained": unexplained})
            now = (ctx.artifacts.get("dropped") or {}).get(p.name, {})
            dropped = {r: n - counted.get(r, 0) for r, n in now.items() if n - counted.get(r, 0)}
            graph.meta.passes_run.append(p.spec())
            for fact in (*FRONTEND_FACTS, *p.provides):
                if fact not in graph.meta.facts:
                    graph.meta.facts.append(fact)
            self.records.append(PassRecord(p.name, time.perf_counter() - start))
            if self.on_done is not None:
                from slmc.compiler.progress import stage_note

                note = "; ".join(x for x in (stage_note(p.name, before, after, dropped), *ctx.notes) if x)
                self.on_done(p.name, note, self.records[-1].seconds)
            if self.verify:
                graph.verify()
            if self.print_ir_after_all:
                self.printer(f"// ----- IR after {p.spec()} -----\n{print_graph(graph)}")
        return graph
