"""curate: keep the trace records a small model should learn from, and split them train/validation/test per site.

Dropped (reason in ``unit.reports.curation``, counted per site): ``slm-answer`` (a router log record of a call only the
SLM answered: nothing to learn from), ``error`` (the call failed), ``content-filter`` (finish_reason content_filter),
``refusal`` (the model declined), ``truncated`` (finish_reason length), ``empty`` (no text and no tool call),
``contract`` (the teacher's answer breaks the site's contract, checked by the router's validator:
``slmc.analysis.distill``), ``duplicate`` (same prompt and same answer as a kept record; the kept one counts them in
``meta["duplicates"]``), ``near-duplicate`` (the same once case, punctuation and spacing are normalised; counted the
same way), ``conflict`` (temperature 0, same prompt, a minority answer; the majority answer is kept). Before the checks,
tool, argument and JSON-key names that drifted from what the current source declares are renamed to the declared ones
(``curation["renamed"]``; per-site contract checks in ``curation["contract"]``). The split is by content hash of the
prompt, so it is deterministic and the same prompt never lands in two splits; each site is split on its own
(``val_fraction``/``test_fraction``, at least one test and one validation row when the site has ``min_rows_for_test``
rows or more).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from slmc.compiler.passmanager import Pass, PassContext
from slmc.errors import Diagnostic, Severity
from slmc.ir.graph import AgentGraph
from slmc.ir.unit import CompileUnit
from slmc.traces.record import TraceRecord

REFUSAL = re.compile(
    r"^\W*(?:i'?m sorry,? but i (?:can(?:no|')t|am unable|won't)|i (?:can(?:no|')t|am unable to|won't) "
    r"(?:help|assist|comply|provide|do that|answer|fulfil)|i'?m (?:not able|unable) to (?:help|assist|comply|provide)"
    r"|sorry,? (?:but )?i can(?:no|')t (?:help|assist)|as an ai(?: language model)?,? i (?:can(?:no|')t|am not able))",
    re.IGNORECASE,
)
REASONS = (
    "slm-answer",
    "error",
    "content-filter",
    "refusal",
    "truncated",
    "empty",
    "contract",
    "duplicate",
    "near-duplicate",
    "conflict",
)
MAX_BREAK_SHARE = 0.5  # more of a site's answers breaking a declared contract than this: the declaration is in doubt


def site_key(rec: TraceRecord) -> str:
    return rec.site_id or str(rec.meta.get("group") or "<unlinked>")


def input_hash(rec: TraceRecord) -> str:
    payload = json.dumps(
        {"m": rec.messages, "t": rec.tools, "s": site_key(rec)}, sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _reject_reason(rec: TraceRecord) -> str | None:
    if rec.meta.get("no_teacher"):  # a router log record of a call only the SLM answered
        return "slm-answer"
    if rec.error or rec.finish_reason == "error":
        return "error"
    if rec.finish_reason == "content_filter":
        return "content-filter"
    if rec.meta.get("refusal") or rec.finish_reason == "refusal":
        return "refusal"
    if rec.finish_reason in ("length", "max_tokens"):
        return "truncated"
    if not rec.tool_calls and not (rec.output or "").strip():
        return "empty"
    if not rec.tool_calls and len(rec.output or "") < 400 and REFUSAL.match(rec.output or ""):
        return "refusal"
    return None


def _zero_temperature(rec: TraceRecord) -> bool:
    value = rec.params.get("temperature")
    try:
        return value is not None and float(value) == 0.0
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Curate(Pass):
    name = "curate"
    summary = "drop failed, refused, truncated, empty, duplicate and conflicting records; split per site"
    requires = ("pii-scrubbed",)
    provides = ("curated",)

    val_fraction: float = 0.1
    test_fraction: float = 0.1
    min_rows_for_test: int = 10
    drop_refusals: bool = True
    seed: int = 0  # salt of the split hash
    rename_drift: bool = True  # rename old tool / argument / JSON-key names to those the source declares now
    drop_contract_breaks: bool = True  # drop teacher answers the site's contract rejects
    near_duplicates: bool = True  # drop records equal to a kept one up to case, punctuation and spacing

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        graph = unit.graph
        records: list[TraceRecord] = list(unit.traces or [])
        removed: dict[str, Counter[str]] = defaultdict(Counter)
        totals: Counter[str] = Counter(site_key(r) for r in records)
        candidates: list[TraceRecord] = []
        for rec in records:
            reason = _reject_reason(rec)
            if reason == "refusal" and not self.drop_refusals:
                reason = None
            if reason:
                removed[site_key(rec)][reason] += 1
            else:
                candidates.append(rec)
        distill: dict[str, Any] = {"renamed": {}, "contract": {}}
        candidates = self._teach_contract(graph, candidates, removed, distill)
        kept, conflicts = self._dedupe(candidates, removed)
        if self.near_duplicates:
            kept = self._near_dedupe(kept, removed)
        splits = self._split(kept)
        unit.traces = kept
        report = self._report(totals, removed, kept, splits, conflicts)
        report.update(distill)
        unit.reports.curation = report
        unit.reports.count_dropped(self.name, report["removed"])
        self._diagnose(ctx, graph, report)
        return unit

    # ---- the site's contract: schema drift, answers that break it -----------------------------------------------------
    def _teach_contract(
        self,
        graph: AgentGraph,
        records: list[TraceRecord],
        removed: dict[str, Counter[str]],
        distill: dict[str, Any],
    ) -> list[TraceRecord]:
        from slmc.analysis.distill import contract_breaks, contract_spec, rename_drift, site_schema

        by_site: dict[str, list[TraceRecord]] = defaultdict(list)
        for rec in records:
            by_site[site_key(rec)].append(rec)
        dropped: set[int] = set()
        for site in sorted(by_site):
            recs = by_site[site]
            declared = site_schema(graph, site)
            if self.rename_drift:
                changed = rename_drift(recs, declared)
                if changed:
                    distill["renamed"][site] = changed
            if not self.drop_contract_breaks:
                continue
            spec = contract_spec(recs, declared)
            if spec is None:
                continue
            breaks, unchecked = contract_breaks(recs, spec)
            row: dict[str, Any] = {"kind": spec["kind"], "checked": len(recs) - len(unchecked), "broken": len(breaks)}
            if unchecked:
                row["unchecked"] = len(unchecked)  # a schema the validator cannot use
            if breaks:
                row["errors"] = dict(Counter(_error_kind(e) for _, e in breaks).most_common(5))
            if breaks and len(breaks) > MAX_BREAK_SHARE * len(recs):
                row["enforced"] = False  # most answers break it: the declaration, not the teacher, is in doubt
            elif breaks:
                dropped.update(id(r) for r, _ in breaks)
                removed[site]["contract"] += len(breaks)
            distill["contract"][site] = row
        return [r for r in records if id(r) not in dropped]

    def _near_dedupe(self, records: list[TraceRecord], removed: dict[str, Counter[str]]) -> list[TraceRecord]:
        from slmc.analysis.distill import near_duplicate_key

        first: dict[str, TraceRecord] = {}
        kept = []
        for rec in records:
            key = near_duplicate_key(rec, site_key(rec))
            if key in first:
                removed[site_key(rec)]["near-duplicate"] += 1
                copies = 1 + int(rec.meta.get("duplicates", 0))
                first[key].meta["duplicates"] = int(first[key].meta.get("duplicates", 0)) + copies
                continue
            first[key] = rec
            kept.append(rec)
        return kept

    # ---- duplicates and conflicts ------------------------------------------------------------------------------------
    def _dedupe(
        self, records: list[TraceRecord], removed: dict[str, Counter[str]]
    ) -> tuple[list[TraceRecord], list[dict[str, Any]]]:
        by_input: dict[str, dict[str, list[TraceRecord]]] = defaultdict(lambda: defaultdict(list))
        for rec in records:
            h = input_hash(rec)
            rec.meta["input_hash"] = h[:16]
            by_input[h][rec.answer_text()].append(rec)
        keep_ids: set[int] = set()
        conflicts: list[dict[str, Any]] = []
        for h, answers in by_input.items():
            deterministic = all(_zero_temperature(r) for recs in answers.values() for r in recs)
            winners = list(answers)
            if len(answers) > 1 and deterministic:
                order = {a: i for i, a in enumerate(answers)}
                majority = max(answers, key=lambda a: (len(answers[a]), -order[a]))
                winners = [majority]
                site = site_key(answers[majority][0])
                dropped = sum(len(recs) for a, recs in answers.items() if a != majority)
                removed[site]["conflict"] += dropped
                conflicts.append(
                    {"site": site, "input": h[:16], "answers": len(answers), "kept": len(answers[majority]),
                     "dropped": dropped}
                )  # fmt: skip
            for a in winners:
                first, *copies = answers[a]
                keep_ids.add(id(first))
                if copies:
                    removed[site_key(first)]["duplicate"] += len(copies)
                    first.meta["duplicates"] = len(copies)
        return [r for r in records if id(r) in keep_ids], conflicts

    # ---- split -------------------------------------------------------------------------------------------------------
    def _split(self, records: list[TraceRecord]) -> dict[str, Counter[str]]:
        by_site: dict[str, list[TraceRecord]] = defaultdict(list)
        for rec in records:
            by_site[site_key(rec)].append(rec)
        counts: dict[str, Counter[str]] = {}
        salt = str(self.seed).encode()
        for site, recs in by_site.items():
            n = len(recs)
            n_test = round(n * self.test_fraction)
            n_val = round(n * self.val_fraction)
            if n >= self.min_rows_for_test:
                n_test, n_val = max(1, n_test), max(1, n_val)
            ranked = sorted(recs, key=lambda r: hashlib.sha256(salt + r.meta["input_hash"].encode()).digest())
            for i, rec in enumerate(ranked):
                rec.split = "test" if i < n_test else "validation" if i < n_test + n_val else "train"
            counts[site] = Counter(r.split for r in recs)
        return counts

    # ---- report ------------------------------------------------------------------------------------------------------
    def _report(
        self,
        totals: Counter[str],
        removed: dict[str, Counter[str]],
        kept: list[TraceRecord],
        splits: dict[str, Counter[str]],
        conflicts: list[dict[str, Any]],
    ) -> dict[str, Any]:
        kept_by_site = Counter(site_key(r) for r in kept)
        all_removed: Counter[str] = Counter()
        for c in removed.values():
            all_removed.update(c)
        return {
            "records": sum(totals.values()),
            "kept": len(kept),
            "removed": {r: all_removed[r] for r in REASONS if all_removed[r]},
            "sites": {
                site: {
                    "records": totals[site],
                    "kept": kept_by_site[site],
                    "removed": {r: removed[site][r] for r in REASONS if removed.get(site, Counter())[r]},
                    "splits": dict(sorted(splits.get(site, Counter()).items())),
                }
                for site in sorted(totals)
            },
            "conflicts": conflicts[:200],
            "conflict_groups": len(conflicts),
        }

    def _diagnose(self, ctx: PassContext, graph: AgentGraph, report: dict[str, Any]) -> None:
        self._diagnose_distill(ctx, graph, report)
        where = graph.meta.root or "."
        dropped = ", ".join(f"{k} {v}" for k, v in report["removed"].items()) or "none"
        ctx.report(
            Diagnostic(
                where,
                0,
                0,
                "I221",
                f"curated {report['records']} trace records: kept {report['kept']}, removed {dropped}",
                severity=Severity.INFO,
                name="curation-report",
                data={k: report[k] for k in ("records", "kept", "removed")},
            )
        )
        conflicts_by_site = Counter(c["site"] for c in report["conflicts"])
        for site, n in sorted(conflicts_by_site.items()):
            ctx.report(
                Diagnostic(
                    where,
                    0,
                    0,
                    "W221",
                    f"{site}: {n} prompt(s) got different answers at temperature 0; kept the majority answer",
                    name="conflicting-answers",
                    site=site if site.startswith("llm:") else None,
                )
            )

    def _diagnose_distill(self, ctx: PassContext, graph: AgentGraph, report: dict[str, Any]) -> None:
        where = graph.meta.root or "."
        for site, changed in sorted(report.get("renamed", {}).items()):
            pairs = [f"{a} -> {b}" for key in ("tools", "fields") for a, b in changed.get(key, {}).items()]
            pairs += [f"{t}.{a} -> {b}" for t, m in changed.get("arguments", {}).items() for a, b in m.items()]
            ctx.report(
                Diagnostic(
                    where,
                    0,
                    0,
                    "I222",
                    f"{site}: renamed names the source no longer declares in {changed.get('records', 0)} trace "
                    f"record(s): {', '.join(pairs[:6])}",
                    severity=Severity.INFO,
                    name="schema-drift",
                    site=site if site.startswith("llm:") else None,
                )
            )
        for site, row in sorted(report.get("contract", {}).items()):
            if not row["broken"]:
                continue
            why = ", ".join(f"{e} ({n})" for e, n in row.get("errors", {}).items())
            if row.get("enforced", True):
                text = f"{site}: dropped {row['broken']} of {row['checked']} teacher answers that break its {row['kind']} contract: {why}"
            else:
                text = (
                    f"{site}: {row['broken']} of {row['checked']} teacher answers break its declared {row['kind']} "
                    f"contract ({why}); kept them: check that the declaration is current"
                )
            ctx.report(
                Diagnostic(
                    where,
                    0,
                    0,
                    "W222",
                    text,
                    severity=Severity.INFO if row.get("enforced", True) else Severity.WARNING,
                    name="contract-breaks",
                    site=site if site.startswith("llm:") else None,
                )
            )


def _error_kind(error: str) -> str:
    """A validator message without the values it quotes (``label 'x' not in the label set`` -> ``label '…' …``,
    ``schema: 123 is not of type 'string'`` -> ``schema: … is not of type '…'``): reports never carry record text."""
    error = re.sub(r"^(schema: |tool '[^']*': schema: )?.*? is not ", r"\1… is not ", error)
    return re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "'…'", error)[:80]
