"""A prompt file whose path is a settings value with a fallback (``self._get_path("key", os.path.join(here, "x.yaml"))``
set on a config object, read through a project loader): the fallback file is the prompt read."""

from __future__ import annotations

import textwrap
from pathlib import Path

from slmc.frontend import analyze_paths
from slmc.ir import AgentGraph

SETTINGS = """
    import os


    class Settings:
        def __init__(self, src):
            self.src = src
            self.summary_prompt_path = self._get_path(
                "summary_prompt_path",
                os.path.join(os.path.dirname(os.path.abspath(__file__)), "summary_prompt.yaml"),
            )

        def _get_path(self, key, default):
            return self.src.get(key, default)
"""

LOADER = """
    import yaml


    def load_yaml(path):
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
"""

AGENT = """
    from openai import OpenAI

    from app.loader import load_yaml
    from app.settings import Settings

    client = OpenAI()


    class Summarizer:
        def __init__(self, config: Settings):
            self.config = config
            self.template = load_yaml(self.config.summary_prompt_path)["content"]

        def summarize(self, chat):
            messages = [{"role": "system", "content": self.template}, {"role": "user", "content": chat}]
            return client.chat.completions.create(model="gpt-4o", messages=messages)
"""

PROMPT = """
    content: |-
      Condense the chat log below into three bullet points, keeping every decision made.
"""


def _graph(root: Path, prompt_name: str) -> AgentGraph:
    files = {"app/settings.py": SETTINGS, "app/loader.py": LOADER, "app/agent.py": AGENT, f"app/{prompt_name}": PROMPT}
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    graph, diags = analyze_paths([root], root=root)
    assert not [d for d in diags if "internal error" in d.message]
    return graph


def _system_text(graph: AgentGraph) -> str:
    (site,) = [s for s in graph.sites() if s.function == "Summarizer.summarize"]
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    return "\n".join(m.static_text() for m in prompt.messages)


def test_fallback_path_of_a_settings_getter_is_read(tmp_path: Path) -> None:
    text = _system_text(_graph(tmp_path, "summary_prompt.yaml"))
    assert "Condense the chat log below" in text, text


def test_no_file_at_the_fallback_path_reads_nothing(tmp_path: Path) -> None:
    text = _system_text(_graph(tmp_path, "other_prompt.yaml"))
    assert "Condense" not in text, text


def test_a_loader_given_the_callers_own_file_reads_the_named_template(tmp_path: Path) -> None:
    files = {
        "bot/reader.py": """
            from pathlib import Path


            def read_prompt(current_file, prompt_file):
                return (Path(current_file).parent / "prompts" / prompt_file).read_text()
        """,
        "bot/prompts/pick.txt": "Choose one of the following replies: yes, later, no.\n",
        "bot/step.py": """
            from openai import OpenAI

            from bot.reader import read_prompt

            client = OpenAI()


            def pick(reply):
                prompt = read_prompt(__file__, "pick.txt")
                return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
        """,
    }
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    (tmp_path / "bot" / "__init__.py").write_text("", encoding="utf-8")
    graph, _ = analyze_paths([tmp_path], root=tmp_path)
    (site,) = [s for s in graph.sites() if s.function == "pick"]
    prompt = graph.prompt_of(site.id)
    text = "\n".join(m.static_text() for m in prompt.messages) if prompt is not None else ""
    assert "Choose one of the following replies" in text, text
    assert "import" not in text, text  # not the Python source of the calling module
