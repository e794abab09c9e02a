"""The static case-study table of a repository (``slmc analyze PATH`` without traces): its LLM call sites by kind and
client family, and the narrow / open-ended / unclear shares of its calls with the top reasons of each verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import SiteKind, Verdict

KINDS = (SiteKind.REQUEST, SiteKind.WRAPPER, SiteKind.WRAPPER_CALL, SiteKind.FRAMEWORK_TASK)
CALL_KINDS = (SiteKind.REQUEST, SiteKind.WRAPPER_CALL, SiteKind.FRAMEWORK_TASK)
VERDICTS = (Verdict.NARROW, Verdict.OPEN_ENDED, Verdict.UNCLEAR)


@dataclass
class Survey:
    agent: str
    files: int
    by_family: dict[str, Counter] = field(default_factory=dict)  # family -> kind -> count
    verdicts: Counter = field(default_factory=Counter)  # over calls (request, wrapper-call, framework-task)
    reasons: dict[str, Counter] = field(default_factory=dict)  # verdict -> reason -> count
    errors: int = 0  # diagnostics that stopped a file being analysed

    @property
    def calls(self) -> int:
        return sum(self.verdicts.values())

    def to_json(self, top: int = 5) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "files": self.files,
            "sites": {fam: {str(k): n for k, n in kinds.items()} for fam, kinds in sorted(self.by_family.items())},
            "calls": self.calls,
            "verdicts": {str(v): self.verdicts.get(v, 0) for v in VERDICTS},
            "top_reasons": {str(v): self.reasons.get(v, Counter()).most_common(top) for v in VERDICTS},
            "errors": self.errors,
        }


def build_survey(graph: AgentGraph, agent: str, errors: int = 0) -> Survey:
    """Count sites by family and kind, and the triage verdicts (with reasons) of the calls; sites must be triaged."""
    survey = Survey(agent=agent, files=len({s.loc.path for s in graph.sites()}), errors=errors)
    for site in graph.sites():
        survey.by_family.setdefault(site.client or "unknown", Counter())[site.site] += 1
        if site.site not in CALL_KINDS or site.triage is None:
            continue
        verdict = site.triage.verdict
        survey.verdicts[verdict] += 1
        survey.reasons.setdefault(verdict, Counter()).update(dict.fromkeys(site.triage.reasons[:3], 1))
    return survey


def render_survey(survey: Survey, top: int = 3) -> str:
    """The case-study table as text."""
    header_kinds = [str(k) for k in KINDS]
    lines = [f"{survey.agent}: static survey (no traces), {survey.files} files with LLM call sites"]
    if not survey.by_family:
        lines.append("no LLM call sites found")
        return "\n".join(lines)
    width = max(12, *(len(f) for f in survey.by_family))
    lines.append(f"{'client family':{width}s}" + "".join(f"{k:>16s}" for k in header_kinds) + f"{'total':>8s}")
    totals: Counter = Counter()
    for family in sorted(survey.by_family, key=lambda f: (-sum(survey.by_family[f].values()), f)):
        kinds = survey.by_family[family]
        totals.update(kinds)
        lines.append(
            f"{family:{width}s}" + "".join(f"{kinds.get(k, 0):16d}" for k in KINDS) + f"{sum(kinds.values()):8d}"
        )
    lines.append(f"{'all':{width}s}" + "".join(f"{totals.get(k, 0):16d}" for k in KINDS) + f"{sum(totals.values()):8d}")
    calls = survey.calls
    lines.append("")
    lines.append(f"triage of {calls} call{'s' if calls != 1 else ''} (requests, wrapper calls, framework tasks):")
    for verdict in VERDICTS:
        n = survey.verdicts.get(verdict, 0)
        share = n / calls if calls else 0.0
        reasons = survey.reasons.get(verdict, Counter()).most_common(top)
        why = "; ".join(f"{r} ({c})" for r, c in reasons)
        lines.append(f"  {verdict!s:11s} {n:5d}  {share:6.1%}" + (f"   top reasons: {why}" if why else ""))
    if survey.errors:
        lines.append(f"\n{survey.errors} file(s) could not be analysed (see the diagnostics above)")
    return "\n".join(lines)
