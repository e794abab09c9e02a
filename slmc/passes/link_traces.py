"""link-traces: tie each trace record to the call site of the graph that made it, and sum traffic per site.

Methods, strongest first (``record.meta["link"] = {"method", "confidence"}``):

1. ``site-id``   the id recorded at capture is a site of the graph. When the record's stack passes through
                 wrapper-call sites, the link moves out from the request one frame at a time while the function it
                 sits in is a *generic* wrapper (several wrapper-call sites use it and its own prompt text is mostly
                 holes, e.g. ``ask(system, user)``); it stops at the first task-specific site, which is the per-task
                 site (``dispatch`` calling ``ask``, not the ``plan`` that calls ``dispatch``).
2. ``location``  a stack frame (or OTel ``code.filepath``/``code.lineno``, or a stale recorded id) falls inside a
                 site's source range; paths are made relative to ``ctx.root`` (or matched by suffix). When the
                 evidence ends inside a generic wrapper (a code location has no caller frames), the caller is the
                 wrapper-call site whose prompt the messages match: the site capture's stack would give.
3. ``template``  the literal text of a site's prompt template, in order, is found in the record's messages;
                 confidence = matched share of the template's literal text. Candidate sites come from an index of
                 their distinctive words, so each record is compared with a few sites only. A template found at a
                 caller (a wrapper's def, the module-level call of ``main()``) links, as a location there does, to
                 the request inside and out through generic wrappers: the site capture's stack gives.
4. ``workload``  the source's workload/entity name names exactly one site's function (weak hint).

Call sites the static frontend missed are added from the records themselves (``add-sites``, see ``trace_sites``):
a record that no frame ties to a site but whose stack or code location names a call in the source gets a site there,
marked ``found_by="traces"`` (a request, or the wrapper calls of a generic function it sits in), and links to it.

Records that link to nothing are kept and grouped (``meta["group"]``: workload, else a hash of the system prompt):
calls made inside frameworks whose source the graph does not show.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from slmc.compiler.passmanager import Pass, PassContext
from slmc.errors import Diagnostic, Severity
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import LLMCall, SiteKind, Traffic, parse_site_id
from slmc.ir.unit import CompileUnit
from slmc.traces.bulk import gc_paused
from slmc.traces.record import Frame, TraceRecord, content_text

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'-]{3,}")
_NAME_SPLIT = re.compile(r"[^a-z0-9]+")


@dataclass
class _Template:
    site: str
    chunks: list[str]  # literal text, in order (holes are gaps)
    total: int  # characters of literal text


class SiteIndex:
    """Look-ups from trace evidence to call sites of one graph."""

    def __init__(self, graph: AgentGraph, root: Path) -> None:
        self.graph = graph
        self.root = root.resolve()
        self.sites = {s.id: s for s in graph.sites()}
        self.paths = sorted({s.loc.path for s in self.sites.values()})
        self.by_path: dict[str, list[tuple[int, int, LLMCall]]] = defaultdict(list)
        for s in self.sites.values():
            end = max(s.loc.end_line, s.loc.line)
            self.by_path[s.loc.path].append((s.loc.line, end, s))
        for rows in self.by_path.values():
            rows.sort(key=lambda r: (r[0], -r[1]))
        self._path_cache: dict[str, str | None] = {}
        self._at_cache: dict[tuple[str, int], LLMCall | None] = {}
        self._request_cache: dict[str, str | None] = {}
        self._candidate_cache: dict[str, dict[str, int]] = {}
        self._whole_in_first: dict[tuple[str, str], bool] = {}  # (site, first message) -> template found whole in it
        self.templates: dict[str, _Template] = {}
        self.word_index: dict[str, set[str]] = defaultdict(set)
        self._build_templates()
        self.callers: Counter[str] = Counter(
            s.target for s in self.sites.values() if s.site == SiteKind.WRAPPER_CALL and s.target
        )
        self.wrapper_of: dict[tuple[str, str], str] = {
            (s.loc.path, s.function): s.id for s in self.sites.values() if s.site == SiteKind.WRAPPER
        }
        self.calls_to: dict[str, list[str]] = defaultdict(list)  # wrapper -> the wrapper-call sites that call it
        self.in_function: dict[tuple[str, str], list[str]] = defaultdict(list)  # requests and wrapper calls per def
        for s in self.sites.values():
            if s.site == SiteKind.WRAPPER_CALL and s.target:
                self.calls_to[s.target].append(s.id)
            if s.site in (SiteKind.REQUEST, SiteKind.WRAPPER_CALL):
                self.in_function[(s.loc.path, s.function)].append(s.id)
        self._generic_cache: dict[str, bool] = {}
        self._inner_cache: dict[str, LLMCall | None] = {}
        self.by_function: dict[str, list[str]] = defaultdict(list)
        for s in self.sites.values():
            name = s.function.rsplit(".", 1)[-1].lower()
            if name and name != "<module>":
                self.by_function[name].append(s.id)

    # ---- location ----------------------------------------------------------------------------------------------------
    def relpath(self, path: str) -> str | None:
        """A recorded path as one of the graph's relative paths, or None."""
        if path in self._path_cache:
            return self._path_cache[path]
        found: str | None = None
        posix = path.replace("\\", "/")
        if posix in self.by_path:
            found = posix
        else:
            try:
                rel = Path(path).resolve().relative_to(self.root).as_posix() if Path(path).is_absolute() else None
            except ValueError:
                rel = None
            if rel in self.by_path:
                found = rel
            else:  # recorded on another machine or from another working directory: match by path suffix
                tails = [p for p in self.paths if posix.endswith("/" + p) or PurePosixPath(posix).name == p]
                found = max(tails, key=len) if tails else None
        self._path_cache[path] = found
        return found

    def at(self, path: str, line: int) -> LLMCall | None:
        """The narrowest site whose source range contains ``line`` (cached: stacks repeat)."""
        key = (path, line)
        if key not in self._at_cache:
            self._at_cache[key] = self._at(path, line)
        return self._at_cache[key]

    def _at(self, path: str, line: int) -> LLMCall | None:
        rel = self.relpath(path)
        if rel is None:
            return None
        rows = self.by_path[rel]
        i = bisect.bisect_right(rows, line, key=lambda r: r[0])
        best: tuple[int, LLMCall] | None = None
        for start, end, site in reversed(rows[:i]):
            if start <= line <= end and (best is None or end - start < best[0]):
                best = (end - start, site)
            if line - start > 400:
                break
        return best[1] if best else None

    def request_id(self, site_id: str) -> str | None:
        if site_id not in self._request_cache:
            request = self.graph.request_of(site_id)
            self._request_cache[site_id] = request.id if request else None
        return self._request_cache[site_id]

    def is_generic(self, site: LLMCall, max_literal: int = 100) -> bool:
        """``site`` sits in a wrapper that several call sites share and whose own prompt is mostly holes."""
        if site.id not in self._generic_cache:
            wrapper = self.wrapper_of.get((site.loc.path, site.function))
            generic = wrapper is not None and self.callers[wrapper] >= 2
            if generic:
                prompt = self.graph.prompt_of(site.id)
                literal = sum(len(m.static_text().strip()) for m in prompt.messages) if prompt else 0
                generic = literal <= max_literal
            self._generic_cache[site.id] = generic
        return self._generic_cache[site.id]

    # ---- templates ---------------------------------------------------------------------------------------------------
    def _build_templates(self) -> None:
        df: Counter[str] = Counter()
        words_of: dict[str, set[str]] = {}
        for sid in self.sites:
            prompt = self.graph.prompt_of(sid)
            if prompt is None:
                continue
            chunks: list[str] = []
            words: set[str] = set()
            for msg in prompt.messages:
                for part in msg.parts:
                    if part.hole or not part.text.strip():
                        continue
                    chunks.extend(_pieces(part.text))
                    inner = part.text.split()[1:-1]  # edge words may be glued to a hole's text
                    words.update(w for w in inner if _WORD.fullmatch(w))
            total = sum(len(c) for c in chunks)
            if total < 12:
                continue  # nothing distinctive to match
            self.templates[sid] = _Template(sid, chunks, total)
            words_of[sid] = words
            df.update(words)
        for sid, words in words_of.items():
            distinctive = sorted(words, key=lambda w: (df[w], -len(w), w))[:12]
            for w in distinctive:
                self.word_index[w].add(sid)
            if not distinctive:  # short template: index its first chunk's words anyway
                for w in self.templates[sid].chunks[0].split()[:3]:
                    self.word_index[w].add(sid)

    def candidates(self, content: str, cache: bool = True) -> dict[str, int]:
        """Sites sharing distinctive words with one message (cached for first messages: system prompts repeat)."""
        found = self._candidate_cache.get(content) if cache else None
        if found is None:
            found = {}
            for w in self.word_index.keys() & set(content.split()):
                for sid in self.word_index[w]:
                    found[sid] = found.get(sid, 0) + 1
            if cache:
                if len(self._candidate_cache) > 50_000:
                    self._candidate_cache.clear()
                self._candidate_cache[content] = found
        return found

    def inward(self, site: LLMCall) -> list[tuple[int, LLMCall]]:
        """The requests and wrapper calls a wrapper or wrapper-call site leads to, with their depth (nearest first)."""
        found: list[tuple[int, LLMCall]] = []
        frontier, seen = [(site, 0)], {site.id}
        while frontier:
            current, depth = frontier.pop(0)
            nexts = [current.target] if current.target and current.site != SiteKind.REQUEST else []
            if current.site == SiteKind.WRAPPER:
                nexts += self.in_function.get((current.loc.path, current.function), [])
            for sid in nexts:
                target = self.sites.get(sid)
                if target is None or sid in seen:
                    continue
                seen.add(sid)
                frontier.append((target, depth + 1))
                if target.site in (SiteKind.REQUEST, SiteKind.WRAPPER_CALL):
                    found.append((depth + 1, target))
        return found

    def innermost_with_template(self, site: LLMCall) -> LLMCall | None:
        """The innermost request or wrapper call inside ``site`` whose prompt template is ``site``'s own (a caller
        carries the prompt of what it calls); None when there is none, or two at the same depth (cached: per site)."""
        if site.id not in self._inner_cache:
            template = self.templates.get(site.id)
            same = [
                (depth, inner)
                for depth, inner in (self.inward(site) if template is not None else [])
                if inner.id in self.templates and self.templates[inner.id].chunks == template.chunks
            ]
            deepest = [inner for depth, inner in same if depth == max(d for d, _ in same)]
            self._inner_cache[site.id] = deepest[0] if len(deepest) == 1 else None
        return self._inner_cache[site.id]

    def best_of(self, contents: list[str], among: list[str], min_confidence: float) -> tuple[str, float] | None:
        """The one site of ``among`` whose template the messages match best (None on a tie or below the bar)."""
        text = "\n".join(contents)
        scores = sorted(
            ((_ordered_match(self.templates[sid], text), sid) for sid in among if sid in self.templates), reverse=True
        )
        if not scores or scores[0][0] < min_confidence or (len(scores) > 1 and scores[1][0] >= scores[0][0]):
            return None
        return scores[0][1], scores[0][0]

    def match_template(self, contents: list[str], min_confidence: float) -> tuple[str, float] | None:
        if not self.templates or not contents:
            return None
        hits = dict(self.candidates(contents[0]))
        for content in contents[1:]:  # later messages rarely repeat: not cached
            for sid, n in self.candidates(content, cache=False).items():
                hits[sid] = hits.get(sid, 0) + n
        if not hits:
            return None
        text = ""
        best: tuple[str, float] | None = None
        top = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        for sid, count in top:
            if count < top[0][1] / 2:
                break  # far fewer distinctive words than the best candidate
            # The first message starts ``text``: a template found whole in it is found whole in ``text`` (the same
            # earliest positions). System prompts repeat, so that answer is cached and most records skip the scan.
            key = (sid, contents[0])
            whole = self._whole_in_first.get(key)
            if whole is None:
                whole = _ordered_match(self.templates[sid], contents[0]) >= 1.0
                if len(self._whole_in_first) > 50_000:
                    self._whole_in_first.clear()
                self._whole_in_first[key] = whole
            if whole:
                score = 1.0
            else:
                text = text or "\n".join(contents)
                score = _ordered_match(self.templates[sid], text)
            if score >= min_confidence and (best is None or score > best[1]):
                best = (sid, score)
                if score >= 0.999:
                    break
        return best


