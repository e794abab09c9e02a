"""An abstract method whose model-reaching implementations each send a task prompt of their own around the caller's
data (an LLM relevance scorer beside a keyword scorer) names a task, not a way to reach the model: neither the
interface nor the implementations are wrappers, the implementation's request is the site and the callers' calls are
none. An abstract method whose implementation forwards its caller's prompt stays the calling API, with a non-model
sibling too."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

SCORERS = """
    from abc import ABC, abstractmethod

    from openai import OpenAI


    class Scorer(ABC):
        @abstractmethod
        def score(self, query, doc):
            ...


    class ModelScorer(Scorer):
        def __init__(self):
            self.sdk = OpenAI()

        def score(self, query, doc):
            out = self.sdk.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": f"Rate from 0 to 9 how well the text answers: {query}\\n{doc}"}],
                max_tokens=1,
            )
            return int(out.choices[0].message.content)


    class WordScorer(Scorer):
        def score(self, query, doc):
            return len(set(query.split()) & set(doc.split()))
"""

BACKENDS = """
    from abc import ABC, abstractmethod

    from openai import OpenAI


    class Backend(ABC):
        @abstractmethod
        def complete(self, prompt):
            ...


    class RemoteBackend(Backend):
        def __init__(self):
            self.sdk = OpenAI()

        def complete(self, prompt):
            out = self.sdk.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
            return out.choices[0].message.content


    class EchoBackend(Backend):
        def complete(self, prompt):
            return prompt
"""

USES = """
    from shop.backends import Backend
    from shop.scorers import Scorer


    def best(scorer: Scorer, query, docs):
        return max(docs, key=lambda d: scorer.score(query, d))


    def title(backend: Backend, product):
        return backend.complete("Write a short catchy title for this product: " + product)
"""


def test_task_interface_is_no_wrapper_but_a_forwarding_one_is(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"shop/__init__.py": "", "shop/scorers.py": SCORERS, "shop/backends.py": BACKENDS, "shop/uses.py": USES},
    )
    graph = analysed_graph(tmp_path)
    kinds = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert kinds.get(("shop/scorers.py", 18)) == SiteKind.REQUEST
    assert ("shop/scorers.py", 9) not in kinds  # the scoring interface
    assert ("shop/scorers.py", 17) not in kinds  # the model scorer: a task, its request is the site
    assert ("shop/uses.py", 7) not in kinds  # the caller's scoring call
    assert kinds.get(("shop/backends.py", 9)) == SiteKind.WRAPPER  # forwards the caller's prompt
    assert kinds.get(("shop/uses.py", 11)) == SiteKind.WRAPPER_CALL
