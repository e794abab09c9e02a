"""Passes, the pass registry, pipeline strings and the pass manager that runs them.

A pass is a small frozen dataclass: ``name``, options as fields, ``requires``/``provides`` facts, one ``run`` that
takes the compile unit (``slmc.ir.unit.CompileUnit``: graph, trace table, reports) and returns it.

    @dataclass(frozen=True)
    class ClusterTasks(Pass):
        name = "cluster-tasks"
        requires = ("traces-linked",)
        provides = ("tasks",)
        min_size: int = 20
        embedder: str = setting_field("embedder", "auto")  # mirrors a run setting (see slmc.compiler.settings)

        def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit: ...

Pipeline strings: ``link-traces,scrub-pii,cluster-tasks{min-size=20,embedder=tfidf}``. The manager parses the pipeline
once (applying the settings' precedence rule to the options that mirror a setting), validates it once (every
``requires`` fact provided by the frontend or an earlier pass) and runs it, calling ``before_pass``/``after_pass``
around each pass (the driver caches stages there). Adding a pass: the pass module, its line in ``REGISTRY``, its test.
"""

from __future__ import annotations

import dataclasses
import importlib
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from slmc.compiler.settings import Settings, setting_of
from slmc.errors import Diagnostic, SlmcError
from slmc.ir.unit import CompileUnit, diag_to_json
from slmc.lazyre import lazy

# Facts the static frontend provides before any pass runs.
FRONTEND_FACTS = ("sites",)


def _quiet(msg: str) -> None:
    return None


@dataclass(frozen=True)
class PassContext:
    """What a pass may use besides the unit, fixed for the run: paths, settings, where to log and report.

    ``diagnostics`` and ``notes`` collect what the running pass reports (``report``, ``note``); the manager moves
    them into the unit's reports and the stage line. ``prefetched`` is what this pass's own ``prefetch`` hook started
    while the traces were read (None otherwise; the manager hands it to that pass only)."""

    root: Path = Path(".")
    entry: Path | None = None  # the agent's entry file or package folder as given (names the agent's serving plan)
    out_dir: Path | None = None  # build folder (datasets, adapters, bundle)
    cache_dir: Path | None = None
    settings: Settings = field(default_factory=Settings)
    progress: bool = False  # show progress bars
    log: Callable[[str], None] = _quiet
    show: Callable[[str], None] | None = None  # lines always shown (one per training, per evaluation); default: log
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the running pass's one-line summary (counts), shown with it
    prefetched: Any = None

    def milestone(self, text: str) -> None:
        """One line for a long step inside a pass (each task's training or evaluation), shown even on a log."""
        (self.show or self.log)(text)

    def note(self, text: str) -> None:
        """A count for the running pass's stage line (``linked 4800 of 4800``), shown once the pass ends."""
        self.notes.append(text)

    def report(self, diag: Diagnostic) -> None:
        self.diagnostics.append(diag)


@dataclass(frozen=True)
class Pass:
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    provides: ClassVar[tuple[str, ...]] = ()
    # True when the pass never changes the trace table (nor any record in it): the stage cache links the previous
    # stage's trace file instead of writing it again. tests/compiler/test_driver_cache.py checks every pass that says so.
    keeps_traces: ClassVar[bool] = False
    # True for a pass whose work is long (training): the driver checks what it can check of the output before it.
    expensive: ClassVar[bool] = False

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:  # pragma: no cover - abstract
        raise NotImplementedError

    def prefetch(self, ctx: PassContext) -> Any:
        """Work this pass can start while the traces are still being read: an object with ``feed(record)`` (called
        for each record as it is read) and ``close()``, handed back to this pass's ``run`` as ``ctx.prefetched``.
        None (the default): nothing to start."""
        return None

    def context_key(self, ctx: PassContext) -> Any:
        """What this pass reads from ``ctx`` besides its options and the unit that changes its result (JSON data; the
        stage cache keys the pass's stage with it). None (the default): nothing."""
        return None

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
    "plan-serving": "slmc.passes.plan_serving:PlanServing",
}

DEFAULT_PIPELINE = (
    "triage,link-traces,scrub-pii,curate,cluster-tasks,infer-contracts,score-offload,select-slm,plan-finetune,"
    "train,evaluate,gate,plan-serving"
)
ANALYZE_PIPELINE = "triage,link-traces,scrub-pii,curate,cluster-tasks,infer-contracts,score-offload,select-slm"
PLAN_PIPELINE = ANALYZE_PIPELINE + ",plan-finetune"
# `slmc compile --emit X`: the pipeline that ends at X
EMIT_PIPELINES = {"ir": ANALYZE_PIPELINE, "plan": PLAN_PIPELINE, "bundle": DEFAULT_PIPELINE}


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


_PASS_SPEC = lazy(r"\s*([a-z][a-z0-9-]*)\s*(?:\{([^{}]*)\})?\s*(?:,|$)")


