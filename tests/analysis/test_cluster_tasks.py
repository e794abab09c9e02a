from __future__ import annotations

from collections import Counter

from slmc.analysis.shapes import answer_shape, variable_parts
from slmc.compiler.passmanager import PassContext
from slmc.ir.nodes import EdgeKind, Task
from slmc.ir.unit import CompileUnit
from slmc.passes.cluster_tasks import ClusterTasks
from slmc.traces.record import TraceRecord

from .conftest import ASK, EXTRACT, REPLY, STEP, check_golden, graph_text, make_graph, make_records


def _truth(record: TraceRecord) -> str:
    return answer_shape(record)[0] if record.site_id != REPLY else "reply"


def test_cluster_tasks_golden(agent):
    unit, ctx = agent
    graph = ClusterTasks(embedder="tfidf").run(ctx, unit).graph
    graph.verify()
    check_golden("cluster_tasks.ir.txt", graph_text(graph))


def test_one_site_two_tasks_and_two_sites_one_task(agent):
    unit, ctx = agent
    graph = ClusterTasks(embedder="tfidf").run(ctx, unit).graph
    tasks = graph.tasks()
    assert len(tasks) == 4
    by_truth: dict[str, Counter] = {}
    for r in unit.traces:
        by_truth.setdefault(_truth(r), Counter())[r.task] += 1
    # every true task maps to exactly one discovered task and vice versa
    assert all(len(c) == 1 for c in by_truth.values())
    assert len({next(iter(c)) for c in by_truth.values()}) == 4
    extraction = graph.node(next(iter(by_truth["kind:json"])))
    assert isinstance(extraction, Task) and extraction.sites == (ASK, EXTRACT)
    serving_ask = [t.id for t in graph.preds(ASK, EdgeKind.SERVES)]
    assert len(serving_ask) == 2
    tool_task = graph.node(next(iter(by_truth["kind:tool-call"])))
    assert tool_task.id == "task:get_weather" and tool_task.calls == 24 and tool_task.sites == (STEP,)
    assert sum(t.calls for t in tasks) == len(unit.traces)
    assert unit.reports.clustering["embedder"] == "tfidf"
    assert unit.reports.clustering["projection"]


def test_variable_parts_drop_template_and_common_text():
    records = make_records(n=12)
    asks = [r for r in records if r.site_id == ASK]
    parts = variable_parts(asks, None)
    sentiment = [p for p, r in zip(parts, asks, strict=True) if r.output in ("positive", "negative", "neutral")]
    assert all("Classify the sentiment" not in p and not p.startswith("Review:") for p in sentiment)
    assert all(p.startswith("The ") for p in sentiment)
    graph = make_graph()
    extract = [r for r in records if r.site_id == EXTRACT]
    parts = variable_parts(extract, graph.prompt_of(EXTRACT))
    assert all("order records" not in p and p.startswith("Hi, this is") for p in parts)


def test_sampling_assigns_the_rest_by_nearest_centroid():
    records = make_records(n=60, seed=3)
    unit = ClusterTasks(embedder="tfidf", sample_per_site=25, max_sample=100).run(
        PassContext(), CompileUnit(make_graph(), records)
    )
    graph, info = unit.graph, unit.reports.clustering
    assert info["assigned"] > 0 and info["sampled"] < info["distinct"]
    by_truth: dict[str, set] = {}
    for r in records:
        by_truth.setdefault(_truth(r), set()).add(r.task)
    assert all(len(v) == 1 for v in by_truth.values()) and len(graph.tasks()) == 4


def test_no_traces_reports_and_keeps_graph():
    ctx = PassContext()
    graph = ClusterTasks().run(ctx, CompileUnit(make_graph(), [])).graph
    assert graph.tasks() == [] and ctx.diagnostics[0].code == "W301"


def test_embedding_cache_round_trip(tmp_path):
    from slmc.analysis.embeddings import minilm_available

    if not minilm_available():
        import pytest

        pytest.skip("MiniLM not installed")
    from slmc.analysis.embeddings import MiniLMEmbedder

    texts = ["where is my card", "weather in Paris tomorrow", "where is my card"]
    first = MiniLMEmbedder(cache_dir=tmp_path).encode(texts)
    assert first.shape == (3, 384) and abs(float(first[0] @ first[2]) - 1.0) < 1e-5
    cached = MiniLMEmbedder(cache_dir=tmp_path)
    again = cached.encode(texts)
    assert cached._model is None  # served from the cache, the network was never loaded
    assert (again == first).all()
    assert float(first[0] @ first[1]) < 0.5


def test_the_cluster_map_embeds_no_more_items_than_it_draws():
    """Tasks are decided without embeddings; the map draws at most 1,500 points, so no more are embedded (embedding
    4,000 of the README example's calls with MiniLM was most of cluster-tasks' time)."""
    from slmc.analysis.clustering import ClusterOptions, cluster_records

    records = [
        TraceRecord(
            id=f"r{site}{i}",
            site_id=f"llm:f{site}@a.py:{site}",
            messages=[{"role": "user", "content": f"ticket {i} about item {i * 7 % 1000} from site {site}"}],
            output=f"answer {i % 3}",
        )
        for site in (1, 2)
        for i in range(1600)
    ]
    result = cluster_records(records, opts=ClusterOptions(embedder="tfidf"))
    assert result.distinct == 3200 and len(result.clusters) == 2
    assert result.sampled <= 1500 and len(result.projection) == result.sampled
