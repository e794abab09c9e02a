"""A task function that names its own prompt file (a literal name handed to the tree's file-reading prompt loader,
directly or through a settings default such as ``entity_prompt_path = "tag_entities.txt"``) writes that task even
when the loader's folder cannot be followed statically: the caller's text it passes next to the system prompt is
data, so it is no wrapper and its callers' calls are no sites; the wrapper-call inside it is the prompt site. A
function whose caller hands the prompt file's name stays a wrapper: the caller picks the task."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

HOME = """
    from pathlib import Path

    HOME = Path(__file__).resolve().parent


    def under_home(relative):
        return str((HOME / relative).resolve())
"""

LOADER = """
    from os import path

    from kit.home import under_home


    def load_prompt(file_name, folder=None):
        try:
            if folder is None:
                folder = under_home("./prompts")
            with open(path.join(folder, file_name), encoding="utf-8") as fh:
                return fh.read()
        except FileNotFoundError:
            return None
"""

SETTINGS = """
    class Settings:
        entity_prompt_path: str = "tag_entities.txt"


    def settings():
        return Settings()
"""

GATEWAY = """
    import litellm


    class Gateway:
        @staticmethod
        async def structured(text, system, schema):
            messages = [{"role": "system", "content": system}, {"role": "user", "content": text}]
            return await litellm.acompletion(model="m", messages=messages, response_format=schema)
"""

TASKS = """
    import os

    from kit.gateway import Gateway
    from kit.prompts.loader import load_prompt
    from kit.settings import settings


    async def tag_entities(text, schema):
        prompt_path = settings().entity_prompt_path
        folder = None
        if os.path.isabs(prompt_path):
            folder = os.path.dirname(prompt_path)
            prompt_path = os.path.basename(prompt_path)
        system = load_prompt(prompt_path, folder)
        return await Gateway.structured(text, system, schema)


    async def summarise(text, schema):
        system = load_prompt("summarise.txt") or ""
        return await Gateway.structured(text, system, schema)


    async def run_named(prompt_file, text, schema):
        system = load_prompt(prompt_file) or ""
        return await Gateway.structured(text, system, schema)
"""

PIPELINE = """
    from kit.tasks import run_named, summarise, tag_entities


    async def index_chunks(chunks, schema):
        return [await tag_entities(c.text, schema) for c in chunks]


    async def index_document(doc, schema):
        tags = await tag_entities(doc.text, schema)
        short = await summarise(doc.text, schema)
        return tags, short, await run_named("grade.txt", doc.text, schema)


    async def digest(doc, schema):
        return await summarise(doc.text, schema), await run_named("headline.txt", doc.text, schema)
"""


def _kinds(graph, path: str) -> dict[int, str]:
    return {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == path}


def test_function_naming_its_own_prompt_file_is_no_wrapper(tmp_path: Path) -> None:
    prompts = {
        "kit/prompts/tag_entities.txt": "Tag every person, place and organisation in the text; answer as JSON.\n",
        "kit/prompts/summarise.txt": "Summarise the text in three sentences, keeping every number it gives.\n",
        "kit/prompts/grade.txt": "Grade the text from 1 to 5 for clarity and answer with the digit only.\n",
        "kit/prompts/headline.txt": "Write one headline of at most ten words for the text.\n",
    }
    files = {"kit/__init__.py": "", "kit/prompts/__init__.py": "", "kit/home.py": HOME, "kit/settings.py": SETTINGS}
    files |= {"kit/prompts/loader.py": LOADER, "kit/gateway.py": GATEWAY, "kit/tasks.py": TASKS}
    write_tree(tmp_path, {**files, **prompts, "kit/pipeline.py": PIPELINE})
    graph = analysed_graph(tmp_path)
    tasks, pipeline = _kinds(graph, "kit/tasks.py"), _kinds(graph, "kit/pipeline.py")
    assert line_of(TASKS, "def tag_entities(") not in tasks  # its prompt file comes from a settings default
    assert line_of(TASKS, "def summarise(") not in tasks  # a literal file name
    assert tasks.get(line_of(TASKS, "return await Gateway.structured(text, system, schema)")) == "wrapper-call"
    assert line_of(PIPELINE, "return [await tag_entities(") not in pipeline  # calls of task functions: no sites
    assert line_of(PIPELINE, "short = await summarise(") not in pipeline
    # the look-alike: the caller names the prompt file, so ``run_named`` is a calling API
    assert tasks.get(line_of(TASKS, "def run_named(")) == "wrapper"
    assert pipeline.get(line_of(PIPELINE, 'return tags, short, await run_named("grade.txt"')) == "wrapper-call"
