"""An object that hands its own fields on as a dict (``asdict(self)``) to module functions, which read its model
function back by field name (``ask = settings["light_model"]``) and call it: each such call is a call of the function
the field holds (CALLSITES.md: functions stored in attributes). A module-level table declared empty and filled by
item assignments (``PROMPTS["answer"] = "..."``) holds those texts, so a function sending ``PROMPTS[...]`` as its
system prompt authors its task prompt: it is a task function, not a wrapper forwarding its ``query``, and so is a
function whose closure sends such a prompt."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, messages_at, write_tree

_MODELS = """
    from openai import AsyncOpenAI

    _client = AsyncOpenAI()


    async def chat_once(model, prompt, system_prompt=None, **kwargs):
        messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
        messages.append({"role": "user", "content": prompt})
        out = await _client.chat.completions.create(model=model, messages=messages, **kwargs)
        return out.choices[0].message.content


    async def strong_fn(prompt, system_prompt=None, **kwargs):
        return await chat_once("gpt-4o", prompt, system_prompt=system_prompt, **kwargs)


    async def light_fn(prompt, system_prompt=None, **kwargs):
        return await chat_once("gpt-4o-mini", prompt, system_prompt=system_prompt, **kwargs)
"""

_TEXTS = """
    TEXTS = {}

    TEXTS["merge"] = \"\"\"Combine the notes below about one product into a single neutral sentence.
    Product: {name}
    Notes: {notes}\"\"\"

    TEXTS["reply"] = \"\"\"You answer questions about a store catalogue using only the rows listed below.
    Say you do not know when the rows do not cover the question.
    {rows}\"\"\"
"""

_STEPS = """
    from .texts import TEXTS


    async def merge_notes(name, notes, settings):
        ask = settings["light_model"]
        return await ask(TEXTS["merge"].format(name=name, notes=notes), max_tokens=80)


    async def reply(question, rows, settings):
        ask = settings["strong_model"]
        system = TEXTS["reply"].format(rows=rows)
        return await ask(question, system_prompt=system)


    async def reply_each(question, row_groups, settings):
        ask = settings["strong_model"]

        async def one(rows):
            system = TEXTS["reply"].format(rows=rows)
            return await ask(question, system_prompt=system)

        return [await one(rows) for rows in row_groups]
"""

_STORE = """
    from dataclasses import asdict, dataclass

    from .models import chat_once, light_fn, strong_fn
    from .steps import merge_notes, reply, reply_each


    def hosted_fn_for(model_id):
        async def hosted(prompt, system_prompt=None, **kwargs):
            return await chat_once(model_id, prompt, system_prompt=system_prompt, **kwargs)

        return hosted


    @dataclass
    class Store:
        strong_model: callable = strong_fn
        light_model: callable = light_fn
        hosted_id: str = ""

        def __post_init__(self):
            if self.hosted_id:
                self.strong_model = hosted_fn_for(self.hosted_id)

        async def tidy(self, name, notes):
            return await merge_notes(name, notes, asdict(self))

        async def answer(self, question, rows):
            return await reply(question, rows, asdict(self))

        async def answer_all(self, question, groups):
            return await reply_each(question, groups, asdict(self))
"""


_LOCAL = """
    import ollama

    from shop.store import Store


    async def local_fn(prompt, system_prompt=None, **kwargs):
        messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
        messages.append({"role": "user", "content": prompt})
        out = await ollama.AsyncClient().chat(model="qwen2", messages=messages, **kwargs)
        return out["message"]["content"]


    def build():
        return Store(strong_model=local_fn, light_model=local_fn)
"""


def _tree(tmp_path: Path):
    write_tree(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/models.py": _MODELS,
            "shop/texts.py": _TEXTS,
            "shop/steps.py": _STEPS,
            "shop/store.py": _STORE,
            "run_local.py": _LOCAL,
        },
    )
    return analysed_graph(tmp_path)


def test_field_read_back_from_the_flattened_object_is_the_function_it_holds(tmp_path: Path) -> None:
    graph = _tree(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    steps = "shop/steps.py"
    assert found[(steps, line_of(_STEPS, 'return await ask(TEXTS["merge"]'))] == SiteKind.WRAPPER_CALL
    assert found[(steps, line_of(_STEPS, "return await ask(question, system_prompt=system)"))] == (
        SiteKind.WRAPPER_CALL
    )


def test_table_filled_by_item_assignments_holds_its_texts(tmp_path: Path) -> None:
    graph = _tree(tmp_path)
    steps = "shop/steps.py"
    roles = messages_at(graph, steps, line_of(_STEPS, 'return await ask(TEXTS["merge"]'))
    assert any("single neutral sentence" in text for _, text in roles)


def test_function_writing_its_system_prompt_around_the_question_is_no_wrapper(tmp_path: Path) -> None:
    """``reply`` and ``reply_each`` hand the question on as it is, but send it under a system prompt they write:
    their own task (bench/corpus/README.md, task methods), so the store's calls of them are no wrapper-calls."""
    graph = _tree(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    store, steps = "shop/store.py", "shop/steps.py"
    # (the model calls inside them are found: the model function is followed to them)
    assert (
        found[(steps, line_of(_STEPS, "    return await ask(question, system_prompt=system)"))] == SiteKind.WRAPPER_CALL
    )
    assert found[(steps, line_of(_STEPS, "        return await ask(question, system_prompt=system)"))] == (
        SiteKind.WRAPPER_CALL
    )
    assert (steps, line_of(_STEPS, "async def reply(")) not in found
    assert (steps, line_of(_STEPS, "async def reply_each(")) not in found
    assert (store, line_of(_STORE, "return await reply(question, rows, asdict(self))")) not in found
    assert (store, line_of(_STORE, "return await reply_each(question, groups, asdict(self))")) not in found


def test_functions_the_field_is_set_to_or_constructed_with_are_calling_apis(tmp_path: Path) -> None:
    """The model function a construction hands the object (``Store(strong_model=local_fn)``) and the one its own
    method sets (``self.strong_model = hosted_fn_for(...)``, a closure) are what the steps call through the field:
    wrappers, as the default is."""
    graph = _tree(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found[("shop/models.py", line_of(_MODELS, "async def strong_fn("))] == SiteKind.WRAPPER
    assert found[("run_local.py", line_of(_LOCAL, "async def local_fn("))] == SiteKind.WRAPPER
    assert found[("shop/store.py", line_of(_STORE, "async def hosted("))] == SiteKind.WRAPPER
