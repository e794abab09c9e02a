"""Prompt-template libraries that build a LangChain runnable from a template file they name (ChainLite
``llm_generation_chain("rank.prompt", engine=...)``): the runnable, piped into parsers with ``|``, sends its request
in ``ainvoke`` / ``abatch``, also when its ``ainvoke`` is handed to the library's parallel map
(``run_async_in_parallel(chain.ainvoke, inputs)``); building it sends nothing. The prompt is the template file of that
name in the tree (jinja slots as holes). A method filling such a template of its own class with the data it is handed
(``{{ query }}``, ``{% for r in results %}``) is a task method, not a calling API: no wrapper, its calls are no
wrapper-calls, the chain's call is the site."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, carried_text, line_of, write_tree

RANK_PROMPT = """\
# instruction
Order the passages by how well they answer the query. Reply with JSON holding the ordered ids.
# input
Query: {{ query }}
{% for r in results %}
[{{ loop.index }}] {{ r.text }}
{% endfor %}
{% if note %}Note: {{ note }}{% endif %}
"""

KEEP_PROMPT = """\
# instruction
Say yes when the passage helps answer the question, else say no. One word.
# input
Question: {{ question }}
Passage: {{ passage }}
"""

RANKER = """
    import json

    from chainlite import llm_generation_chain, run_async_in_parallel


    def to_ids(text):
        return json.loads(text)["ids"]


    class Ranker:
        def __init__(self, engine: str):
            self.chain = llm_generation_chain(template_file="rank.prompt", engine=engine, max_tokens=100) | to_ids

        async def rank(self, query, results, note=None):
            order = await self._window(query, results, note)
            return [results[i] for i in order]

        async def _window(self, query, results, note=None):
            return await self.chain.ainvoke({"query": query, "results": results, "note": note})


    async def keep_helpful(question, passages, engine):
        keep = llm_generation_chain("keep.prompt", engine=engine, max_tokens=1)
        said = await run_async_in_parallel(
            keep.ainvoke, [{"question": question, "passage": p} for p in passages], max_concurrency=8
        )
        return [p for p, s in zip(passages, said) if s.strip().lower() == "yes"]


    async def keep_batched(question, passages, engine):
        keep = llm_generation_chain("keep.prompt", engine=engine, max_tokens=1)
        said = await keep.abatch([{"question": question, "passage": p} for p in passages])
        return [p for p, s in zip(passages, said) if s.strip().lower() == "yes"]
"""

USE = """
    from pkg.ranker import Ranker, keep_batched, keep_helpful

    ranker = Ranker("gpt-4o")


    async def top(query, results):
        return (await ranker.rank(query, results))[0]


    async def best_two(query, results):
        return (await ranker.rank(query, results, note="short"))[:2]


    async def helpful(question, passages):
        return await keep_helpful(question, passages, "gpt-4o") + await keep_batched(question, passages, "gpt-4o")
"""


def test_template_file_chain_requests_and_task_method(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/ranker.py": RANKER, "pkg/use.py": USE})
    (tmp_path / "pkg/prompts").mkdir()
    (tmp_path / "pkg/prompts/rank.prompt").write_text(RANK_PROMPT, encoding="utf-8")
    (tmp_path / "pkg/prompts/keep.prompt").write_text(KEEP_PROMPT, encoding="utf-8")
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s for s in graph.sites()}
    calls = {
        "self.chain.ainvoke(": "Order the passages",
        "await run_async_in_parallel(": "say yes when the passage",
        "await keep.abatch(": "say yes when the passage",
    }
    for text, prompt in calls.items():
        site = found.get(("pkg/ranker.py", line_of(RANKER, text)))
        assert site is not None and str(site.site) in ("request", "framework-task"), text
        assert prompt.lower() in carried_text(graph, site).lower(), text
    for text in ("self.chain = llm_generation_chain(", "keep = llm_generation_chain("):
        assert ("pkg/ranker.py", line_of(RANKER, text)) not in found, text
    assert ("pkg/ranker.py", line_of(RANKER, "async def rank(")) not in found  # a task method
    assert not [s for s in graph.sites() if s.loc.path == "pkg/use.py"]
