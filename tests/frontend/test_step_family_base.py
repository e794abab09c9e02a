"""A dataset step family: ``Step.execute(records)`` runs ``self.run(...)`` for each record (coroutines gathered),
``run`` retries ``self.make(...)``, and ``make`` builds a per-record generator that sends the step's prompt file
through the engine. Subclasses override ``run`` (a voting step asking the caller's question several times) and a module function
elsewhere calls that override directly, so it is a wrapper; the base ``run`` it overrides is then the family's calling API too, not a helper
folded into ``execute``, and ``execute`` (what the pipelines call) reaches the model through it. Without an override
that is a wrapper (only a splitting step that runs the base's own generator), the base ``run`` is left as it was."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

WRAPPER = str(SiteKind.WRAPPER)
CALL = str(SiteKind.WRAPPER_CALL)

ENGINE = """
    import openai


    class Engine:
        def __init__(self, model):
            self.model = model
            self.client = openai.AsyncOpenAI()

        async def submit_messages(self, messages, params):
            out = await self.client.chat.completions.create(model=self.model, messages=messages, **params)
            return out.choices[0].message.content


    class Generator:
        def __init__(self, prompt_file, engine, params):
            self.prompt_file = prompt_file
            self.engine = engine
            self.params = params

        async def generate(self, **fields):
            with open(self.prompt_file, encoding="utf-8") as f:
                template = f.read()
            messages = [{"role": "user", "content": template.format(**fields)}]
            return await self.engine.submit_messages(messages, self.params)
"""

STEPS = """
    import asyncio

    from engine import Engine, Generator


    class Step:
        def __init__(self, prompt_file, params=None, tries=2):
            self.prompt_file = prompt_file
            self.params = params or {}
            self.tries = tries

        async def make(self, record, engine, prompt_file):
            generator = Generator(prompt_file, engine, self.params)
            return await generator.generate(**record)

        async def run(self, key, record, engine, table):
            for _ in range(self.tries):
                result = await self.make(record, engine, self.prompt_file)
                if result:
                    table[key] = result
                    return result

        async def execute(self, table, engine):
            jobs = [self.run(key, record, engine, table) for key, record in table.items()]
            await asyncio.gather(*jobs)
            return table


    class VoteStep(Step):
        async def run(self, key, question, engine: Engine, table, votes=3):
            messages = [{"role": "user", "content": question}]
            results = [await engine.submit_messages(messages, self.params) for _ in range(votes)]
            table[key] = max(set(results), key=results.count)
            return table[key]


    class SplitStep(Step):
        async def run(self, key, record, engine, table):
            text = await self.make(record, engine, self.prompt_file)
            for i, part in enumerate(text.split("\\n\\n")):
                table[f"{key}-{i}"] = part
            return text
"""

ELSEWHERE = """
    from steps import VoteStep

    judge = VoteStep("prompts/judge.txt")


    async def judge_one(question, engine):
        return await judge.run("one", question, engine, {})
"""

PIPELINE = """
    from engine import Generator
    from steps import Step

    rewrite = Step("prompts/rewrite.txt")


    async def pipeline(table, engine):
        return await rewrite.execute(table, engine)


    async def title(engine, text):
        return await Generator("prompts/title.txt", engine, {"max_tokens": 20}).generate(text=text)
"""


VOTE = STEPS[STEPS.index("    class VoteStep") : STEPS.index("    class SplitStep")]


def _found(root: Path, with_vote_step: bool) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    files = {"engine.py": ENGINE, "steps.py": STEPS, "pipeline.py": PIPELINE}
    if with_vote_step:
        files["elsewhere.py"] = ELSEWHERE
    else:
        files["steps.py"] = STEPS.replace(VOTE, "")
    write_tree(root, files)
    return sites_in(root, "steps.py"), sites_in(root, "pipeline.py")


def test_base_of_step_overrides_that_are_wrappers_is_a_wrapper(tmp_path: Path) -> None:
    steps, pipeline = _found(tmp_path, True)
    assert (line_of(STEPS, "async def run(self, key, record, engine, table):"), WRAPPER) in steps
    assert (line_of(STEPS, "async def execute(self, table, engine):"), WRAPPER) in steps
    assert (line_of(STEPS, "jobs = [self.run("), CALL) in steps
    assert (line_of(PIPELINE, "await rewrite.execute("), CALL) in pipeline


def test_without_an_override_that_is_a_wrapper_the_base_step_is_left_alone(tmp_path: Path) -> None:
    steps, _ = _found(tmp_path, False)
    assert (line_of(STEPS, "async def run(self, key, record, engine, table):"), WRAPPER) not in steps


TASKS = """

    class SummaryStep(Step):
        async def run(self, key, record, engine, table):
            messages = [{"role": "user", "content": "Summarise this record in two sentences: " + str(record)}]
            table[key] = await engine.submit_messages(messages, self.params)
            return table[key]


    class TagStep(Step):
        async def run(self, key, record, engine, table):
            messages = [{"role": "user", "content": "Answer with one tag, news or sport or other, for: " + str(record)}]
            table[key] = await engine.submit_messages(messages, self.params)
            return table[key]
"""


def test_one_wrapper_among_task_overrides_leaves_the_base_alone(tmp_path: Path) -> None:
    """Of four overrides of ``run`` only the voting step forwards its caller's question; the two that write their own
    prompts (and the splitting step) make the family a set of tasks, so the base ``run`` is no calling API."""
    write_tree(
        tmp_path, {"engine.py": ENGINE, "steps.py": STEPS + TASKS, "pipeline.py": PIPELINE, "elsewhere.py": ELSEWHERE}
    )
    steps = sites_in(tmp_path, "steps.py")
    assert (line_of(STEPS, "class VoteStep") + 1, WRAPPER) in steps
    assert (line_of(STEPS, "async def run(self, key, record, engine, table):"), WRAPPER) not in steps
