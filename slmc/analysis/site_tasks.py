"""One task per call site unless the traces prove otherwise (the grouping rule of ``cluster_records``).

* A site splits only where its records fall into clearly different prompt families (instruction lines — lines of at
  least three words the agent writes into many of its prompts — that never appear together) or clearly different
  contract kinds (tool calls, JSON, text/labels), each part big enough to stand alone. JSON keys, tool names, the
  wording of the variable part, few-shot examples drawn per call and the conversation so far never split a site.
* Sites merge only when template and contract agree: the same contract kind with overlapping label sets, JSON keys or
  tool names (or tools passed per call on both sides), and instruction lines that share half their lines or the same
  static template text.

Pure Python (no numpy): it decides tasks; the embedding in ``slmc.analysis.clustering`` only draws the map.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from slmc.analysis.shapes import _prompt_key, answer_kind, parse_json_answer, template_literals
from slmc.answers import normalize_label
from slmc.ir.nodes import Prompt
from slmc.traces.record import TraceRecord, content_text

MIN_WORDS = 3  # a shorter line ("Thanks,", a label list entry) is never an instruction line
PER_CALL_TOOLS = 20  # more distinct tools called than this: the tool set is per call (as ``infer_contract`` says)
LABEL_LIKE = 0.9  # share of short answers that makes a text group a label group


@dataclass
class GroupOptions:
    family_share: float = 0.05  # an instruction line is in at least this share of the site's distinct prompts
    co_share: float = 0.1  # two instruction lines in this share of the rarer one's prompts belong together
    min_size: int = 5  # a family or kind with fewer records does not stand alone
    min_share: float = 0.02  # nor one with less than this share of its site's records
    kind_share: float = 0.2  # a contract kind splits a family only with this share of its records
    template_jaccard: float = 0.5  # instruction lines of two sites agree at this overlap
    contract_jaccard: float = 0.5  # labels, JSON keys or tool names of two sites agree at this overlap


@dataclass
class Group:
    """Records of one site that form one task candidate."""

    site: str
    kind: str  # tool-call | json | text
    records: list[int] = field(default_factory=list)
    lines: frozenset[str] = frozenset()  # instruction lines in at least half of its distinct prompts
    static: tuple[str, ...] = ()  # the site's static template text
    labels: frozenset[str] | None = None  # label-like text answers: the label set
    keys: frozenset[str] = frozenset()  # JSON answers: top-level keys
    tools: frozenset[str] = frozenset()  # tool calls: names called
    per_call: bool = False  # tool calls: the tool set is per call


def _jaccard(a: frozenset | set, b: frozenset | set) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _kind(record: TraceRecord) -> str | None:
    kind = answer_kind(record)
    return None if kind == "empty" else "text" if kind == "short" else kind


def prompt_lines(record: TraceRecord) -> list[str]:
    """The lines the agent wrote into a prompt: system, developer and user messages (the conversation's earlier
    answers and tool results are not instructions)."""
    lines: list[str] = []
    for message in record.messages:
        if isinstance(message, dict) and message.get("role") not in ("assistant", "tool", "function", "ipython"):
            lines.extend(content_text(message.get("content")).splitlines())
    return [stripped for line in lines if (stripped := line.strip())]


def instruction_lines(lines_by_prompt: Sequence[Sequence[str]], share: float, min_count: int) -> set[str]:
    """Lines of at least ``MIN_WORDS`` words found in ``share`` of the distinct prompts (and ``min_count``)."""
    distinct = {tuple(lines) for lines in lines_by_prompt}
    cut = max(min_count, share * len(distinct))
    df: Counter[str] = Counter()
    for lines in distinct:
        df.update(set(lines))
    return {line for line, n in df.items() if n >= cut and len(line.split()) >= MIN_WORDS}


def _families(signatures: list[frozenset[str]], opts: GroupOptions) -> list[int]:
    """A family index per record of one site, from the records' instruction-line signatures.

    Instruction lines that appear together (in ``co_share`` of the prompts of the rarer one) are one family's lines:
    a wrapper's callers write instructions that never meet, while a system prompt, few-shot examples drawn per call
    or a recurring sign-off all meet the lines around them. A record's family is the component holding most of its
    lines; families too small to stand alone, and records with no instruction line, join the largest family."""
    counts = Counter(signatures)
    df: Counter[str] = Counter()
    for sig, n in counts.items():
        df.update(dict.fromkeys(sig, n))
    # lines in nearly every prompt (a long system prompt) belong together: one of them stands for all in the pairs
    universal = sorted(line for line, n in df.items() if n >= 0.9 * len(signatures))
    stood_for = set(universal[1:])
    co: Counter[tuple[str, str]] = Counter()
    for sig, n in counts.items():
        lines = sorted(line for line in sig if line not in stood_for)
        for i, x in enumerate(lines):
            for y in lines[i + 1 :]:
                co[(x, y)] += n
    parent = {line: line for line in df}
    for line in universal[1:]:
        parent[line] = universal[0]

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (x, y), n in co.items():
        if n >= opts.co_share * min(df[x], df[y]):
            parent[find(y)] = find(x)
    component = {line: find(line) for line in df}
    family_of: dict[frozenset[str], str | None] = {}
    for sig in counts:
        held: dict[str, int] = {}
        for line in sig:
            held[component[line]] = held.get(component[line], 0) + 1
        family_of[sig] = max(held, key=lambda c: (held[c], c)) if held else None
    sizes = Counter(family_of[s] for s in signatures if family_of[s] is not None)
    floor = max(opts.min_size, opts.min_share * len(signatures))
    large = sorted((f for f, n in sizes.items() if n >= floor), key=lambda f: (-sizes[f], f))
    if not large:
        return [0] * len(signatures)
    index = {f: i for i, f in enumerate(large)}
    return [index.get(family_of[s], 0) for s in signatures]  # 0: the largest family


def _describe(group: Group, records: Sequence[TraceRecord], sigs: list[frozenset[str]]) -> None:
    line_df = Counter(line for i in group.records for line in sigs[i])
    group.lines = frozenset(line for line, n in line_df.items() if n >= 0.5 * len(group.records))
    recs = [records[i] for i in group.records]
    if group.kind == "text":
        answers = [(r.output or "").strip() for r in recs]
        short = [a for a in answers if a and len(a) <= 48 and len(a.split()) <= 4]
        if answers and len(short) >= LABEL_LIKE * len(answers):
            group.labels = frozenset(normalize_label(a) for a in short)
    elif group.kind == "json":
        group.keys = frozenset(
            str(k) for r in recs if isinstance(value := parse_json_answer(r.output), dict) for k in value
        )
    elif group.kind == "tool-call":
        group.tools = frozenset(str(c.get("name")) for r in recs for c in r.tool_calls[:1] if isinstance(c, dict))
        group.per_call = len(group.tools) > PER_CALL_TOOLS


def contracts_agree(a: Group, b: Group, opts: GroupOptions) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "tool-call":
        return (a.per_call and b.per_call) or _jaccard(a.tools, b.tools) >= opts.contract_jaccard
    if a.kind == "json":
        return _jaccard(a.keys, b.keys) >= opts.contract_jaccard
    if (a.labels is None) != (b.labels is None):
        return False
    return a.labels is None or _jaccard(a.labels, b.labels) >= opts.contract_jaccard


def templates_agree(a: Group, b: Group, opts: GroupOptions) -> bool:
    if a.lines and b.lines and _jaccard(a.lines, b.lines) >= opts.template_jaccard:
        return True
    return bool(a.static) and a.static == b.static


def group_records(
    records: Sequence[TraceRecord],
    site_of: Sequence[str],
    prompts: dict[str, Prompt | None] | None = None,
    opts: GroupOptions | None = None,
) -> tuple[list[int], list[Group]]:
    """A task index per record (``site_of``: each record's site key), and the site groups the tasks were made of."""
    opts = opts or GroupOptions()
    prompts = prompts or {}
    by_site: dict[str, list[int]] = defaultdict(list)
    for i, site in enumerate(site_of):
        by_site[site].append(i)
    groups: list[Group] = []
    sigs: list[frozenset[str]] = [frozenset()] * len(records)
    for site in sorted(by_site):
        idx = by_site[site]
        lines_of: dict[tuple, list[str]] = {}
        keys = [_prompt_key(records[i]) for i in idx]
        for key, i in zip(keys, idx, strict=True):
            if key not in lines_of:
                lines_of[key] = prompt_lines(records[i])
        instr = instruction_lines(list(lines_of.values()), opts.family_share, opts.min_size)
        for key, i in zip(keys, idx, strict=True):
            sigs[i] = frozenset(line for line in lines_of[key] if line in instr)
        families = _families([sigs[i] for i in idx], opts)
        static = tuple(template_literals(prompts.get(site)))
        for family in sorted(set(families)):
            members = [i for i, f in zip(idx, families, strict=True) if f == family]
            kinds = Counter(k for i in members if (k := _kind(records[i])))
            main = kinds.most_common(1)[0][0] if kinds else "text"
            floor = max(opts.min_size, opts.kind_share * len(members))
            split = {k for k, n in kinds.items() if n >= floor} | {main}
            by_kind: dict[str, Group] = {}
            for i in members:
                kind = _kind(records[i])
                kind = kind if kind in split else main
                if kind not in by_kind:
                    by_kind[kind] = Group(site=site, kind=kind, static=static)
                by_kind[kind].records.append(i)
            groups.extend(by_kind[k] for k in sorted(by_kind))
    for group in groups:
        _describe(group, records, sigs)

    parent = list(range(len(groups)))

    def find(g: int) -> int:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    for a in range(len(groups)):
        for b in range(a + 1, len(groups)):
            ga, gb = groups[a], groups[b]
            if ga.site != gb.site and contracts_agree(ga, gb, opts) and templates_agree(ga, gb, opts):
                parent[find(b)] = find(a)
    roots = sorted({find(g) for g in range(len(groups))})
    task_of_root = {r: t for t, r in enumerate(roots)}
    labels = [0] * len(records)
    for g, group in enumerate(groups):
        for i in group.records:
            labels[i] = task_of_root[find(g)]
    return labels, groups
