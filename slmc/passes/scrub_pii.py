"""scrub-pii: replace PII and secrets in every trace record (and the graph's literal text) by typed placeholders.

Runs before anything leaves the trace store: every later pass and every output file sees scrubbed text only. The same
value gets the same placeholder across a run (``<EMAIL_1>`` in the prompt and in the teacher's answer), so answers that
copy a value stay learnable. ``unit.reports.scrub`` counts replacements per kind; values are never stored.
Detection is in ``slmc.pii.detectors`` (see there for what is and is not scrubbed).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from slmc.compiler.passmanager import Pass, PassContext
from slmc.errors import Diagnostic, Severity
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import LLMCall, Prompt, PromptPart, Task, Tool
from slmc.ir.unit import CompileUnit
from slmc.pii.scrubber import DetectionPrefetch, DetectOptions, Scrubber, default_workers, record_texts
from slmc.traces.bulk import gc_paused


@dataclass(frozen=True)
class ScrubPII(Pass):
    name = "scrub-pii"
    summary = "replace PII and secrets in traces by consistent typed placeholders (<EMAIL_1>, <CARD_2>, ...)"
    requires = ("traces-linked",)
    provides = ("pii-scrubbed",)

    names: bool = True  # names after cues ("my name is", "Dear", "Name:"), titles, name lists, and under name keys
    entropy: bool = True  # long high-entropy tokens
    min_token_length: int = 24
    workers: int = 0  # detection processes; 0 = as many as cores (up to 4) for large trace sets, 1 = none
    graph_text: bool = True  # also scrub the graph's literal prompt text, tool descriptions and option values

    def scrubber(self) -> Scrubber:
        return Scrubber(DetectOptions(self.names, self.entropy, self.min_token_length))

    def prefetch(self, ctx: PassContext) -> DetectionPrefetch | None:
        """Detection to start while the traces are read (the manager feeds it; ``run`` gets it as ctx.prefetched).
        One worker fewer than ``workers``, as the reading process keeps a core; None when there is no core to spare."""
        workers = self.workers or default_workers()
        return DetectionPrefetch(self.scrubber().options, workers - 1) if workers > 1 else None

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        graph = unit.graph
        scrubber = self.scrubber()
        records = list(unit.traces or [])
        workers = self.workers or default_workers()
        prefetched = ctx.prefetched
        with gc_paused():
            if isinstance(prefetched, DetectionPrefetch) and prefetched.options == scrubber.options:
                scrubber.adopt(prefetched)
            else:
                if prefetched is not None:
                    prefetched.close()
                if workers > 1 and len(records) >= 5000:
                    scrubber.prefetch((t for r in records for t in record_texts(r)), workers)
            for rec in records:
                scrubber.record(rec)
        if self.graph_text:
            scrub_graph(scrubber, graph)
        report: dict[str, Any] = {
            "records": len(records),
            "replacements": dict(sorted(scrubber.counts.items())),
            "distinct_values": dict(sorted(scrubber.distinct.items())),
            "total": sum(scrubber.counts.values()),
            "detectors": {"names": "cues, titles, name lists" if self.names else "off", "entropy": self.entropy},
        }
        unit.reports.scrub = report
        kinds = ", ".join(f"{k} {v}" for k, v in report["replacements"].items()) or "nothing found"
        ctx.report(
            Diagnostic(
                graph.meta.root or ".",
                0,
                0,
                "I211",
                f"scrubbed {report['total']} PII/secret value(s) in {len(records)} trace record(s): {kinds}",
                severity=Severity.INFO,
                name="scrub-report",
                data=report,
            )
        )
        return unit


def scrub_graph(scrubber: Scrubber, graph: AgentGraph) -> None:
    """Scrub literal text the graph carries from source: prompt literals, tool descriptions, option values, examples."""
    for node in list(graph.nodes()):
        if isinstance(node, Prompt):
            messages = tuple(
                dataclasses.replace(m, parts=tuple(p if p.hole else PromptPart(scrubber.text(p.text)) for p in m.parts))
                for m in node.messages
            )
            if messages != node.messages:
                graph.replace(dataclasses.replace(node, messages=messages))
        elif isinstance(node, Tool):
            description = scrubber.text(node.description)
            parameters = scrubber.value(node.parameters, schema=True) if node.parameters else node.parameters
            if description != node.description or parameters != node.parameters:
                graph.replace(dataclasses.replace(node, description=description, parameters=parameters))
        elif isinstance(node, LLMCall) and node.options:
            options = scrubber.value(node.options)
            if options != node.options:
                graph.replace(dataclasses.replace(node, options=options))
        elif isinstance(node, Task) and node.examples:
            examples = tuple(scrubber.text(e) for e in node.examples)
            if examples != node.examples:
                graph.replace(dataclasses.replace(node, examples=examples))