def parse_pipeline(spec: str, settings: Settings | None = None) -> list[Pass]:
    """Parse ``a,b{opt=1,other=x:y},c`` into pass instances (options typed from the dataclass fields).

    With ``settings``, an option that mirrors a setting gets its value by the one precedence rule: the command line
    (``settings.given``) > the option written here > ``[tool.slmc]`` > the default (both already in ``settings``)."""
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
        if settings is not None:
            for f in fields.values():
                setting = setting_of(f)
                if setting is not None and (setting in settings.given or f.name not in kwargs):
                    kwargs[f.name] = getattr(settings, setting)
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
    """Owns the loop: the pipeline (parsed and validated once), the prefetch hooks, the run and its callbacks."""

    def __init__(
        self,
        passes: list[Pass],
        *,
        available: tuple[str, ...] | list[str] | None = None,
        verify: bool = True,
        print_ir_after_all: bool = False,
        printer: Callable[[str], None] = print,
        on_start: Callable[[str], None] | None = None,
        on_done: Callable[[str, str, float], None] | None = None,
        on_report: Callable[[Diagnostic], None] | None = None,
        before_pass: Callable[[int, Pass, CompileUnit], None] | None = None,
        after_pass: Callable[[int, Pass, CompileUnit], None] | None = None,
    ) -> None:
        """``available``: the facts known before the first pass; given, the pipeline is validated now (else on the
        first run, against the unit's facts). ``on_start(name)`` before each pass, ``on_done(name, note, seconds)``
        after it (the note gives the pass's counts: records in -> out, what it dropped per reason, what it noted);
        ``on_report(diagnostic)`` for what a pass reported, once it ends (a failed one included);
        ``before_pass``/``after_pass(index, pass, unit)`` around each pass (the driver's stage cache)."""
        self.passes = passes
        self.verify = verify
        self.print_ir_after_all = print_ir_after_all
        self.printer = printer
        self.on_start = on_start
        self.on_done = on_done
        self.on_report = on_report
        self.before_pass = before_pass
        self.after_pass = after_pass
        self.records: list[PassRecord] = []
        self._prefetched: dict[int, Any] = {}
        self._validated = False
        if available is not None:
            self.validate(tuple(available))

    @classmethod
    def from_spec(cls, spec: str, settings: Settings | None = None, **kwargs: Any) -> PassManager:
        return cls(parse_pipeline(spec, settings), **kwargs)

    def validate(self, available: tuple[str, ...]) -> None:
        validate_pipeline(self.passes, available)
        self._validated = True

    def prefetch(self, ctx: PassContext) -> Callable[[Any], None] | None:
        """Starts every pass's ``prefetch`` hook; returns the function to call with each trace record as it is read
        (None when no pass has work to start)."""
        for i, p in enumerate(self.passes):
            started = p.prefetch(ctx)
            if started is not None:
                self._prefetched[i] = started
        feeders = [x.feed for x in self._prefetched.values()]
        if not feeders:
            return None

        def feed(record: Any) -> None:
            for f in feeders:
                f(record)

        return feed

    def close(self) -> None:
        """Closes prefetched work no pass took (a pipeline resumed past it, a failed pass)."""
        for started in self._prefetched.values():
            close = getattr(started, "close", None)
            if close is not None:
                close()
        self._prefetched.clear()

    def run(self, ctx: PassContext, unit: CompileUnit, start: int = 0) -> CompileUnit:
        """Runs the passes from index ``start`` (the ones before are done: a resumed run) on ``unit``."""
        from slmc.ir.unit import print_unit

        if not isinstance(unit, CompileUnit):
            raise TypeError(f"passes run on a CompileUnit, not {type(unit).__name__}")
        if not self._validated:
            self.validate(tuple(unit.graph.meta.facts) or FRONTEND_FACTS)
        for i in range(start, len(self.passes)):
            p = self.passes[i]
            if self.before_pass is not None:
                self.before_pass(i, p, unit)
            begin = time.perf_counter()
            if self.on_start is not None:
                self.on_start(p.name)
            before, counted = _count(unit.traces), dict(unit.reports.dropped.get(p.name, {}))
            ctx.notes.clear()
            first = len(ctx.diagnostics)
            pass_ctx = (
                dataclasses.replace(ctx, prefetched=self._prefetched.pop(i, None)) if i in self._prefetched else ctx
            )
            try:
                unit = p.run(pass_ctx, unit)
            finally:
                if self.on_report is not None:  # shown now: a later failure must not swallow them
                    for d in ctx.diagnostics[first:]:
                        self.on_report(d)
            if not isinstance(unit, CompileUnit):
                raise TypeError(f"pass {p.name} returned {type(unit).__name__}, not the CompileUnit")
            unit.reports.diagnostics.extend(diag_to_json(d, ctx.root) for d in ctx.diagnostics[first:])
            after = _count(unit.traces)
            if before is not None and after is not None:
                unexplained = before - after - (unit.reports.dropped_by(p.name) - sum(counted.values()))
                if unexplained > 0:  # no record vanishes without a word
                    unit.reports.count_dropped(p.name, {"unexplained": unexplained})
            now = unit.reports.dropped.get(p.name, {})
            dropped = {r: n - counted.get(r, 0) for r, n in now.items() if n - counted.get(r, 0)}
            graph = unit.graph
            graph.meta.passes_run.append(p.spec())
            for fact in (*FRONTEND_FACTS, *p.provides):
                if fact not in graph.meta.facts:
                    graph.meta.facts.append(fact)
            self.records.append(PassRecord(p.name, time.perf_counter() - begin))
            if self.on_done is not None:
                from slmc.compiler.progress import stage_note

                note = "; ".join(x for x in (stage_note(p.name, before, after, dropped), *ctx.notes) if x)
                self.on_done(p.name, note, self.records[-1].seconds)
            if self.verify:
                graph.verify()
            if self.print_ir_after_all:
                self.printer(f"// ----- IR after {p.spec()} -----\n{print_unit(unit)}")
            if self.after_pass is not None:
                self.after_pass(i, p, unit)
        return unit
