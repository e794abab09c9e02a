"""Prompt templates kept as Python modules in a folder, one per task, which a manager imports by a computed name at
run time and reads one variable off (``module = importlib.import_module(f"pkg.prompts.{name}")`` then
``module.chat_template``): ``manager.fill(name="labels", text=t)`` hands the model the message list that variable holds
in the module of that file name, its ``${x}`` slots as holes — also when the list is one item of a batch walked by a
loop, or when the name is an f-string whose hole picks among the modules. A manager that imports nothing by name (a
plain table), or a name no module of the folder carries, gives no such prompt."""

from __future__ import annotations

from pathlib import Path

from slmc.frontend import analyze_paths
from slmc.frontend.project import Analysis

from .trees import analysed_graph, carried_text, line_of, site_at, write_tree

_MANAGER = """
    import importlib
    import os
    from string import Template


    class Manager:
        def __init__(self):
            self.table = {}
            folder = os.path.join(os.path.dirname(__file__), "prompts")
            for filename in os.listdir(folder):
                stem = filename[:-3]
                module = importlib.import_module(f"kit.prompts.{stem}")
                self.table[stem] = module.chat_template

        def fill(self, name, **slots):
            return [{"role": m["role"], "content": Template(m["content"]).substitute(**slots)} for m in self.table[name]]
"""
_TREE = {
    "kit/__init__.py": "",
    "kit/manager.py": _MANAGER,
    "kit/prompts/__init__.py": "",
    "kit/prompts/labels.py": """
        intro = "Tag each sentence of the review with one label: praise, complaint or neutral. Reply in JSON."

        chat_template = [
            {"role": "system", "content": intro},
            {"role": "user", "content": "${text}"},
        ]
    """,
    "kit/prompts/answer_short.py": """
        chat_template = [
            {"role": "system", "content": "Answer the question from the passages in at most five words."},
            {"role": "user", "content": "${question}"},
        ]
    """,
    "kit/run.py": """
        from openai import OpenAI

        from kit.manager import Manager

        client = OpenAI()
        manager = Manager()


        def ask(messages):
            reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            return reply.choices[0].message.content


        def tag(review):
            messages = manager.fill(name="labels", text=review)
            return ask(messages)


        def answer_all(questions, style):
            batch = []
            for q in questions:
                batch.append(manager.fill(name=f"answer_{style}", question=q))
            return [ask(m) for m in batch]


        def missing(review):
            messages = manager.fill(name="nowhere", text=review)
            return ask(messages)
    """,
}


def _line(text: str) -> int:
    return line_of(_TREE["kit/run.py"], text)


def _last(text: str) -> int:
    lines = _TREE["kit/run.py"].splitlines()
    return max(i for i, line in enumerate(lines, 1) if text in line)


def test_template_module_picked_by_name(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    tag = carried_text(graph, site_at(graph, "kit/run.py", _line("return ask(messages)")))
    assert "one label: praise, complaint or neutral" in tag
    assert "${text}" not in tag  # the slot is a hole
    walked = carried_text(graph, site_at(graph, "kit/run.py", _line("[ask(m)")))  # a batch item, the name an f-string
    assert "at most five words" in walked
    assert "praise" not in carried_text(
        graph, site_at(graph, "kit/run.py", _last("return ask(messages)"))
    )  # no module of that name


def test_manager_without_imports_by_name_gives_no_template(tmp_path: Path) -> None:
    tree = dict(_TREE)
    tree["kit/manager.py"] = """
        class Manager:
            def __init__(self):
                self.table = {}

            def fill(self, name, **slots):
                return self.table[name]
    """
    write_tree(tmp_path, tree)
    graph, _ = analyze_paths([tmp_path], root=tmp_path)
    assert "praise" not in carried_text(graph, site_at(graph, "kit/run.py", _line("return ask(messages)")))


_BATCH = {
    "kit/__init__.py": "",
    "kit/manager.py": _MANAGER,
    "kit/prompts/__init__.py": "",
    "kit/prompts/labels.py": _TREE["kit/prompts/labels.py"],
    "kit/prompts/notes.py": """
        from string import Template

        chat_template = [
            {"role": "system", "content": "Name the three main topics of the meeting notes, one word each."},
            {"role": "user", "content": Template("${notes}")},
        ]
    """,
    "kit/engine.py": """
        from vllm import LLM, SamplingParams
        from vllm.model_executor.guided_decoding.guided_fields import GuidedDecodingRequest

        SCHEMAS = {"labels": {"type": "object"}}


        def _ids(conversation, tokenizer):
            text = tokenizer.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)
            return tokenizer(text)["input_ids"]


        class Engine:
            def __init__(self, name):
                self.llm = LLM(model=name)
                self.tokenizer = self.llm.get_tokenizer()

            def run_batch(self, conversations, max_tokens=256, schema=None):
                ids = [_ids(c, self.tokenizer) for c in conversations]
                guided = GuidedDecodingRequest(guided_json=SCHEMAS[schema]) if schema else None
                out = self.llm.generate(
                    prompt_token_ids=ids,
                    sampling_params=SamplingParams(max_tokens=max_tokens, temperature=0),
                    guided_options_request=guided,
                )
                return [o.outputs[0].text for o in out]
    """,
    "kit/jobs.py": """
        from kit.engine import Engine
        from kit.manager import Manager


        class Tagger:
            def __init__(self):
                self.engine, self.manager = Engine("some-model"), Manager()

            def tag_all(self, reviews, notes):
                batch = [self.manager.fill(name="labels", text=r) for r in reviews]
                tagged = self.engine.run_batch(batch, schema="labels", max_tokens=64)
                topics = self.engine.run_batch([self.manager.fill(name="notes", notes=n) for n in notes])
                return tagged, topics
    """,
    "kit/cli.py": """
        from kit.jobs import Tagger


        def main(reviews, notes):
            return Tagger().tag_all(reviews, notes)
    """,
    "kit/api.py": """
        from kit.jobs import Tagger


        def handle(body):
            return Tagger().tag_all(body["reviews"], body["notes"])
    """,
}


def test_a_batch_of_rendered_conversations_reaches_a_local_engine(tmp_path: Path) -> None:
    """A local engine's batch API encodes each conversation it is handed (a comprehension over the batch) before the
    engine generates: the batch is the prompt it forwards, beside the settings. Each caller's comprehension of
    rendered template lists is what is sent — also when one turn of the template is an object made at run time."""
    write_tree(tmp_path, _BATCH)
    analysis = Analysis(tmp_path)
    for p in sorted(tmp_path.rglob("*.py")):
        analysis.add_file(p.relative_to(tmp_path).as_posix(), p)
    graph = analysis.run()
    assert "conversations" in analysis.forwarded["kit.engine:Engine.run_batch"]
    jobs = _BATCH["kit/jobs.py"]
    tagged = carried_text(graph, site_at(graph, "kit/jobs.py", line_of(jobs, "tagged =")))
    assert "one label: praise, complaint or neutral" in tagged
    topics = carried_text(graph, site_at(graph, "kit/jobs.py", line_of(jobs, "topics =")))
    assert "three main topics" in topics
