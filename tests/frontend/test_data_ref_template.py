"""A template object built from one literal reference to a text in a data file of the tree (``Tpl(".prompts:review.
system")``: a YAML file named by a dotted path, a leading dot meaning next to the module, then a dotted key path) and
filled by a method call (``.fill(code=code)``) sends that text, its slots as holes. A method writing its prompts so
around the data its caller hands it is a task, no wrapper, and its callers' calls are no wrapper-calls; a reference
naming no file or key stays unknown text (the method then forwards what it is given)."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, messages_at, site_at, write_tree

_TPL = """
    from pathlib import Path

    import yaml
    from jinja2 import Template


    class Tpl:
        def __init__(self, ref):
            file_part, keys = ref.split(":")
            data = yaml.safe_load((Path(__file__).parent / (file_part.lstrip(".") + ".yaml")).read_text())
            for key in keys.split("."):
                data = data[key]
            self.text = data

        def fill(self, **values):
            return Template(self.text).render(**values)
"""

_PROMPTS = """\
review:
  system: |-
    You check a piece of code written for the task below and decide whether it can be accepted.
    {{ task }}
    Reply in JSON with the fields "comments" and "accepted".
  user: |-
    Code to check:
    {{ code }}
"""

_LLM = """
    from openai import OpenAI

    client = OpenAI()


    def ask(user, system):
        out = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "system", "content": system}, {"role": "user", "content": user}]
        )
        return out.choices[0].message.content
"""

_REVIEWER = """
    from .llm import ask
    from .tpl import Tpl


    class Reviewer:
        def review(self, task, code):
            system = Tpl(".prompts:review.system").fill(task=task)
            user = Tpl(".prompts:review.user").fill(code=code)
            return ask(user, system)

        def relay(self, task, code):
            system = Tpl(".prompts:missing.system").fill(task=task)
            return ask(code, system)
"""

_LOOP = """
    from .reviewer import Reviewer


    def run(task, code):
        return Reviewer().review(task, code), Reviewer().relay(task, code)
"""


def test_method_filling_a_named_data_template_is_a_task(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/tpl.py": _TPL,
            "app/llm.py": _LLM,
            "app/reviewer.py": _REVIEWER,
            "app/loop.py": _LOOP,
        },
    )
    (tmp_path / "app/prompts.yaml").write_text(_PROMPTS, encoding="utf-8")
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert ("app/reviewer.py", line_of(_REVIEWER, "def review")) not in found  # writes its prompt: a task
    call = line_of(_REVIEWER, "return ask(user, system)")
    assert site_at(graph, "app/reviewer.py", call).site == SiteKind.WRAPPER_CALL
    system_text = dict(messages_at(graph, "app/reviewer.py", call)).get("system", "")
    assert "decide whether it can be accepted" in system_text
    # the look-alike: a reference to a key no data file holds gives no text, so the method forwards the code
    assert found.get(("app/reviewer.py", line_of(_REVIEWER, "def relay"))) == SiteKind.WRAPPER
