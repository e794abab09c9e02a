"""A module that no other module imports or names, with no ``__main__`` block, holding a class whose name a module of
the same package that the tree does import also defines, is an old copy kept beside the live one: its calls are dead
code and hold no site. Look-alikes that keep their sites: a module nobody imports whose class is its own (a library
module its users import), one with a ``__main__`` block (a script), and one that another module loads by its name in a
string (``importlib.import_module``)."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

LIVE = """
    from openai import OpenAI


    class Session:
        def __init__(self):
            self.client = OpenAI()

        def ask(self, question):
            out = self.client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
            )
            return out.choices[0].message.content

        def reply(self, text):
            return self.ask(text)
"""

OLD = """
    from openai import OpenAI


    class Session:
        def __init__(self):
            self.client = OpenAI()

        def ask(self, question):
            out = self.client.chat.completions.create(model="gpt-3.5-turbo", messages=[{"role": "user", "content": question}])
            return out.choices[0].message["content"]

        def relay(self, bot, text):
            return bot.reply(text)
"""

OWN = """
    from openai import OpenAI


    class Grader:
        def grade(self, answer):
            out = OpenAI().chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Grade 1-5: " + answer}]
            )
            return out.choices[0].message.content
"""

SCRIPT = """
    from openai import OpenAI


    class Session:
        def ask(self, question):
            out = OpenAI().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
            return out.choices[0].message.content


    if __name__ == "__main__":
        print(Session().ask("hello"))
"""

PLUGIN = """
    from openai import OpenAI


    class Session:
        def ask(self, question):
            out = OpenAI().chat.completions.create(model="o3-mini", messages=[{"role": "user", "content": question}])
            return out.choices[0].message.content
"""

MAIN = """
    import importlib

    from app.live import Session


    def run(question, flavour=None):
        if flavour:
            return importlib.import_module("app.flavoured").Session().ask(question)
        return Session().ask(question)
"""


def test_old_copy_of_an_imported_class_holds_no_site(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/live.py": LIVE,
            "app/live_old.py": OLD,
            "app/grader.py": OWN,
            "app/session_cli.py": SCRIPT,
            "app/flavoured.py": PLUGIN,
            "app/main.py": MAIN,
        },
    )
    assert sites_in(tmp_path, "app/live_old.py") == set()
    assert (line_of(LIVE, "self.client.chat.completions.create("), "request") in sites_in(tmp_path, "app/live.py")
    assert (line_of(OWN, "OpenAI().chat.completions.create("), "request") in sites_in(tmp_path, "app/grader.py")
    assert (line_of(SCRIPT, "OpenAI().chat.completions.create("), "request") in sites_in(tmp_path, "app/session_cli.py")
    assert (line_of(PLUGIN, "OpenAI().chat.completions.create("), "request") in sites_in(tmp_path, "app/flavoured.py")


PLUGIN_BODY = """
    from openai import OpenAI


    class Plugin:
        def run(self, text):
            out = OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": {task!r} + text}}])
            return out.choices[0].message.content
"""

LOADER = """
    import importlib.util
    from pathlib import Path

    from plugins.weather import Plugin as WeatherPlugin


    def load_all(folder):
        found = {"weather": WeatherPlugin()}
        for path in Path(folder).glob("*.py"):
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            found[path.stem] = module.Plugin()
        return found
"""


def test_plugins_sharing_one_class_name_keep_their_sites(tmp_path: Path) -> None:
    bodies = {
        name: PLUGIN_BODY.format(task=task)
        for name, task in (("weather", "Forecast: "), ("search", "Search for: "), ("summary", "Summarize: "))
    }
    write_tree(
        tmp_path,
        {
            "plugins/__init__.py": "",
            **{f"plugins/{name}.py": body for name, body in bodies.items()},
            "app/__init__.py": "",
            "app/loader.py": LOADER,
        },
    )
    for name, body in bodies.items():
        line = line_of(body, "OpenAI().chat.completions.create(")
        assert (line, "request") in sites_in(tmp_path, f"plugins/{name}.py"), name


TOOL_STATE = """
    from openai import OpenAI


    class State:
        def __init__(self):
            self.client = OpenAI()
            self.pending = None

        def start(self, goal):
            self.pending = goal
            return self._work(goal)

        def _work(self, goal):
            out = self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": goal}])
            return out.choices[0].message.content


    class WebTool:
        def __init__(self):
            self.state = State()

        def execute(self, goal):
            return self.state.start(goal)
"""

SHELL_STATE = """
    class State:
        def __init__(self):
            self.sessions = {}

        def session(self, key):
            return self.sessions.setdefault(key, [])


    class ShellTool:
        def execute(self, command):
            return State().session(command)
"""

KEYS_TOOL = """
    from tools.shell import ShellTool


    class KeysTool:
        def execute(self, keys):
            return ShellTool().execute(keys)
"""


def test_unrelated_class_of_the_same_name_is_no_old_copy(tmp_path: Path) -> None:
    """A tool module loaded by a folder scan (nothing imports it) whose helper class shares its name, but none of its
    methods, with a class of a sibling module that another tool imports: no old copy of it, its sites stay."""
    write_tree(
        tmp_path,
        {
            "tools/__init__.py": "",
            "tools/web.py": TOOL_STATE,
            "tools/shell.py": SHELL_STATE,
            "tools/keys.py": KEYS_TOOL,
        },
    )
    assert (line_of(TOOL_STATE, "self.client.chat.completions.create("), "request") in sites_in(
        tmp_path, "tools/web.py"
    )
