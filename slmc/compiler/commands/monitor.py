"""``slmc monitor BUNDLE --traces LOG...``: the deployed bundle's offloaded sites on live traffic, from the router log.

    slmc monitor build/bundle --traces logs/router.jsonl --out monitor/   # monitor.json + monitor.html
    slmc monitor build/bundle --traces logs/ --json                        # the findings as JSON on stdout

Per site: live agreement with the LLM where both answered (shadow runs, sampled calls), fallback rate by cause, input
drift against the training inputs (the bundle's ``report/monitor.json``) and answers the contract has not seen, $ per
1k calls measured from the log (``slmc.analysis.monitor``). Exit 1 when a site is below its gate (``--fail-on-drift``:
also when one drifted), 0 otherwise; 2 for a usage error. Meant for CI and cron.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bundle", type=Path, help="the bundle folder `slmc compile` wrote (or its slmc-manifest.yaml)")
    parser.add_argument(
        "--traces", nargs="+", type=Path, required=True, help="router logs (files or folders; any trace format)"
    )
    parser.add_argument("--out", "-o", type=Path, default=None, help="folder for monitor.json and monitor.html")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument(
        "--gate-target", type=_share, default=None, help="agreement target (default: the bundle's gate)"
    )
    parser.add_argument(
        "--max-fallback", type=_share, default=None, help="largest fallback rate (default: the bundle's)"
    )
    parser.add_argument("--min-paired", type=_count, default=20, help="paired calls before agreement is judged (20)")
    parser.add_argument("--min-calls", type=_count, default=20, help="calls before fallback and drift are judged (20)")
    parser.add_argument(
        "--drift-share",
        type=_share,
        default=0.25,
        help="share of inputs outside the training inputs that is drift (0.25)",
    )
    parser.add_argument("--fail-on-drift", action="store_true", help="exit 1 when a site drifted, too")


def run(args: argparse.Namespace) -> int:
    from slmc.analysis.monitor import Thresholds, watch
    from slmc.errors import SlmcError
    from slmc.report.monitor import render_terminal, write_reports
    from slmc.traces.ingest import IngestReport, expand_paths, read_traces

    missing = [p for p in args.traces if not p.exists()]
    if missing:
        raise SlmcError(
            f"trace file not found: {missing[0]}", path=str(missing[0]), hint="point --traces at the router log"
        )
    if not expand_paths(args.traces):
        raise SlmcError("no trace files found in the given folders", hint="router logs end in .jsonl")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise SlmcError(f"--out {args.out} is a file", hint="give a folder")
    limits = Thresholds(args.gate_target, args.max_fallback, args.min_paired, args.min_calls, args.drift_share)
    report = IngestReport()
    records, problems = read_traces(args.traces, report=report)
    for diag in problems:
        print(diag.concise(), file=sys.stderr)
    findings = watch(args.bundle, records, limits)
    findings["ingest"] = {"records": report.total, "malformed": report.malformed, "invalid": report.invalid}
    if args.out is not None:
        for path in write_reports(args.out, findings):
            print(f"wrote {path}", file=sys.stderr)
    print(json.dumps(findings, indent=1, ensure_ascii=False) if args.json else render_terminal(findings))
    if findings["below_gate"] or (args.fail_on_drift and findings["drifted"]):
        return 1
    return 0
