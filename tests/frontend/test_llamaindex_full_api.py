"""LlamaIndex's ``LLM`` answers through more than ``chat`` / ``complete``: ``astructured_predict`` (a Pydantic class and
a prompt template), ``stream`` / ``astream`` of a template, the streaming structured twins and the tool-calling API an
agent loop steps with (``astream_chat_with_tools(tools, chat_history=...)``, ``predict_and_call``). LangChain's
``LanguageModelLike`` (the type LangGraph builders declare their model parameter with) is a chat model too. Reading the
model's metadata, counting tokens, an embedding model's calls and a retriever typed by its base stay silent."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

STEPS = """
    from llama_index.core.embeddings import BaseEmbedding
    from llama_index.core.llms import LLM
    from llama_index.core.prompts import PromptTemplate
    from pydantic import BaseModel


    class Verdict(BaseModel):
        keep: bool


    JUDGE = PromptTemplate("Does this passage answer {question}? {passage}")


    async def judge(llm: LLM, question: str, passage: str) -> bool:
        out = await llm.astructured_predict(Verdict, JUDGE, question=question, passage=passage)
        return out.keep


    async def agent_step(llm: LLM, tools, history):
        stream = await llm.astream_chat_with_tools(tools, chat_history=history)
        return [chunk async for chunk in stream]


    def act(llm: LLM, tools, message):
        return llm.predict_and_call(tools, user_msg=message)


    async def summary(llm: LLM, text: str):
        return await llm.astream(JUDGE, question="summary", passage=text)


    def window(llm: LLM, embedder: BaseEmbedding, text: str):
        size = llm.metadata.context_window
        vector = embedder.get_text_embedding(text)
        return size, vector
"""

GRAPH = """
    from langchain_core.language_models.base import LanguageModelLike
    from langchain_core.retrievers import BaseRetriever


    async def answer(llm: LanguageModelLike, retriever: BaseRetriever, question: str):
        docs = await retriever.ainvoke(question)
        context = "\\n".join(d.page_content for d in docs)
        return await llm.ainvoke("Answer only from this context:\\n" + context + "\\nQuestion: " + question)
"""


def test_full_llamaindex_api_and_language_model_like(tmp_path: Path) -> None:
    write_tree(tmp_path, {"steps.py": STEPS, "graph.py": GRAPH})
    steps = {line for line, kind in sites_in(tmp_path, "steps.py") if kind == "request"}
    assert steps == {
        line_of(STEPS, "llm.astructured_predict("),
        line_of(STEPS, "llm.astream_chat_with_tools("),
        line_of(STEPS, "llm.predict_and_call("),
        line_of(STEPS, "llm.astream("),
    }
    graph = {line for line, kind in sites_in(tmp_path, "graph.py") if kind == "request"}
    assert graph == {line_of(GRAPH, "llm.ainvoke(")}
