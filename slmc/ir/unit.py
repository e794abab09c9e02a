"""The compile unit: what every pass takes and returns, and the only thing passes share.

    CompileUnit
      graph    the AgentGraph (sites, prompts, tools, tasks, decisions)
      traces   the trace table: TraceRecord rows (site_id once linked, task once clustered, split once curated,
               text scrubbed once ``pii-scrubbed`` is a fact of the graph); None when no traces were given
      reports  one typed field per pass report (link, scrub, curation, clustering, offload, savings, plan,
               evaluations, serving), the records dropped per stage and the diagnostics raised so far

It round-trips through JSON as one object (``unit_to_json`` / ``unit_from_json``; the stage cache writes the trace
table as JSONL beside it, and paths under the build folder relative to it) and prints in the IR text form: the graph,
then ``traces`` and ``reports`` lines (one more line each for the fine-tune plan, the evaluations and the serving
plan).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slmc.errors import Diagnostic, Severity
from slmc.ir.graph import AgentGraph
from slmc.ir.serialize import graph_from_json, graph_to_json, print_graph
from slmc.ir.serving import ServingPlan, serving_from_json, serving_to_json

if TYPE_CHECKING:
    from slmc.traces.record import TraceRecord

UNIT_FORMAT = 1


@dataclass
class PlanReport:
    """plan-finetune: the tasks planned for fine-tuning and those left out."""

    datasets: dict[str, str] = field(default_factory=dict)  # task id -> its dataset folder, relative to the build
    skipped: dict[str, str] = field(default_factory=dict)  # task id -> the diagnostic code saying why not planned

    def summary(self) -> str:
        return f"{len(self.datasets)} tasks planned, {len(self.skipped)} not planned"


@dataclass
class EvaluationReport:
    """evaluate: one task's held-out test summary and the operating point calibrated on its validation split."""

    test: dict[str, Any] = field(default_factory=dict)
    validation_operating_point: dict[str, Any] = field(default_factory=dict)
    ground_truth_rows: int = 0


@dataclass
class Reports:
    """What passes found besides the graph, one field per report (plain JSON data, so the stage cache keeps it)."""

    link: dict[str, Any] | None = None  # link-traces: records linked per site, unlinked, sites without traffic
    scrub: dict[str, Any] | None = None  # scrub-pii: replacements per kind (never the values)
    curation: dict[str, Any] | None = None  # curate: kept, removed per reason, splits per site
    clustering: dict[str, Any] | None = None  # cluster-tasks: embedder, sample, tasks, 2-D projection
    offload: dict[str, Any] | None = None  # score-offload: share of calls, tokens and dollars in narrow tasks
    savings: dict[str, Any] | None = None  # select-slm: cost of the agent on the LLM and with its SLMs
    plan: PlanReport | None = None  # plan-finetune: tasks planned (their dataset folders), tasks left out
    evaluations: dict[str, EvaluationReport] = field(default_factory=dict)  # evaluate: task id -> its evaluation
    serving: ServingPlan | None = None  # plan-serving: the serving plan codegen and the targets read
    records_in: int | None = None  # trace records read (ingest), kept ones plus those it left out
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)  # stage -> reason -> records left out
    diagnostics: list[dict[str, Any]] = field(default_factory=list)  # frontend, ingest and pass diagnostics (JSON)

    def count_dropped(self, stage: str, reasons: dict[str, int]) -> None:
        """Adds what ``stage`` left out, per reason (zero counts are not kept)."""
        table = self.dropped.setdefault(stage, {})
        for reason, n in reasons.items():
            if n:
                table[reason] = table.get(reason, 0) + int(n)
        if not table:
            self.dropped.pop(stage)

    def dropped_by(self, stage: str) -> int:
        return sum(self.dropped.get(stage, {}).values())

    def to_json(self, base: Path | None = None) -> dict[str, Any]:
        """Plain JSON data; ``base``: the build folder (serving-plan paths under it are written relative to it)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["plan"] = None if self.plan is None else asdict(self.plan)
        out["evaluations"] = {task: asdict(e) for task, e in self.evaluations.items()}
        out["serving"] = None if self.serving is None else serving_to_json(self.serving, base)
        return out

    @classmethod
    def from_json(cls, data: Any, base: Path | None = None) -> Reports:
        if not isinstance(data, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and v is not None}
        if isinstance(values.get("plan"), dict):
            values["plan"] = PlanReport(**values["plan"])
        values["evaluations"] = {
            task: EvaluationReport(**e) for task, e in (values.get("evaluations") or {}).items() if isinstance(e, dict)
        }
        if isinstance(values.get("serving"), dict):
            values["serving"] = serving_from_json(values["serving"], base)
        return cls(**values)

    def lines(self) -> list[str]:
        """The reports in the IR text form: which are filled, then a ``report`` line each for plan, evaluations and serving."""
        filled = [f.name for f in fields(self) if f.name != "diagnostics" and getattr(self, f.name)]
        out = ["reports " + " ".join(filled)] if filled else []
        if self.plan is not None:
            out.append(f"report plan {self.plan.summary()}")
        if self.evaluations:
            out.append("report evaluations " + " ".join(sorted(self.evaluations)))
        if self.serving is not None:
            out.append(f"report serving {self.serving.summary()}")
        return out


@dataclass
class CompileUnit:
    graph: AgentGraph = field(default_factory=AgentGraph)
    traces: list[TraceRecord] | None = None
    reports: Reports = field(default_factory=Reports)


def trace_counts(traces: list[TraceRecord] | None) -> list[str]:
    """The trace table in the IR text form: how many rows, linked, per split and per task (no record content)."""
    if traces is None:
        return []
    linked = sum(1 for r in traces if r.site_id)
    lines = [f"traces {len(traces)} records, {linked} linked, {sum(1 for r in traces if r.error)} errors"]
    splits = Counter(r.split for r in traces if r.split)
    if splits:
        lines.append("traces split " + " ".join(f"{k}={v}" for k, v in sorted(splits.items())))
    tasks = Counter(r.task for r in traces if r.task)
    if tasks:
        lines.append("traces task " + " ".join(f"{k}={v}" for k, v in sorted(tasks.items())))
    return lines


def print_unit(unit: CompileUnit) -> str:
    """The graph's text form, then the trace counts and which reports are filled (``--print-ir-after-all``)."""
    lines = trace_counts(unit.traces) + unit.reports.lines()
    return print_graph(unit.graph) + "".join(line + "\n" for line in lines)


