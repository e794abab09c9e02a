"""Task discovery: cluster trace records by the variable part of their prompt plus the shape of their answer.

The number of tasks is discovered (agglomerative clustering, average linkage on cosine distance, cut at a distance
threshold), not given. For speed on large trace sets identical (variable part, answer shape) pairs are deduplicated,
a capped sample per call site is clustered, and the rest is assigned to the nearest cluster centroid (in a cheap
TF-IDF + shape space when the clustering embedder is MiniLM, so the remainder is never run through the network).

The feature row of an item is ``[sqrt(1-w) * text_embedding, sqrt(w) * shape_vector]`` with both halves unit-norm,
so its cosine distance is ``(1-w) * d_text + w * d_shape``: tasks differ by what they produce as much as by input.
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

from slmc.analysis.embeddings import TfidfEmbedder, get_embedder
from slmc.analysis.shapes import ShapeVectorizer, answer_shape, variable_parts
from slmc.ir.nodes import Prompt
from slmc.traces.record import TraceRecord


@dataclass
class ClusterOptions:
    embedder: str = "auto"  # auto | minilm | tfidf
    distance_threshold: float = 0.6  # average-linkage cut on the combined cosine distance
    shape_weight: float = 0.5  # w: share of the distance given to the answer shape
    min_size: int = 5  # clusters with fewer records join the nearest larger cluster
    sample_per_site: int = 2000  # distinct items per site that are clustered; the rest is assigned
    max_sample: int = 4000  # distinct items clustered in all
    common_share: float = 0.2  # lines in this share of a site's distinct prompts are template text
    seed: int = 0
    cache_dir: Path | None = None


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

    def how(self) -> str:
        return (
            f"{len(self.labels)} records -> {self.distinct} distinct items; clustered a sample of {self.sampled} "
            f"with {self.embedder} (agglomerative, average linkage), assigned {self.assigned} by nearest centroid"
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


def _nearest(x, centroids):
    import numpy as np

    if len(x) == 0:
        return np.zeros(0, dtype=int)
    return np.argmax(x @ centroids.T, axis=1)


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
    from sklearn.cluster import AgglomerativeClustering

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
    item_count = Counter(record_item)
    items_by_site: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        items_by_site[_site_key(r)].append(record_item[i])

    # 2. cluster a capped sample
    sample = _sample(items_by_site, opts)
    embedder = get_embedder(opts.embedder, cache_dir=opts.cache_dir)
    sample_texts = [items[i][0] for i in sample]
    shape_vec = ShapeVectorizer().fit([items[i][1] for i in sample])
    x_sample = _combine(
        embedder.fit(sample_texts).encode(sample_texts),
        shape_vec.transform([items[i][1] for i in sample]),
        opts.shape_weight,
    )
    if len(sample) == 1:
        sample_labels = np.zeros(1, dtype=int)
    else:
        sample_labels = AgglomerativeClustering(
            n_clusters=None, distance_threshold=opts.distance_threshold, metric="cosine", linkage="average"
        ).fit_predict(x_sample)

    # 3. small clusters join the nearest large one (sizes in records)
    sizes = Counter()
    for item, label in zip(sample, sample_labels, strict=True):
        sizes[int(label)] += item_count[item]
    large = sorted(c for c, n in sizes.items() if n >= opts.min_size)
    if large and len(large) < len(sizes):
        remap = {c: i for i, c in enumerate(large)}
        cent = _centroids(x_sample, [remap.get(int(c), -1) for c in sample_labels], len(large))
        nearest = _nearest(x_sample, cent)
        sample_labels = np.array(
            [remap[int(c)] if int(c) in remap else int(nearest[j]) for j, c in enumerate(sample_labels)]
        )
    k = int(sample_labels.max()) + 1

    # 4. assign the items outside the sample by nearest centroid
    item_label = np.full(len(items), -1, dtype=int)
    item_label[sample] = sample_labels
    rest = [i for i in range(len(items)) if item_label[i] < 0]
    if rest:
        if isinstance(embedder, TfidfEmbedder):
            space, x_space = embedder, x_sample
        else:  # cheap space: never run the remainder through the network
            space = TfidfEmbedder(seed=opts.seed).fit(sample_texts)
            x_space = _combine(
                space.encode(sample_texts), shape_vec.transform([items[i][1] for i in sample]), opts.shape_weight
            )
        cent = _centroids(x_space, sample_labels, k)
        for chunk in range(0, len(rest), 20_000):
            part = rest[chunk : chunk + 20_000]
            x_rest = _combine(
                space.encode([items[i][0] for i in part]),
                shape_vec.transform([items[i][1] for i in part]),
                opts.shape_weight,
            )
            item_label[part] = _nearest(x_rest, cent)

    # 5. order clusters by size, describe them
    labels_raw = [int(item_label[it]) for it in record_item]
    order = [c for c, _ in Counter(labels_raw).most_common()]
    rank = {c: i for i, c in enumerate(order)}
    labels = [rank[c] for c in labels_raw]
    clusters = [Cluster(index=i) for i in range(len(order))]
    for i, r in enumerate(records):
        c = clusters[labels[i]]
        c.records += 1
        c.sites[_site_key(r)] += 1
        c.kinds[shapes[i][0].split(":", 1)[1]] += 1
        for call in r.tool_calls[:1]:
            c.tools[str(call.get("name"))] += 1
    docs: list[list[str]] = [[] for _ in clusters]
    for item in range(len(items)):
        if item_label[item] >= 0:
            docs[rank[int(item_label[item])]].append(items[item][0])
    for c, words in zip(clusters, ctfidf_keywords(["\n".join(d[:3000]) for d in docs]), strict=True):
        c.keywords = words
    sample_ranked = np.array([rank[int(c)] for c in sample_labels])
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
        assigned=len(rest),
        seconds=time.perf_counter() - start,
        projection=projection,
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
