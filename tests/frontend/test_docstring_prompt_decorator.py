"""A decorator factory of the tree that turns a function into a model task: its replacement function sends the
decorated function's docstring as the prompt (it reads ``func.__doc__``) and its arguments as the input, through the
project's model API. Each decorated def (``@ai_task(temperature=0)``) is then a prompt site with no call expression
in sight (CALLSITES "framework-task": the framework turns it into a model call), reported at the decorator, its
prompt the docstring; the calls of the decorated function are task calls, no sites. A decorator factory reading
``__doc__`` for another purpose (a help registry) reaches no model and stays silent."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, site_at, sites_in, write_tree

AIFN = """
    import functools
    import json

    from openai import OpenAI

    _client = OpenAI()


    def ask(system, user, temperature=None):
        out = _client.chat.completions.create(
            model="m-small",
            temperature=temperature,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
        )
        return out.choices[0].message.content


    def ai_task(temperature=None):
        def decorator(func):
            @functools.wraps(func)
            def run(*args, **kwargs):
                func(*args, **kwargs)
                system = "Compute the function described below.\\n\\n" + (func.__doc__ or "")
                user = json.dumps({"args": args, "kwargs": kwargs})
                return ask(system, user, temperature=temperature)

            return run

        return decorator


    HELP = {}


    def documented(section):
        def decorator(func):
            def run(*args, **kwargs):
                HELP.setdefault(section, []).append(func.__doc__)
                return func(*args, **kwargs)

            return run

        return decorator
"""

TASKS = """
    from aifn import ai_task, documented


    @ai_task(temperature=0)
    def sentiment(review: str) -> str:
        \"\"\"Classify the sentiment of the review as exactly one word: positive, negative or neutral.\"\"\"


    @documented("math")
    def add(a, b):
        \"\"\"Add two numbers.\"\"\"
        return a + b


    def triage(reviews):
        return [sentiment(r) for r in reviews if add(1, 1)]
"""


def test_docstring_prompt_decorator_makes_each_decorated_def_a_site(tmp_path: Path) -> None:
    write_tree(tmp_path, {"aifn.py": AIFN, "tasks.py": TASKS})
    tasks = sites_in(tmp_path, "tasks.py")
    at = line_of(TASKS, "@ai_task(temperature=0)")
    assert at in {line for line, _ in tasks}
    # the prompt is the decorated function's docstring
    graph = analysed_graph(tmp_path)
    prompt = graph.prompt_of(site_at(graph, "tasks.py", at).id)
    assert prompt is not None and "positive, negative or neutral" in " ".join(m.static_text() for m in prompt.messages)
    # the replacement function the decorator runs is the calling API of the decorated defs
    assert (line_of(AIFN, "def run(*args, **kwargs):"), "wrapper") in sites_in(tmp_path, "aifn.py")
    # a decorator reading docstrings for a help registry reaches no model; calls of decorated functions are no sites
    assert line_of(TASKS, '@documented("math")') not in {line for line, _ in tasks}
    assert line_of(TASKS, "return [sentiment(r)") not in {line for line, _ in tasks}


def test_star_import_in_package_shadows_the_submodule_of_the_same_name(tmp_path: Path) -> None:
    """``kit/__init__.py`` star-imports ``kit/ai_task.py``, which defines the function ``ai_task``: ``from kit import
    ai_task`` reads the package's attribute, the function (not the submodule), so ``@ai_task()`` is a docstring task."""
    package = {
        "kit/__init__.py": "from kit.ai_task import *\n",
        "kit/ai_task.py": AIFN,
        "tasks.py": TASKS.replace("from aifn import ai_task, documented", "from kit import ai_task, documented"),
    }
    write_tree(tmp_path, package)
    tasks = sites_in(tmp_path, "tasks.py")
    assert line_of(TASKS, "@ai_task(temperature=0)") in {line for line, _ in tasks}
    assert line_of(TASKS, '@documented("math")') not in {line for line, _ in tasks}


TYPED = """
    from aifn import ai_task


    @ai_task()
    def closeness(first: str, second: str) -> float:
        \"\"\"Compare how alike the two passages are in what they claim and give back how close they are.\"\"\"


    @ai_task()
    def retell(passage: str) -> str:
        \"\"\"Compare how alike the two passages are in what they claim and give back how close they are.\"\"\"
"""


def test_a_docstring_tasks_return_annotation_is_its_answer_type(tmp_path: Path) -> None:
    """``-> float`` on the decorated def is the answer's type (the runner returns it as such): a number is a short
    closed answer, read narrow; ``-> str`` says nothing beyond text and leaves the same prompt where it was."""
    from slmc.ir import Verdict
    from slmc.passes.triage import triage_site

    write_tree(tmp_path, {"aifn.py": AIFN, "tasks.py": TYPED})
    graph = analysed_graph(tmp_path)
    number = site_at(graph, "tasks.py", line_of(TYPED, "@ai_task()"))
    text = site_at(graph, "tasks.py", line_of(TYPED, "def retell") - 1)
    assert number.output_schema == "float" and text.output_schema is None, (number, text)
    assert triage_site(graph, number).verdict == Verdict.NARROW, triage_site(graph, number)
    assert triage_site(graph, text).verdict != Verdict.NARROW, triage_site(graph, text)