def unit_to_json(unit: CompileUnit, *, with_traces: bool = True, base: Path | None = None) -> dict[str, Any]:
    """``base``: the build folder; paths of the serving plan under it are written relative to it."""
    out: dict[str, Any] = {
        "format": "slmc.unit",
        "version": UNIT_FORMAT,
        "graph": graph_to_json(unit.graph),
        "reports": unit.reports.to_json(base),
    }
    if with_traces:
        out["traces"] = None if unit.traces is None else [r.to_dict() for r in unit.traces]
    return out


def unit_from_json(
    data: dict[str, Any], traces: list[TraceRecord] | None = None, base: Path | None = None
) -> CompileUnit:
    """The unit ``unit_to_json`` wrote; ``traces``: the trace table when it was kept apart (the stage cache);
    ``base``: the build folder the serving plan's relative paths are under."""
    from slmc.traces.record import TraceRecord

    if not isinstance(data, dict) or data.get("format") != "slmc.unit":
        raise ValueError("not a compile unit (format slmc.unit)")
    if traces is None and isinstance(data.get("traces"), list):
        traces = [TraceRecord.from_dict(r) for r in data["traces"]]
    return CompileUnit(graph_from_json(data["graph"]), traces, Reports.from_json(data.get("reports"), base))


def dumps_unit(unit: CompileUnit) -> str:
    return json.dumps(unit_to_json(unit), sort_keys=True, default=str, ensure_ascii=False)


def loads_unit(text: str) -> CompileUnit:
    return unit_from_json(json.loads(text))


def display_path(path: str | Path, root: Path) -> str:
    """``path`` as written into caches, reports and bundles: relative to the agent's root (``../traces.jsonl`` for a
    file beside it), never the build machine's absolute path."""
    text = str(path)
    if not text or (not os.path.isabs(text) and ".." not in Path(text).parts):
        return text
    try:
        return os.path.relpath(Path(text).resolve(), root)
    except ValueError:  # another drive (Windows)
        return Path(text).name


def diag_to_json(d: Diagnostic, root: Path | None = None) -> dict[str, Any]:
    """A diagnostic as the unit keeps it (its path relative to ``root``)."""
    return {
        "path": display_path(d.path, root) if root is not None else d.path,
        "line": d.line,
        "col": d.col,
        "code": d.code,
        "message": d.message,
        "severity": str(d.severity),
    }


def diag_from_json(d: dict[str, Any]) -> Diagnostic:
    return Diagnostic(d["path"], d["line"], d["col"], d["code"], d["message"], Severity(d["severity"]))


__all__ = [
    "CompileUnit",
    "EvaluationReport",
    "PlanReport",
    "Reports",
    "diag_from_json",
    "diag_to_json",
    "display_path",
    "dumps_unit",
    "loads_unit",
    "print_unit",
    "unit_from_json",
    "unit_to_json",
]