_SENTENCE_END = re.compile(r"(?<=[.!?:;\n])\s+")


def _pieces(text: str, words: int = 8) -> list[str]:
    """Literal text cut at sentence ends and every few words, so an edited sentence costs only its own share."""
    out: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        tokens = sentence.split(" ")
        out.extend(" ".join(tokens[i : i + words]) for i in range(0, len(tokens), words))
    return [p for p in out if p]


def _ordered_match(tpl: _Template, text: str) -> float:
    """Share of the template's literal text found in order in ``text`` (holes match anything)."""
    pos = 0
    matched = 0
    for chunk in tpl.chunks:
        at = text.find(chunk, pos)
        if at < 0:
            stripped = chunk.strip()
            at = text.find(stripped, pos) if stripped else -1
            if at < 0:
                continue
            chunk = stripped
        matched += len(chunk)
        pos = at + len(chunk)
    return matched / tpl.total


_CODE_KEYS = frozenset({"code", "code.filepath", "code.lineno"})


def _frames(rec: TraceRecord, stale: bool) -> list[Frame]:
    """Stack frames, innermost first, plus OTel ``code.*`` attributes and a stale recorded id as extra frames."""
    meta = rec.meta
    if not (rec.site_id and stale) and (not meta or not meta.keys() & _CODE_KEYS):
        return rec.stack  # the common case: nothing to add (read only)
    frames = list(rec.stack)
    meta = meta or {}
    code = meta.get("code") if isinstance(meta.get("code"), dict) else {}
    path = meta.get("code.filepath") or code.get("filepath")
    line = meta.get("code.lineno") or code.get("lineno")
    if path and str(line or "").isdecimal() and len(str(line)) < 10:
        frames.insert(0, Frame(str(path), int(line), str(meta.get("code.function") or code.get("function") or "")))
    if rec.site_id and stale:
        parsed = parse_site_id(rec.site_id)
        if parsed:
            frames.insert(0, Frame(parsed[1], parsed[2], parsed[0]))
    return frames


