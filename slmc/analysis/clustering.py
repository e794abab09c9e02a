"""Task discovery: one task per call site unless the traces prove otherwise.

1. Within a call site, records fall into *prompt families*: instruction lines (lines of at least three words in the
   system and user messages, found in ``family_share`` of the site's distinct prompts — a system prompt, the
   instruction line a wrapper's caller writes) that appear together form one family; families too small to stand
   alone, and prompts with no instruction line, join the site's largest family.
2. Within a family, answers split only into clearly different contract kinds (tool calls, JSON, text or labels),
   each holding at least ``kind_share`` of the family's records; a stray minority joins the family's main kind. JSON
   keys, tool names and wording never split a task: a one-template extraction site, or a tool site offered many tools,
   is one task.
3. Across sites, groups merge only when template and contract agree: the same contract kind (with overlapping label
   sets, JSON keys or tool names, or tools passed per call on both sides), and instruction lines that share half
   their lines (or the same static template text).

For the report's cluster map a capped sample of (variable part, answer shape) items is embedded
(``[sqrt(1-w) * text_embedding, sqrt(w) * shape_vector]``) and projected to 2-D; the embedding does not decide tasks.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slmc.analysis.embeddings import get_embedder
from slmc.analysis.shapes import ShapeVectorizer, answer_shape, variable_parts
from slmc.analysis.site_tasks import GroupOptions, group_records
from slmc.ir.nodes import Prompt
from slmc.traces.record import TraceRecord


@dataclass
class ClusterOptions:
    embedder: str = "auto"  # auto | minilm | tfidf: embeds the sample drawn on the cluster map
    distance_threshold: float = 0.6  # no longer decides tasks (site rules do); kept so older pipelines still parse
    shape_weight: float = 0.5  # w: share of the map's distance given to the answer shape
    min_size: int = 5  # a prompt family or contract kind with fewer records does not stand alone as a task
    sample_per_site: int = 2000  # distinct items per site embedded for the map
    max_sample: int = 1500  # distinct items embedded in all: the map draws at most 1,500 points (``_project``)
    common_share: float = 0.2  # lines in this share of a site's distinct prompts are template text
    seed: int = 0
    cache_dir: Path | None = None
    seed_caches: tuple[Path, ...] = ()  # earlier runs' embedding caches (`compile --from`), read-only


@dataclass
class Cluster:
    index: int
    records: int = 0
    sites: Counter = field(default_factory=Counter)
    keywords: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)  # answer kind -> records
    tools: Counter = field(default_factory=Counter)  # tool name -> records

    def suggested_name(self) -> str:
        """The dominant tool name when one tool is most of the answers, else the top keywords."""
        if self.tools:
            tool, n = self.tools.most_common(1)[0]
            if n >= 0.5 * self.records:
                return tool
        return "-".join(self.keywords[:2]) or f"task-{self.index}"


@dataclass
class ClusterResult:
    labels: list[int]  # cluster index per input record
    clusters: list[Cluster]
    variable: list[str]  # variable part per input record
    embedder: str
    distinct: int  # distinct (variable part, answer shape) items
    sampled: int  # items clustered directly
    assigned: int  # items assigned to the nearest centroid
    seconds: float
    projection: list[dict[str, Any]] = field(default_factory=list)  # 2-D points of the sample: x, y, cluster, site
    reused: int = 0  # sample vectors taken from an earlier run's embedding cache (`compile --from`)
    groups: list[dict[str, Any]] = field(default_factory=list)  # why: per site part, its kind, records and task

    def how(self) -> str:
        return (
            f"{len(self.labels)} records -> {len(self.clusters)} tasks by call site, prompt family and contract "
            f"kind; mapped a sample of {self.sampled} of {self.distinct} distinct items with {self.embedder}"
        )


def _site_key(record: TraceRecord) -> str:
    return record.site_id or "<unlinked>"


def _sample(by_site: dict[str, list[int]], opts: ClusterOptions) -> list[int]:
    rng = random.Random(opts.seed)
    per_site = min(opts.sample_per_site, max(200, opts.max_sample // max(1, len(by_site))))
    chosen: set[int] = set()
    for site in sorted(by_site):
        items = sorted(set(by_site[site]))
        chosen.update(items if len(items) <= per_site else rng.sample(items, per_site))
    return sorted(chosen)


def _centroids(x, labels: Sequence[int], k: int):
    import numpy as np
    from sklearn.preprocessing import normalize

    cent = np.zeros((k, x.shape[1]), dtype=np.float32)
    for c in range(k):
        members = x[np.asarray(labels) == c]
        if len(members):
            cent[c] = members.mean(axis=0)
    return normalize(cent)


def _combine(text_vecs, shape_vecs, weight: float):
    import numpy as np

    return np.hstack([math.sqrt(1 - weight) * text_vecs, math.sqrt(weight) * shape_vecs]).astype(np.float32)


def ctfidf_keywords(docs: Sequence[str], top: int = 5) -> list[list[str]]:
    """Class-based TF-IDF (one document per cluster): ``tf(t, c) * log(1 + A / f(t))``, A = mean words per class."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    if not any(d.strip() for d in docs):
        return [[] for _ in docs]
    vectorizer = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z_]{2,}\b")
    try:
        counts = vectorizer.fit_transform(docs).toarray().astype(float)
    except ValueError:  # only stop words
        return [[] for _ in docs]
    words = vectorizer.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg_words = counts.sum() / len(docs)
    idf = np.log(1 + avg_words / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    out = []
    for row in scores:
        order = [i for i in np.argsort(-row) if row[i] > 0][:top]
        out.append([str(words[i]) for i in order])
    return out


def cluster_records(
    records: Sequence[TraceRecord],
    prompts: dict[str, Prompt | None] | None = None,
    opts: ClusterOptions | None = None,
) -> ClusterResult:
    """Cluster ``records`` into tasks. ``prompts`` maps a site id to its static prompt template (or None)."""
    import numpy as np

    opts = opts or ClusterOptions()
    prompts = prompts or {}
    start = time.perf_counter()
    if not records:
        return ClusterResult([], [], [], opts.embedder, 0, 0, 0, 0.0)

    # 1. variable parts per site, answer shapes, dedupe into items
    rec_by_site: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        rec_by_site[_site_key(r)].append(i)
    variable: list[str] = [""] * len(records)
    for site, idx in rec_by_site.items():
        texts = variable_parts([records[i] for i in idx], prompts.get(site), share=opts.common_share)
        for i, text in zip(idx, texts, strict=True):
            variable[i] = text
    shapes = [answer_shape(r) for r in records]
    item_of: dict[tuple[str, tuple[str, ...]], int] = {}
    record_item: list[int] = []
    for text, shape in zip(variable, shapes, strict=True):
        record_item.append(item_of.setdefault((text, tuple(shape)), len(item_of)))
    items = list(item_of)
    items_by_site: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        items_by_site[_site_key(r)].append(record_item[i])

    # 2. tasks: one per call site unless prompt families or contract kinds split it; sites merge on agreement
    raw, groups = group_records(records, [_site_key(r) for r in records], prompts, GroupOptions(min_size=opts.min_size))
    order = [c for c, _ in Counter(raw).most_common()]
    rank = {c: i for i, c in enumerate(order)}
    labels = [rank[c] for c in raw]
    parts = [
        {"site": g.site, "kind": g.kind, "records": len(g.records), "cluster": labels[g.records[0]]}
        for g in groups
        if g.records
    ]
    clusters = [Cluster(index=i) for i in range(len(order))]
    item_label = np.full(len(items), -1, dtype=int)
    for i, r in enumerate(records):
        c = clusters[labels[i]]
        c.records += 1
        c.sites[_site_key(r)] += 1
        c.kinds[shapes[i][0].split(":", 1)[1]] += 1
        for call in r.tool_calls[:1]:
            c.tools[str(call.get("name"))] += 1
        if item_label[record_item[i]] < 0:
            item_label[record_item[i]] = labels[i]
    docs: list[list[str]] = [[] for _ in clusters]
    for item in range(len(items)):
        docs[int(item_label[item])].append(items[item][0])
    for c, words in zip(clusters, ctfidf_keywords(["\n".join(d[:3000]) for d in docs]), strict=True):
        c.keywords = words

    # 3. the map: embed a capped sample, examples nearest each task's centre
    sample = _sample(items_by_site, opts)
    embedder = get_embedder(opts.embedder, cache_dir=opts.cache_dir, seeds=opts.seed_caches)
    sample_texts = [items[i][0] for i in sample]
    shape_vec = ShapeVectorizer().fit([items[i][1] for i in sample])
    x_sample = _combine(
        embedder.fit(sample_texts).encode(sample_texts),
        shape_vec.transform([items[i][1] for i in sample]),
        opts.shape_weight,
    )
    sample_ranked = np.array([int(item_label[i]) for i in sample], dtype=int)
    cent = _centroids(x_sample, sample_ranked, len(clusters))
    for c in clusters:
        members = np.flatnonzero(sample_ranked == c.index)
        sims = x_sample[members] @ cent[c.index]
        seen: list[str] = []
        for j in members[np.argsort(-sims)]:
            text = items[sample[j]][0]
            if text and text not in seen:
                seen.append(text[:300])
            if len(seen) == 5:
                break
        c.examples = seen

    projection = _project(x_sample, sample_ranked, [items[i] for i in sample], items_by_site, sample, opts.seed)
    return ClusterResult(
        labels=labels,
        clusters=clusters,
        variable=variable,
        embedder=embedder.name,
        distinct=len(items),
        sampled=len(sample),
        assigned=len(items) - len(sample),
        seconds=time.perf_counter() - start,
        projection=projection,
        groups=parts,
        reused=getattr(getattr(embedder, "cache", None), "seeded", 0),
    )


def _project(x, labels, sample_items, items_by_site, sample, seed: int, cap: int = 1500) -> list[dict[str, Any]]:
    """2-D PCA of the clustered sample for the cluster map (at most ``cap`` points)."""
    from sklearn.decomposition import PCA

    if len(x) < 3:
        return []
    site_of = {}
    for site, its in items_by_site.items():
        for it in its:
            site_of.setdefault(it, site)
    rng = random.Random(seed)
    keep = sorted(rng.sample(range(len(x)), min(cap, len(x))))
    xy = PCA(n_components=2, random_state=seed).fit_transform(x[keep])
    return [
        {"x": float(a), "y": float(b), "cluster": int(labels[j]), "site": site_of.get(sample[j], "")}
        for (a, b), j in zip(xy, keep, strict=True)
    ]
