"""``Evaluator.class_handed_in`` (a class handed to a builder helper, ``self._build_client(OpenAI)`` returning
``cls(**kw)``) asked about the receiver of a classmethod (``cls`` in ``from_dict(cls, data)``, whose value the
evaluator did not know there): no class handed by a caller, not a crash. Found by the whole-corpus bench
(MervinPraison/PraisonAI: two internal errors, ``ValueError: 'cls' is not in list``, that dropped a phase)."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysis_of, write_tree

ITEMS = """
    import openai  # (a file the analysis reads: one naming a model SDK)


    class Item:
        def __init__(self, text):
            self.text = text

        @classmethod
        def from_dict(cls, data):
            return cls(data["text"])


    def load(data):
        return Item.from_dict(data)
"""


def test_the_receiver_of_a_classmethod_is_no_class_handed_in(tmp_path: Path) -> None:
    """Failed before: ``names.index('cls')`` on the parameters left after the receiver raised ValueError."""
    write_tree(tmp_path, {"items.py": ITEMS})
    analysis = analysis_of(tmp_path)
    scope = analysis.ev.scopes["items:Item.from_dict"]
    assert analysis.ev.class_handed_in("cls", scope) is None
    assert analysis.ev.class_handed_in("data", scope) is None
