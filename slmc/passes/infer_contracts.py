"""infer-contracts: what a correct answer of each task looks like (JSON schema, label set, tool calls, regex, text).

Inferred from the teacher's answers of the task's records, with static evidence from the sites serving it
(``output_schema``, ``labels``, ``tools``). Fills ``Task.contract`` (``slmc.ir.Contract`` with ``strictness``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from slmc.compiler.passmanager import Pass, PassContext
from slmc.ir.nodes import EdgeKind, LLMCall, Tool
from slmc.ir.unit import CompileUnit
from slmc.traces.record import TraceRecord


@dataclass(frozen=True)
class InferContracts(Pass):
    name = "infer-contracts"
    summary = "infer each task's output contract from teacher answers and static site evidence"
    requires = ("tasks",)
    provides = ("contracts",)
    keeps_traces = True

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        from slmc.analysis.contracts import infer_contract

        graph = unit.graph
        by_task: dict[str, list[TraceRecord]] = defaultdict(list)
        for record in unit.traces or []:
            if record.task and not record.error:
                by_task[record.task].append(record)
        for task in graph.tasks():
            sites = [s for s in (graph.get(sid) for sid in task.sites) if isinstance(s, LLMCall)]
            tools = {
                t.name: t
                for s in sites
                for t in graph.preds((graph.request_of(s.id) or s).id, EdgeKind.TOOL) + graph.preds(s.id, EdgeKind.TOOL)
                if isinstance(t, Tool)
            }
            contract = infer_contract(by_task.get(task.id, []), sites, tools)
            graph.update(task.id, contract=contract)
            ctx.log(f"infer-contracts: {task.id}: {contract.kind} (strictness {contract.strictness:.2f})")
        return unit
