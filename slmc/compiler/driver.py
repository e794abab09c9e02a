"""The compile driver: source + traces -> IR -> passes -> (trained SLMs) -> rewritten agent + bundle + report.

Pure orchestration over explicit stages. Every stage is cached by the content hash of its inputs (source files,
trace files, options, the pass spec and everything before it) under ``<out>.slmc-cache/``, so a re-run with the same
inputs resumes after the last finished stage; training keeps its own per-task checkpoints there too. The bundle is
written atomically at the end.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slmc import __version__
from slmc.compiler import passmanager as pm
from slmc.compiler.settings import Settings
from slmc.compiler.sourcefiles import SourceFile, walk_sources
from slmc.compiler.stages import StageCache, hash_files, hash_json
from slmc.errors import Diagnostic, Severity, SlmcError
from slmc.ir import AgentGraph, Decision, SiteKind, dumps
from slmc.ir.unit import (
    UNIT_FORMAT,
    CompileUnit,
    Reports,
    diag_from_json,
    diag_to_json,
    display_path,
    print_unit,
)

EMIT_PIPELINES = pm.EMIT_PIPELINES


@dataclass
class CompileOptions:
    sources: list[Path]
    traces: list[Path]
    out: Path
    root: Path | None = None
    target: str = "hf"
    emit: str = "bundle"  # ir | plan | bundle
    pipeline: str | None = None
    print_ir_after_all: bool = False
    settings: Settings = field(default_factory=Settings)  # the run's settings (command line over [tool.slmc])
    in_place: bool = False
    progress: bool = True  # a progress bar when stderr is a terminal (else one line per stage)
    fresh: bool = False  # ignore the stage cache
    verbose: bool = False  # also show what each stage says while it runs (always shown on a terminal)
    tty: bool | None = None  # whether stderr is a terminal (None: ask it)


@dataclass
class CompileResult:
    graph: AgentGraph
    diagnostics: list[Diagnostic]
    out: Path
    bundle: Path | None
    summary: dict[str, Any]
    stages: list[tuple[str, str, float]]  # (stage, "ran"|"cached", seconds)


def _python_files(paths: list[Path], root: Path) -> list[SourceFile]:
    """The ``.py`` files under ``paths`` (no ``.venv`` or ``build`` folders); symlink loops, dangling links, FIFOs and
    links out of the project come back with a ``problem`` (an E003 diagnostic), never read."""
    for p in paths:
        if not os.path.lexists(p):
            raise SlmcError(f"no such file or folder: {p}", hint="give the agent's entry file or its package folder")

    def skip(rel: str, walk_root: str | None) -> bool:
        return rel.rsplit("/", 1)[-1] in (".venv", "build")

    return sorted(walk_sources(paths, root, exclude_dir=skip, suffixes=(".py",)), key=lambda f: f.relpath.split("/"))


def target_names() -> tuple[str, ...]:
    """The serving targets (the targets registry, ``slmc.targets.base.TARGETS``)."""
    from slmc.targets.base import TARGETS

    return tuple(TARGETS)


def _check_inputs(opts: CompileOptions) -> tuple[Path, list[SourceFile]]:
    if opts.target not in target_names():
        raise SlmcError(f"unknown target {opts.target!r}", hint=f"choose one of: {', '.join(target_names())}")
    if opts.emit not in EMIT_PIPELINES:
        raise SlmcError(f"unknown --emit {opts.emit!r}", hint="choose ir, plan or bundle")
    for t in opts.traces:
        if not t.is_file():
            raise SlmcError(f"trace file not found: {t}", hint="record traces with `slmc trace -- python agent.py`")
    root = (opts.root or (opts.sources[0] if opts.sources[0].is_dir() else opts.sources[0].parent)).resolve()
    files = _python_files(opts.sources, root)
    if not any(not f.problem for f in files):
        raise SlmcError("no Python files to compile", hint="give the agent's entry file or its package folder")
    return root, files


def _check_out(opts: CompileOptions, root: Path, files: list[SourceFile]) -> Path:
    """--out, resolved, once it is known to be safe to write (see ``check_out_dir``): before any work is done."""
    from slmc.codegen.bundle import check_out_dir

    if opts.out.is_symlink():
        raise SlmcError("--out is a symbolic link", path=str(opts.out), hint="give the real folder, or a new one")
    out = opts.out.resolve()
    check_out_dir(out, [root, *(f.path for f in files), *opts.traces])
    return out


def _stage_names(passes: list[pm.Pass]) -> list[str]:
    return ["frontend", *(p.name for p in passes)]


def _first_cached(passes: list[pm.Pass], has_traces: bool) -> int:
    """The first stage written to the cache. The traces are cached only once scrubbed (the stage of the pass that
    provides ``pii-scrubbed`` and later): the cache folder never holds a raw copy of them. Earlier stages are cheap and
    run again on a resume; without such a pass nothing is cached. Without traces every stage is cached."""
    if not has_traces:
        return 0
    scrubbing = [i for i, p in enumerate(passes) if "pii-scrubbed" in p.provides]
    return scrubbing[0] + 1 if scrubbing else len(passes) + 1


def _cache_key_settings(settings: Settings) -> dict[str, Any]:
    """The settings that change what the stages compute (the serving target only changes the emit; resuming
    training and which names the command line gave change nothing cached)."""
    values = dataclasses.asdict(settings)
    for name in ("target", "resume_training", "given", "reuse_from"):
        values.pop(name)
    return values


def compile_agent(
    opts: CompileOptions,
    log: Callable[[str], None] = print,
    report: Callable[[Diagnostic], None] = lambda d: None,
) -> CompileResult:
    """Run the pipeline and emit. ``report`` gets every diagnostic as soon as it is raised (frontend and ingest, then
    each pass's as that pass ends, a failed one included; a resumed run replays the cached stages' first), so what was
    found is shown even when a later stage fails. Before the first expensive pass runs (training; and at the end of
    ``--emit plan``) the plan is checked against the targets and the manifest schema, as if every planned task passed
    the gate."""
    from slmc.compiler.progress import StageDisplay, quiet_libraries
    from slmc.frontend import analyze_paths
    from slmc.report.summary import ingest_dropped
    from slmc.traces.ingest import IngestReport, read_traces

    root, files = _check_inputs(opts)
    out = _check_out(opts, root, files)
    # the passes see the serving target (select-slm keeps to models it serves); training resumes unless --fresh
    settings = dataclasses.replace(opts.settings, target=opts.target, resume_training=not opts.fresh)
    passes = pm.parse_pipeline(opts.pipeline or EMIT_PIPELINES[opts.emit], settings)
    quiet_libraries()
    cache = StageCache(out.parent / f".{out.name}.slmc-cache")
    work = cache.folder / "work"
    work.mkdir(parents=True, exist_ok=True)
    stages: list[tuple[str, str, float]] = []

    # Stage 0: frontend + trace ingest, keyed by the content of every input file.
    key = hash_json(
        [
            __version__,
            f"unit{UNIT_FORMAT}",
            hash_files([f.path for f in files if not f.problem], root),
            hash_files(opts.traces),
            _cache_key_settings(settings),
            [(f.relpath, f.problem) for f in files],
        ]
    )
    names = _stage_names(passes)
    display = StageDisplay(len(names), write=log, progress=opts.progress, verbose=opts.verbose, tty=opts.tty)
    ctx = pm.PassContext(
        root=root,
        entry=opts.sources[0],
        out_dir=work,
        cache_dir=cache.folder,
        settings=settings,
        progress=display.interactive,
        log=display.log,
        show=display.say,
    )
    keys = [key]
    for p in passes:
        extra = p.context_key(ctx)  # what the pass reads from the context (the agent's name for its serving plan)
        keys.append(hash_json([keys[-1], p.spec(), *([extra] if extra is not None else [])]))
    first_cached = _first_cached(passes, bool(opts.traces))
    traces_file: list[Path | None] = [None]  # the cached trace file of the unit in hand
    checked = [False]

    def before_pass(i: int, p: pm.Pass, unit: CompileUnit) -> None:
        if p.expensive and opts.emit == "bundle" and not checked[0]:  # fail before the expensive part
            _preflight(unit.graph, opts, root, work)
            checked[0] = True

    def after_pass(i: int, p: pm.Pass, unit: CompileUnit) -> None:
        stage = i + 1
        if stage >= first_cached:
            cache.save(names[stage], keys[stage], unit, same_traces_as=traces_file[0] if p.keeps_traces else None)
            traces_file[0] = cache.traces_file(names[stage], keys[stage])
        stages.append((names[stage], "ran", manager.records[-1].seconds))

    manager = pm.PassManager(
        passes,
        available=pm.FRONTEND_FACTS,
        print_ir_after_all=opts.print_ir_after_all,
        printer=log,
        on_start=display.start,
        on_done=display.done,
        on_report=lambda d: display.outside(report, d),
        before_pass=before_pass,
        after_pass=after_pass,
    )

    start_index = 0
    unit: CompileUnit | None = None
    if not opts.fresh:
        for i in range(len(names) - 1, first_cached - 1, -1):
            if cache.has(names[i], keys[i]):
                unit = cache.load(names[i], keys[i])
                traces_file[0] = cache.traces_file(names[i], keys[i])
                start_index = i
                for name in names[: i + 1]:
                    stages.append((name, "cached", 0.0))
                display.say(f"resuming after stage {names[i]} (cached)")
                display.index = i + 1
                for d in unit.reports.diagnostics:
                    display.outside(report, diag_from_json(d))
                break

    try:
        if unit is None:
            display.start("frontend")
            t0 = time.perf_counter()
            graph, front_diags = analyze_paths(files, root=root)
            # Work a pass can start while the traces are read (its prefetch hook) starts now, fed record by record.
            feed = manager.prefetch(ctx)
            ingest = IngestReport()
            records, trace_diags = read_traces(opts.traces, report=ingest, each=feed)
            for d in front_diags + trace_diags:
                display.outside(report, d)
            # No absolute path of the build machine in what is cached or written: paths relative to the agent's root.
            graph.meta.root = "."
            graph.meta.trace_sources = [display_path(t, root) for t in opts.traces]
            unit = CompileUnit(
                graph, records, Reports(diagnostics=[diag_to_json(d, root) for d in front_diags + trace_diags])
            )
            unit.reports.count_dropped("ingest", ingest_dropped(ingest))
            unit.reports.records_in = len(records) + unit.reports.dropped_by("ingest")
            if first_cached == 0:
                cache.save("frontend", keys[0], unit)
                traces_file[0] = cache.traces_file("frontend", keys[0])
            stages.append(("frontend", "ran", time.perf_counter() - t0))
            display.done("frontend", _frontend_note(graph, len(files), len(records), unit.reports), stages[-1][2])
        unit = manager.run(ctx, unit, start=start_index)
    finally:
        manager.close()  # prefetched work no pass took (a pipeline resumed past it, a failed pass)
        display.close()

    graph = unit.graph
    diagnostics = [diag_from_json(d) for d in unit.reports.diagnostics]
    summary = summarize(graph, unit.reports, kept=len(unit.traces) if unit.traces is not None else None)
    bundle: Path | None = None
    if opts.emit == "bundle":
        report_dir = _write_report(unit, opts, root, work, summary, diagnostics)
        bundle = _emit_bundle(unit, opts, root, work, out, report_dir)
    else:
        if opts.emit == "plan":
            _preflight(graph, opts, root, work)
        _emit_ir(unit, out, opts.emit, work)
    return CompileResult(graph, diagnostics, out, bundle, summary, stages)


def _emit_ir(unit: CompileUnit, out: Path, kind: str, work: Path) -> None:
    """``ir.json`` / ``plan.json`` and their text form; a plan records where its datasets are (the build folder,
    relative to the plan's folder), so ``slmc train`` / ``slmc eval`` read them from there."""
    from slmc.codegen.bundle import add_to_mark, check_out_dir
    from slmc.training.plan_io import record_build

    check_out_dir(out)  # checked before the work; again now, so nothing the user put there since is overwritten
    out.mkdir(parents=True, exist_ok=True)
    names = [f"{kind}.json", f"{kind}.txt"]
    if kind == "plan":
        record_build(unit.graph, out / names[0], work)
    add_to_mark(out, names)
    (out / names[0]).write_text(dumps(unit.graph), encoding="utf-8")
    (out / names[1]).write_text(print_unit(unit), encoding="utf-8")


def routed_sites(graph: AgentGraph) -> dict[str, Decision]:
    """Decisions per site for codegen: accepted sites, plus the request sites their wrapper-calls reach.

    A request inside a shared wrapper is wrapped too (so the router sees it) but keeps its own decision: the router
    serves it from the SLM only under an offloaded wrapper-call's context.
    """
    decisions: dict[str, Decision] = {}
    for site in graph.sites():
        if site.decision in (Decision.OFFLOAD, Decision.SHADOW):
            decisions[site.id] = site.decision
            if site.site == SiteKind.WRAPPER_CALL:
                request = graph.request_of(site.id)
                if request is not None and request.id not in decisions:
                    decisions[request.id] = Decision.SHADOW if request.decision is None else request.decision
    return decisions


def _plan_options(opts: CompileOptions, root: Path, work: Path) -> dict[str, Any]:
    from slmc.ir.serving import agent_identity

    name, source = agent_identity(opts.sources[0], root)
    return {"build_dir": work, "root": None if opts.in_place else root, "agent_name": name, "agent_source": source}


def _preflight(graph: AgentGraph, opts: CompileOptions, root: Path, work: Path) -> None:
    """The bundle/manifest checks on the plan as it will be if every planned task is offloaded (before training)."""
    from slmc.codegen.bundle import preflight

    preflight(graph, _plan_options(opts, root, work), opts.target)


def _emit_bundle(unit: CompileUnit, opts: CompileOptions, root: Path, work: Path, out: Path, report: Path) -> Path:
    """The bundle of the serving plan the pipeline lowered (``unit.reports.serving``; a pipeline without the pass
    that lowers it gets it lowered by codegen, from the gated graph)."""
    from slmc.codegen.bundle import write_bundle

    graph = unit.graph
    plan_options = {**_plan_options(opts, root, work), "extra_dirs": {"report": report}}
    result = write_bundle(graph, plan_options, out, target=opts.target, plan=unit.reports.serving)
    if opts.in_place:
        from slmc.codegen.rewrite import rewrite_agent, rewrites_from_graph

        rewrite_agent(root, rewrites_from_graph(graph, routed_sites(graph)), in_place=True)
    return result.out_dir


def _write_report(
    unit: CompileUnit,
    opts: CompileOptions,
    root: Path,
    work: Path,
    summary: dict[str, Any],
    diagnostics: list[Diagnostic],
) -> Path:
    """report.md, report.html and analysis.json (with the gate's verdicts) into ``work/report``."""
    from slmc.report.analyze import build_analysis, write_reports

    folder = work / "report"
    analysis = build_analysis(
        unit.graph,
        unit.traces,
        unit.reports,
        agent=", ".join(display_path(s, root) for s in opts.sources),
        diagnostics=[d for d in diagnostics if d.severity != Severity.INFO],
        summary=summary,
    )
    analysis["compile"] = summary  # the key older readers use; the same dict as analysis["summary"]
    write_reports(folder, analysis)
    from slmc.analysis.monitor import MONITOR_FILE, bundle_profile

    # what `slmc monitor` compares live traffic with; MiniLM vectors from the compile's embedding cache
    profile = bundle_profile(unit.graph, unit.traces, opts.settings, cache_dir=work.parent / "embeddings")
    (folder / MONITOR_FILE).write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    if opts.settings.reuse_from:  # slmc compile --from BUNDLE: which decisions changed since the deployed bundle
        from slmc.training.reuse import decision_diff

        diff = decision_diff(Path(opts.settings.reuse_from) / "slmc-manifest.yaml", unit.graph)
        (folder / "decision-diff.json").write_text(json.dumps(diff, indent=1, ensure_ascii=False), encoding="utf-8")
    return folder


def _frontend_note(graph: AgentGraph, files: int, records: int, reports: Reports) -> str:
    from slmc.report.summary import sites_text

    note = f"{sites_text(graph)} in {files} files; {records} trace records"
    skipped = reports.dropped.get("ingest")
    if skipped:
        note += "; not read: " + ", ".join(f"{r} {n}" for r, n in sorted(skipped.items(), key=lambda kv: -kv[1]))
    return note


def summarize(graph: AgentGraph, reports: Reports, kept: int | None = None) -> dict[str, Any]:
    """The run's figures (``slmc.report.summary.summarize``): what the CLI prints and the report shows."""
    from slmc.report.summary import summarize as summary_of

    return summary_of(graph, reports, kept)


def format_summary(summary: dict[str, Any]) -> str:
    from slmc.report.summary import render_summary

    return "\n".join(render_summary(summary))


def write_summary_json(result: CompileResult) -> None:
    if result.bundle is None:
        return
    from slmc.codegen.bundle import add_to_mark

    path = result.bundle / "compile-summary.json"
    if path.parent.exists():
        add_to_mark(path.parent, [path.name])
        path.write_text(json.dumps({"summary": result.summary, "stages": result.stages}, indent=1), encoding="utf-8")


__all__ = ["CompileOptions", "CompileResult", "compile_agent", "format_summary", "routed_sites", "summarize"]
