"""`slmc analyze agent.py --traces FILES --out DIR`: find the tasks in an agent's traffic, score how much of it an
SLM could serve, pick SLMs and write report.md, report.html and analysis.json.

`slmc analyze PATH` (no ``--traces``): the static case-study table of a repository — LLM call sites by kind and
client family, and the narrow / open-ended / unclear shares of its calls with their top reasons."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from slmc.compiler.commands import add_licence_argument, run_settings
from slmc.errors import Severity, SlmcError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+", type=Path, help="the agent's entry file(s) or package folder")
    parser.add_argument(
        "--traces", nargs="+", type=Path, help="trace files (any supported format); without: a static survey only"
    )
    parser.add_argument("--json", action="store_true", help="without --traces: print the survey as JSON")
    parser.add_argument(
        "--out", type=Path, default=Path("slmc-analysis"), help="report folder (default: slmc-analysis)"
    )
    parser.add_argument("--root", type=Path, help="project root site ids are relative to (default: the agent's folder)")
    parser.add_argument("--max-params", help="largest SLM to consider, e.g. 3B")
    add_licence_argument(parser)
    parser.add_argument("--gpu-memory", type=float, help="GPU memory of the serving machine in GB")
    parser.add_argument("--cpu-only", action="store_true", default=None, help="plan for CPU serving")
    parser.add_argument("--target", choices=("tensorrt-llm", "vllm", "llamacpp", "hf"), help="serving target")
    parser.add_argument("--base-model", help="use this base for every task (catalog name, hub id, scratch:<size>)")
    parser.add_argument(
        "--embedder", choices=("auto", "minilm", "tfidf"), default=None, help="clustering embedder (default: auto)"
    )
    parser.add_argument("--llm-price-model", help="price the traffic as this LLM (default: the traces' model)")
    parser.add_argument("--pipeline", help="pass pipeline (default: the analyze pipeline)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.add_argument("--verbose", "-v", action="store_true", help="also show what each stage says while it runs")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (one line per stage)")


def _load_passes(spec: str, log, settings=None) -> tuple[list, list[str]]:
    """The pipeline's passes; passes that cannot be imported yet are skipped (reported), never stubbed."""
    from slmc.compiler import passmanager as pm

    passes, skipped = [], []
    for name in (part.strip() for part in spec.split(",") if part.strip()):
        try:
            passes.extend(pm.parse_pipeline(name, settings))
        except SlmcError as exc:
            if "cannot be loaded" not in exc.message:
                raise
            skipped.append(name.split("{", 1)[0])
            log(f"skipping {name}: {exc.message}")
    return passes, skipped


def survey(args: argparse.Namespace) -> int:
    """No traces: find the call sites, triage them from the source and print the case-study table."""
    import json

    from slmc.frontend import analyze_paths
    from slmc.ir.unit import display_path
    from slmc.passes.triage import multi_task_wrappers, triage_site_guarded
    from slmc.report.survey import build_survey, render_survey

    for path in args.sources:
        if not os.path.lexists(path):
            raise SlmcError(f"{path}: no such file or folder", hint="check the path")
    first = args.sources[0]
    root = (args.root or (first if first.is_dir() else first.parent)).resolve()
    graph, diagnostics = analyze_paths([p.absolute() for p in args.sources], root=root)
    multi = multi_task_wrappers(graph)
    for site in graph.sites():
        graph.update(site.id, triage=triage_site_guarded(graph, site, multi))
    errors = [d for d in diagnostics if d.severity == Severity.ERROR]
    if not args.quiet:
        for d in errors:
            print(dataclasses.replace(d, path=display_path(d.path, root)).concise(), file=sys.stderr)
    names = [display_path(s, root) for s in args.sources]
    result = build_survey(graph, ", ".join(root.name if n in (".", "") else n for n in names), len(errors))
    print(json.dumps(result.to_json(), indent=1) if args.json else render_survey(result))
    return 0


def run(args: argparse.Namespace) -> int:
    if not args.traces:
        return survey(args)
    from slmc.compiler import passmanager as pm
    from slmc.compiler.progress import StageDisplay, quiet_libraries
    from slmc.frontend import analyze_paths
    from slmc.ir.unit import CompileUnit, Reports, display_path
    from slmc.report.analyze import build_analysis, render_terminal, write_reports
    from slmc.report.summary import ingest_dropped, sites_text
    from slmc.traces.ingest import IngestReport, read_traces

    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    for path in [*args.sources, *args.traces]:
        # a dangling link or a loop among the sources is an E003 diagnostic, not a missing path
        if not (os.path.lexists(path) if path in args.sources else path.exists()):
            raise SlmcError(f"{path}: no such file or folder", hint="check the path")
    first = args.sources[0]
    root = (args.root or (first if first.is_dir() else first.parent)).resolve()
    keys = ("licence", "cpu_only", "embedder", "max_params", "gpu_memory", "target", "base_model", "llm_price_model")
    settings = run_settings(args.sources, {key: getattr(args, key) for key in keys})  # over [tool.slmc]

    quiet_libraries()
    passes, skipped = _load_passes(args.pipeline or pm.ANALYZE_PIPELINE, log, settings)
    display = StageDisplay(1 + len(passes), write=log, progress=not args.no_progress, verbose=args.verbose)
    display.start("frontend")
    graph, diagnostics = analyze_paths([p.absolute() for p in args.sources], root=root)
    ingest = IngestReport()
    records, problems = read_traces(args.traces, report=ingest)
    diagnostics = [*diagnostics, *problems]
    graph.meta.root = "."  # no absolute path of this machine in the reports: paths relative to the agent's root
    graph.meta.trace_sources = [display_path(t, root) for t in args.traces]
    reports = Reports()
    reports.count_dropped("ingest", ingest_dropped(ingest))
    reports.records_in = len(records) + reports.dropped_by("ingest")
    not_read = ", ".join(f"{r} {n}" for r, n in reports.dropped.get("ingest", {}).items())
    display.done(
        "frontend",
        f"{sites_text(graph)}; {len(records)} trace records" + (f"; not read: {not_read}" if not_read else ""),
    )
    if not records:
        display.close()
        content_off = next((d for d in problems if d.code == "E107"), None)  # spans, but message content was off
        raise SlmcError(
            "no usable trace records in the given files",
            path=content_off.path if content_off else None,
            hint=content_off.message if content_off else "record some with `slmc trace -- python agent.py`",
        )

    cache = args.out.resolve() / ".cache"
    ctx = pm.PassContext(
        root=root,
        cache_dir=cache,
        settings=settings,
        log=display.log,
        show=display.say,
        progress=display.interactive,
    )
    manager = pm.PassManager(passes, on_start=display.start, on_done=display.done)
    try:
        unit = manager.run(ctx, CompileUnit(graph, records, reports))
    finally:
        display.close()
    graph = unit.graph
    diagnostics += ctx.diagnostics
    diagnostics = [dataclasses.replace(d, path=display_path(d.path, root)) for d in diagnostics]
    analysis = build_analysis(
        graph,
        unit.traces,
        unit.reports,
        agent=", ".join(display_path(s, root) for s in args.sources),
        passes=[(r.name, r.seconds) for r in manager.records],
        skipped=skipped,
        diagnostics=[d for d in diagnostics if d.severity != Severity.INFO],
    )
    paths = write_reports(args.out, analysis)
    for d in diagnostics:
        if d.severity == Severity.ERROR:
            print(d.concise(), file=sys.stderr)
    print(render_terminal(analysis))
    print(f"wrote {', '.join(str(p) for p in paths)}")
    return 0