def _group_of(rec: TraceRecord) -> str:
    if rec.workload:
        return f"workload:{rec.workload}"
    system = rec.system_text()
    if system:
        return "system:" + hashlib.sha1(system.encode("utf-8")).hexdigest()[:10]
    first = content_text(rec.messages[0].get("content")) if rec.messages else ""
    return "prompt:" + hashlib.sha1(first[:200].encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class LinkTraces(Pass):
    name = "link-traces"
    summary = "link trace records to call sites (recorded id, stack, prompt template, workload) and sum traffic"
    requires = ("sites",)
    provides = ("traces-linked",)

    min_confidence: float = 0.6  # least template match to accept a template link
    prefer_wrapper_calls: bool = True
    add_sites: bool = True  # add the call sites that records' stacks or code locations show and the graph lacks

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        graph = unit.graph
        records: list[TraceRecord] = list(unit.traces or [])
        index = SiteIndex(graph, ctx.root)
        methods: Counter[str] = Counter()
        stale = 0
        per_site: dict[str, list[TraceRecord]] = defaultdict(list)
        found: list[str] = []
        with gc_paused():  # many small dicts made for records that live on
            links = [self.link(rec, index) for rec in records]
            if self.add_sites:
                found, index = self._found_by_traces(ctx, graph, records, links, index)
            for rec, link in zip(records, links, strict=True):
                if rec.site_id and rec.site_id not in index.sites:
                    stale += 1
                if link is None:
                    rec.meta["group"] = _group_of(rec)
                    rec.meta.pop("link", None)
                    methods["unlinked"] += 1
                    continue
                site, method, confidence = link
                rec.site_id = site
                rec.meta["link"] = {"method": method, "confidence": round(confidence, 3)}
                methods[method] += 1
                per_site[site].append(rec)
        for sid in index.sites:
            graph.update(sid, traffic=_traffic(per_site.get(sid, [])))
        unit.reports.link = self._report(ctx, graph, records, methods, stale, per_site, found)
        return unit

    def _found_by_traces(
        self,
        ctx: PassContext,
        graph: AgentGraph,
        records: list[TraceRecord],
        links: list[tuple[str, str, float] | None],
        index: SiteIndex,
    ) -> tuple[list[str], SiteIndex]:
        """Records that no frame ties to a site (unlinked, or linked only by prompt text or workload name) but whose
        stack or code location names a call in the source: the sites they show are added (``trace_sites``) and those
        records linked again, so they link by id or location, as capture's stack says."""
        candidates: list[tuple[int, TraceRecord, list[Frame]]] = []
        for i, (rec, link) in enumerate(zip(records, links, strict=True)):
            if link is not None and link[1] not in ("template", "workload"):
                continue
            frames = _frames(rec, stale=bool(rec.site_id) and rec.site_id not in index.sites)
            if frames:
                candidates.append((i, rec, frames))
        if not candidates:
            return [], index
        from slmc.passes.trace_sites import add_trace_sites

        found, stale = add_trace_sites(graph, ctx.root, [(rec, frames) for _, rec, frames in candidates])
        if stale:
            ctx.note(f"{stale} record(s) name a place in the source that no longer holds their call (code changed?)")
        if not found:
            return [], index
        if "triage" in graph.meta.facts:  # triage ran before this pass: the new sites get theirs too
            from slmc.passes.triage import multi_task_wrappers, triage_site_guarded

            multi = multi_task_wrappers(graph)
            for sid in found:
                site = graph.node(sid)
                assert isinstance(site, LLMCall)
                graph.update(sid, triage=triage_site_guarded(graph, site, multi))
        index = SiteIndex(graph, ctx.root)
        for i, rec, _ in candidates:
            links[i] = self.link(rec, index)
        return found, index

    # ---- one record --------------------------------------------------------------------------------------------------
    def link(self, rec: TraceRecord, index: SiteIndex) -> tuple[str, str, float] | None:
        known = rec.site_id in index.sites
        frames = _frames(rec, stale=bool(rec.site_id) and not known)
        located = [s for s in (index.at(f.path, f.line) for f in frames) if s is not None]
        if known:
            site, confidence = self._per_task(index, located, index.sites[rec.site_id], rec)
            return site, "site-id", confidence
        if located:
            start, confidence = located[0], 1.0
            if start.site != SiteKind.REQUEST and self.prefer_wrapper_calls:
                inner = self._inward(index, start, rec)
                if inner is not None:
                    start, confidence = inner
            site, narrowed = self._per_task(index, located, start, rec)
            return site, "location", min(confidence, narrowed, 0.95)
        match = index.match_template([content_text(m.get("content")) for m in rec.messages], self.min_confidence)
        if match:
            site_id, confidence = match
            start = index.sites[site_id]
            if start.site != SiteKind.REQUEST and self.prefer_wrapper_calls:
                # The prompt is found at a caller too (a wrapper's def, the call of `main()`): like a location that
                # names a caller, it links to the request inside, then out through generic wrappers, as capture does.
                inner = index.innermost_with_template(start)
                if inner is not None:
                    site, narrowed = self._per_task(index, [], inner, rec)
                    return site, "template", min(confidence, narrowed)
            return site_id, "template", confidence
        hinted = _workload_site(rec.workload, index)
        if hinted:
            return hinted, "workload", 0.3
        return None

    def _inward(self, index: SiteIndex, site: LLMCall, rec: TraceRecord) -> tuple[LLMCall, float] | None:
        """A location that names a caller (an OTel code location at the agent's outer frame, a function's ``def``
        line): the request or wrapper call inside it that the record's messages match (the innermost on a tie), or
        its only request; capture's stack starts at the request, so linking must too."""
        reachable = index.inward(site)
        if not reachable:
            return None
        text = "\n".join(content_text(m.get("content")) for m in rec.messages)
        scored = sorted(
            (
                (_ordered_match(index.templates[s.id], text), depth, s.id)
                for depth, s in reachable
                if s.id in index.templates
            ),
            reverse=True,
        )
        if scored and scored[0][0] >= self.min_confidence:
            if len(scored) > 1 and scored[1][:2] == scored[0][:2]:
                return None  # two sites inside match equally well: the location alone cannot tell
            return index.sites[scored[0][2]], scored[0][0]
        requests = [s for _, s in reachable if s.site == SiteKind.REQUEST]
        return (requests[0], 0.9) if len(requests) == 1 else None

    def _per_task(self, index: SiteIndex, located: list[LLMCall], site: LLMCall, rec: TraceRecord) -> tuple[str, float]:
        """The per-task site of a call and the confidence of the choice: move out from ``site`` through generic
        wrappers only (see module doc). Where the evidence ends inside a generic wrapper (an OTel span's code location
        is the request in ``ask(system, user)``, with no caller frames), the caller is the wrapper-call site whose
        prompt the record's messages match, so every source links the call to the site capture's stack gives."""
        if not self.prefer_wrapper_calls:
            return site.id, 1.0
        request = index.request_id(site.id)
        current = site
        ids = [s.id for s in located]
        start = ids.index(site.id) + 1 if site.id in ids else 0
        for frame_site in located[start:]:  # innermost first
            if frame_site.site != SiteKind.WRAPPER_CALL or frame_site.id == current.id:
                continue
            reaches = index.request_id(frame_site.id)
            if not (reaches is None or request is None or reaches in (request, site.id)):
                continue
            if not index.is_generic(current):
                break
            current = frame_site
        confidence, seen = 1.0, {current.id}
        while index.is_generic(current):
            wrapper = index.wrapper_of.get((current.loc.path, current.function))
            callers = index.calls_to.get(wrapper, []) if wrapper else []
            contents = [content_text(m.get("content")) for m in rec.messages]
            pick = index.best_of(contents, callers, self.min_confidence) if callers and contents else None
            if pick is None or pick[0] in seen:
                break
            current, confidence = index.sites[pick[0]], min(confidence, pick[1])
            seen.add(current.id)
        return current.id, confidence

    # ---- report ------------------------------------------------------------------------------------------------------
    def _report(
        self,
        ctx: PassContext,
        graph: AgentGraph,
        records: list[TraceRecord],
        methods: Counter[str],
        stale: int,
        per_site: dict[str, list[TraceRecord]],
        found: list[str] | None = None,
    ) -> dict[str, Any]:
        total = len(records)
        linked = total - methods["unlinked"]
        groups = Counter(r.meta["group"] for r in records if "group" in r.meta and "link" not in r.meta)
        stats: dict[str, Any] = {
            "records": total,
            "linked": linked,
            "unlinked": methods["unlinked"],
            "methods": {k: v for k, v in sorted(methods.items()) if k != "unlinked"},
            "stale_site_ids": stale,
            "sites": {sid: len(recs) for sid, recs in sorted(per_site.items())},
            "sites_without_traffic": sorted(s.id for s in graph.sites() if s.id not in per_site),
            "unlinked_groups": dict(groups.most_common()),
            "sites_found_by_traces": sorted(found or []),
        }
        ctx.note(
            f"linked {linked} of {total} records"
            + (f", {stats['unlinked']} unlinked (kept)" if stats["unlinked"] else "")
            + (f", {len(found)} call site(s) found by traces" if found else "")
        )
        where = graph.meta.root or "."
        by_method = ", ".join(f"{k} {v}" for k, v in stats["methods"].items()) or "none"
        ctx.report(
            Diagnostic(
                where,
                0,
                0,
                "I201",
                f"linked {linked} of {total} trace records to call sites ({by_method}); "
                f"{stats['unlinked']} unlinked in {len(groups)} group(s)",
                severity=Severity.INFO,
                name="link-stats",
                data=stats,
            )
        )
        if stale:
            ctx.report(
                Diagnostic(
                    where,
                    0,
                    0,
                    "W201",
                    f"{stale} trace record(s) name a call-site id that is not in the source (code changed since "
                    "capture?); they were linked by location or prompt where possible",
                    name="stale-site-ids",
                )
            )
        for sid in sorted(found or []):
            site = graph.node(sid)
            if isinstance(site, LLMCall) and site.site != SiteKind.WRAPPER:
                ctx.report(
                    Diagnostic(
                        site.loc.path,
                        site.loc.line,
                        site.loc.col,
                        "I203",
                        f"call site {site.id} found by traces (the static analysis missed it): added from the "
                        f"records' stacks, {len(per_site.get(sid, []))} record(s) linked to it",
                        severity=Severity.INFO,
                        name="site-found-by-traces",
                        site=site.id,
                    )
                )
        for site in graph.sites():
            if site.id not in per_site and site.site != SiteKind.WRAPPER and records:
                ctx.report(
                    Diagnostic(
                        site.loc.path,
                        site.loc.line,
                        site.loc.col,
                        "I202",
                        f"no trace records for {site.id}",
                        severity=Severity.INFO,
                        name="site-without-traces",
                        site=site.id,
                    )
                )

        return stats


def _workload_site(workload: str | None, index: SiteIndex) -> str | None:
    if not workload:
        return None
    tokens = [t for t in _NAME_SPLIT.split(workload.lower()) if t]
    if not tokens:
        return None
    candidates = index.by_function.get(tokens[-1]) or index.by_function.get("_".join(tokens))
    if not candidates:
        joined = "_".join(tokens)
        candidates = [sid for name, sids in index.by_function.items() if joined.endswith(name) for sid in sids]
    return candidates[0] if len(candidates) == 1 else None


def _traffic(records: list[TraceRecord]) -> Traffic:
    if not records:
        return Traffic(link_confidence=0.0)
    latencies: list[float] = []
    models: set[str] = set()
    methods: set[str] = set()
    tokens_in = tokens_out = errors = 0
    confidence = 0.0
    for r in records:  # one pass: this runs over every record
        if r.latency_ms is not None:
            latencies.append(r.latency_ms)
        tokens_in += r.input_tokens or 0
        tokens_out += r.output_tokens or 0
        if r.error or r.finish_reason == "error":
            errors += 1
        if r.model:
            models.add(r.model)
        link = r.meta.get("link") or {}
        confidence += link.get("confidence", 0.0)
        methods.add(link.get("method", ""))
    return Traffic(
        calls=len(records),
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        errors=errors,
        models=tuple(sorted(models)),
        latency_ms_p50=statistics.median(latencies) if latencies else None,
        link_confidence=round(confidence / len(records), 3),
        link_methods=tuple(sorted(methods)),
    )
