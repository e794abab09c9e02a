"""A class of the tree deriving from a framework's model class keeps that class's model: ``super()._stream_chat(...)``
in an override of the framework's private hook is a request (the framework class sends it), even when the base class
is loaded with ``importlib`` behind a ``TYPE_CHECKING`` import; a mixin the model class is built from reaches the
framework's API through ``getattr(self, "stream_chat")``; a LangChain chat model whose ``client`` field a pydantic
validator fills sends through that client. The overrides of the framework's model API are wrappers (the framework's
public methods run them). A field or parameter typed as a LangChain chain class (filled by ``cls(chain=...)`` in a
factory classmethod) is a chain. Look-alikes: ``super()`` calls of non-model hooks, the same shapes on classes that
derive from no model class, a validator filling a plain field, a field typed as a text splitter."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

LOADED_BASE = """
    import importlib
    from typing import TYPE_CHECKING, Any

    if TYPE_CHECKING:
        from llama_index.llms.openai import OpenAI as HostedBase


    def _hosted_base() -> type:
        return importlib.import_module("llama_index.llms.openai").OpenAI


    if not TYPE_CHECKING:
        HostedBase = _hosted_base()


    class Plain:
        def _chat(self, messages):
            return list(messages)


    class TrimmedLLM(HostedBase):
        def _drop_empty(self, messages):
            return [m for m in messages if m.content]

        def _stream_chat(self, messages, **kwargs: Any):
            for piece in super()._stream_chat(messages=self._drop_empty(messages), **kwargs):
                yield piece

        def _chat(self, messages, **kwargs):
            return super()._chat(self._drop_empty(messages), **kwargs)

        def _count(self, text):
            return super()._count(text)


    class Echo(Plain):
        def _chat(self, messages):
            return super()._chat(messages)
"""

MIXIN = """
    from llama_index.llms.ollama import Ollama


    class JsonReplies:
        def json_chat(self, messages, schema):
            send = getattr(self, "stream_chat", None)
            last = None
            for part in send(messages=messages, format=schema):
                last = part
            return last


    class LocalLLM(JsonReplies, Ollama):
        pass


    class Notebook:
        def stream_chat(self, messages, format=None):
            return iter(messages)


    class JsonNotes:
        def json_notes(self, messages):
            show = getattr(self, "stream_chat", None)
            return list(show(messages=messages))


    class Notes(JsonNotes, Notebook):
        pass
"""

VALIDATED = """
    from typing import Any, Dict

    import openai
    from langchain_core.language_models.chat_models import BaseChatModel
    from pydantic import Field, model_validator


    class RelayChat(BaseChatModel):
        client: Any = Field(default=None, exclude=True)
        counters: Any = None

        @model_validator(mode="before")
        @classmethod
        def _connect(cls, values: Dict[str, Any]) -> Dict[str, Any]:
            if not values.get("client"):
                values["client"] = openai.OpenAI(base_url=values.get("url")).chat.completions
            values["counters"] = dict()
            return values

        def _turns(self, messages):
            return [{"role": "user", "content": m.content} for m in messages]

        def _generate(self, messages, stop=None, **kwargs):
            return self.client.create(messages=self._turns(messages), model="relay")

        def _stream(self, messages, stop=None, **kwargs):
            for part in self.client.create(messages=self._turns(messages), model="relay", stream=True):
                yield part

        def stream(self, input, config=None, **kwargs):
            yield from self._stream(self._convert_input(input).to_messages(), **kwargs)

        def _llm_type(self) -> str:
            return "relay"

        def tally(self, name):
            return self.counters.update({name: 1})
