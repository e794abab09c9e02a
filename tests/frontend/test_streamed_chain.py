"""A LangChain chain handed to something that runs it is a request: lanarky's streaming response built over a chain
(``StreamingResponse.from_chain(chain, inputs)``) runs the chain when the response is served, and a legacy chain
called as a function (``chain(inputs)``) runs it too. A response over plain text is no model call."""

from __future__ import annotations

from pathlib import Path

from .trees import sites_in, write_tree


def test_chain_streamed_by_a_response_and_called_directly(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "notes.py": """
                from langchain import LLMChain, PromptTemplate
                from langchain.chat_models import ChatOpenAI
                from lanarky.responses import StreamingResponse

                OUTLINE = PromptTemplate(
                    template="List the three key decisions in these notes: {notes}",
                    input_variables=["notes"],
                )


                def stream_outline(model: ChatOpenAI, notes):
                    chain = LLMChain(llm=model, prompt=OUTLINE)
                    return StreamingResponse.from_chain(chain, {"notes": notes}, media_type="text/event-stream")


                def outline_now(notes):
                    chain = LLMChain(llm=ChatOpenAI(), prompt=OUTLINE)
                    return chain({"notes": notes})


                def echo(text):
                    return StreamingResponse(iter([text]), media_type="text/plain")


                def route(notes):
                    return stream_outline(ChatOpenAI(streaming=True), notes), outline_now(notes), echo(notes)
            """,
        },
    )
    found = sites_in(tmp_path, "notes.py")
    calls = {"request", "framework-task"}
    assert any((14, kind) in found for kind in calls)  # the response runs the chain
    assert (12, "wrapper") in found and (27, "wrapper-call") in found
    assert any((19, kind) in found for kind in calls)  # the chain called as a function
    assert not any(line == 23 for line, _ in found)  # a response over plain text


def test_chain_over_the_tree_subclass_of_a_chat_model(tmp_path: Path) -> None:
    """``LLMChain(llm=self.model)`` where the model is the project's own subclass of a LangChain chat model (built by a
    factory and injected): the chain is a model chain, its streamed run a call; a chain over an unrelated object is
    not."""
    write_tree(
        tmp_path,
        {
            "svc.py": """
                from langchain import LLMChain, PromptTemplate
                from langchain.chat_models import ChatOpenAI
                from lanarky.responses import StreamingResponse

                TIDY = PromptTemplate(template="Rewrite as one tidy paragraph: {text}", input_variables=["text"])


                class TunedChat(ChatOpenAI):
                    max_tokens: int = 500


                class Notepad:
                    def predict(self, text):
                        return text


                class Writer:
                    def __init__(self, model: TunedChat, pad: Notepad):
                        self.model = model
                        self.pad = pad

                    async def tidy(self, text):
                        chain = LLMChain(llm=self.model, prompt=TIDY)
                        return StreamingResponse.from_chain(chain, {"text": text})

                    async def keep(self, text):
                        chain = LLMChain(llm=self.pad, prompt=TIDY)
                        return StreamingResponse.from_chain(chain, {"text": text})


                async def main():
                    w = Writer(TunedChat(), Notepad())
                    return await w.tidy("a b c"), await w.keep("a b c")
            """,
        },
    )
    found = sites_in(tmp_path, "svc.py")
    assert any((25, kind) in found for kind in ("request", "framework-task"))
    assert not any(line == 29 for line, _ in found)
