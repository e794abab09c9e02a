"""Batch runners that reach the model through what they are given.

* A runner that defines a closure doing one item's work (``_one(item, i)`` builds a worker from the factory it was
  handed and asks it) and hands that closure to a generic pool helper: the runner is the calling API, the closure is
  one of its steps (no wrapper of its own), and the pool helper's calls of the closure are no wrapper-calls.
* A runner handed a bound method, which it fetches again by name from a fresh copy of the object
  (``getattr(copy, method.__name__)``) and calls: a call of whatever its callers pass. Handing it the model-asking
  method is a wrapper-call; handing it a method that never reaches a model is no site at all.
* A function that builds its own worker right there and has a runner run it over its data sets up a model task of
  its own: the runner call is the prompt site, and the function is no forwarding wrapper.
"""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

WORKER = """
    from openai import OpenAI


    class Worker:
        def __init__(self, role):
            self.role = role
            self.client = OpenAI()

        async def ask(self, text):
            reply = self.client.chat.completions.create(
                model="m",
                messages=[{"role": "system", "content": self.role}, {"role": "user", "content": text}],
            )
            return reply.choices[0].message.content

        async def tidy(self, text):
            return text.strip()
"""

POOL = """
    import asyncio
    import copy

    from worker import Worker


    async def _drain(items, job):
        return await asyncio.gather(*[job(item, i) for i, item in enumerate(items)])


    def run_pool(items, job, label):
        return asyncio.run(_drain(items, job))


    def fan_out(make_worker, items):  # RUNNER-FACTORY
        async def _one(item, i):  # CLOSURE-FACTORY
            worker = make_worker(i)
            return await worker.ask(item)  # ASK-IN-CLOSURE

        return run_pool(items, _one, f"running {len(items)} workers")  # HAND-CLOSURE


    def fan_out_copies(worker, items):  # RUNNER-COPIES
        return fan_out(lambda i: copy.deepcopy(worker), items)  # CALL-RUNNER-FACTORY


    def fan_out_method(worker, method, items):  # RUNNER-METHOD
        name = method.__name__

        async def _one(item, i):
            twin = copy.deepcopy(worker)
            fetched = getattr(twin, name, None)
            return await fetched(item)  # FETCHED-CALL

        return run_pool(items, _one, f"running {name} on {len(items)} copies")


    def ask_all(worker: Worker, items):  # ASK-ALL
        return fan_out_method(worker, worker.ask, items)  # HAND-ASK


    def tidy_all(worker: Worker, items):
        return fan_out_method(worker, worker.tidy, items)  # HAND-TIDY


    def headlines(stories):
        writer = Worker("Write a five-word headline for the story you are given.")
        return fan_out_method(writer, writer.ask, stories)  # OWN-TASK
"""


USE = """
    from pool import ask_all, fan_out_copies, headlines, tidy_all
    from worker import Worker


    def shout(worker: Worker, lines):
        return fan_out_copies(worker, [line.upper() for line in lines])


    def answer(worker: Worker, questions):
        return ask_all(worker, questions)


    def clean(worker: Worker, lines):
        return tidy_all(worker, lines)


    def front_page(stories):
        return headlines(stories)
"""


def _line(source: str, marker: str) -> int:
    import textwrap

    lines = textwrap.dedent(source).splitlines()
    hits = [i + 1 for i, text in enumerate(lines) if text.rstrip().endswith("# " + marker)]
    assert len(hits) == 1, marker
    return hits[0]


def _found(tmp_path: Path) -> dict[tuple[str, int], str]:
    write_tree(tmp_path, {"worker.py": WORKER, "pool.py": POOL, "use.py": USE})
    graph = analysed_graph(tmp_path)
    return {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}


def test_runner_handing_a_closure_to_a_pool_is_the_api(tmp_path: Path) -> None:
    found = _found(tmp_path)
    at = lambda marker: found.get(("pool.py", _line(POOL, marker)))  # noqa: E731
    assert at("RUNNER-FACTORY") == "wrapper"
    assert at("ASK-IN-CLOSURE") == "wrapper-call"
    assert at("CLOSURE-FACTORY") is None  # the closure is a step of the runner
    assert at("HAND-CLOSURE") is None  # handing the closure to the pool is no call of a wrapper
    assert at("RUNNER-COPIES") == "wrapper"  # a runner over the first one
    assert at("CALL-RUNNER-FACTORY") == "wrapper-call"
    # the pool helper's own call of what it is handed is no site
    drain = _line(POOL, "RUNNER-FACTORY") - 10
    assert not [k for k in found if k[0] == "pool.py" and drain <= k[1] < _line(POOL, "RUNNER-FACTORY")]


def test_method_fetched_again_by_name_is_a_call_of_what_callers_pass(tmp_path: Path) -> None:
    found = _found(tmp_path)
    at = lambda marker: found.get(("pool.py", _line(POOL, marker)))  # noqa: E731
    assert at("RUNNER-METHOD") == "wrapper"
    assert at("FETCHED-CALL") == "wrapper-call"
    assert at("HAND-ASK") == "wrapper-call"
    assert at("ASK-ALL") == "wrapper"
    assert at("HAND-TIDY") is None  # the method handed over never reaches a model


def test_function_building_its_own_worker_for_a_runner_authors_the_task(tmp_path: Path) -> None:
    found = _found(tmp_path)
    line = _line(POOL, "OWN-TASK")
    assert found.get(("pool.py", line)) == "wrapper-call"
    assert found.get(("pool.py", line - 2)) is None  # ``headlines`` is no wrapper: it writes the task it runs