"""


def test_hooks_over_an_imported_framework_model(tmp_path: Path) -> None:
    write_tree(tmp_path, {"llm/trimmed.py": LOADED_BASE})
    found = sites_in(tmp_path, "llm/trimmed.py")
    requests = {line for line, kind in found if kind == "request"}
    assert requests == {line_of(LOADED_BASE, "super()._stream_chat("), line_of(LOADED_BASE, "super()._chat(self._drop")}
    wrappers = {line for line, kind in found if kind == "wrapper"}
    assert wrappers == {
        line_of(LOADED_BASE, "def _stream_chat("),
        line_of(LOADED_BASE, "def _chat(self, messages, **kwargs)"),
    }


def test_mixin_of_a_framework_model_reaches_its_api(tmp_path: Path) -> None:
    write_tree(tmp_path, {"llm/local.py": MIXIN})
    found = sites_in(tmp_path, "llm/local.py")
    assert {line for line, kind in found if kind == "request"} == {line_of(MIXIN, "for part in send(")}
    assert not [line for line, _ in found if line >= line_of(MIXIN, "class Notebook")]


def test_client_filled_by_a_pydantic_validator(tmp_path: Path) -> None:
    write_tree(tmp_path, {"llm/relay.py": VALIDATED})
    found = sites_in(tmp_path, "llm/relay.py")
    assert {line for line, kind in found if kind == "request"} == {
        line_of(VALIDATED, "return self.client.create("),
        line_of(VALIDATED, "for part in self.client.create("),
    }
    # the hooks and the public method over them are all the framework model's API, though ``stream`` calls ``_stream``
    assert {line for line, kind in found if kind == "wrapper"} == {
        line_of(VALIDATED, "def _generate("),
        line_of(VALIDATED, "def _stream("),
        line_of(VALIDATED, "def stream("),
    }
    assert (line_of(VALIDATED, "yield from self._stream("), "wrapper-call") in found
    assert not [line for line, _ in found if line >= line_of(VALIDATED, "def _llm_type")]


SUMMARIES = """
    from langchain.chains import LLMChain
    from langchain.chains.combine_documents.map_reduce import MapReduceDocumentsChain
    from langchain.prompts import PromptTemplate
    from langchain_text_splitters import RecursiveCharacterTextSplitter


    class Digest:
        chain: MapReduceDocumentsChain
        splitter: RecursiveCharacterTextSplitter

        def __init__(self, chain: MapReduceDocumentsChain, splitter: RecursiveCharacterTextSplitter):
            self.chain = chain
            self.splitter = splitter

        @classmethod
        def from_model(cls, llm):
            mapper = LLMChain(llm=llm, prompt=PromptTemplate.from_template("Summarise: {text}"))
            chain = MapReduceDocumentsChain(llm_chain=mapper, document_variable_name="text")
            return cls(chain=chain, splitter=RecursiveCharacterTextSplitter(chunk_size=800))

        def digest(self, docs):
            pieces = self.splitter.split_documents(docs)
            summary, _ = self.chain.combine_docs(docs=pieces, brief="Keep the key numbers.")
            return summary
"""


def test_field_typed_as_a_chain_class(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kb/digest.py": SUMMARIES})
    found = sites_in(tmp_path, "kb/digest.py")
    assert (line_of(SUMMARIES, "self.chain.combine_docs("), "framework-task") in found  # a chain run: a call site
    assert not [line for line, _ in found if line == line_of(SUMMARIES, "self.splitter.split_documents(")]


RESPONSES = """
    from typing import Any, cast

    from llama_index.llms.openai import OpenAIResponses


    class PatchedResponses(OpenAIResponses):
        def _stream_chat(self, messages, **kwargs):
            def events():
                create = cast(Any, self._client.responses.create)
                for event in create(input=[m.content for m in messages], stream=True, model=self.model):
                    yield event

            return events()

        def _known_models(self):
            return self._client.models.list()
"""


def test_sdk_client_the_framework_model_keeps(tmp_path: Path) -> None:
    write_tree(tmp_path, {"llm/responses.py": RESPONSES})
    found = sites_in(tmp_path, "llm/responses.py")
    assert found == {
        (line_of(RESPONSES, "def _stream_chat("), "wrapper"),
        (line_of(RESPONSES, "for event in create("), "request"),
    }
