"""Whether an optional parameter is given is learnt from the value rankers' best scores of calls those rankers were not
fitted on: a string ranker scores the teacher's span of its own training calls far higher than any new call's, and a
presence model taught on such scores leaves out the strings new calls give. No model: the pretrained encoder's
cosines are a stub's."""

from __future__ import annotations

import random

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

from slmc.training import tool_head
from slmc.training.tool_head import ToolExample, fit_value_rankers
from slmc.training.tool_schema import label_argument, read_tools

TOWNS = ["Lyon", "Porto", "Graz", "Bergen", "Turku", "Ghent", "Split", "Brno", "Cork", "Pisa", "Basel", "Malmo"]
TAGS = ["blue", "quick", "late", "north", "spare", "green", "small", "first"]


_REAL = tool_head.presence_features


class _Cosines:
    """The chooser's two readings of a span, from its words only (deterministic, no encoder)."""

    def vectors(self, texts: list[str]) -> np.ndarray:
        return np.asarray([[1.0, (sum(map(ord, t)) % 7) / 7.0] for t in texts])

    def span_vectors(self, request: str, spans: list[tuple[int, int]]) -> np.ndarray:
        return self.vectors([request[a:b] for a, b in spans])


def _examples(seed: int, first_value: str | None = None) -> list[ToolExample]:
    """Calls of a trip tool: a required town, an optional tag given in half of them (``first_value``: the teacher's
    tag of the first call, another word of its request)."""
    rng = random.Random(seed)
    (tool,) = read_tools(
        [
            {
                "name": "book_trip",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "town": {"type": "string", "description": "where to"},
                        "tag": {"type": "string", "description": "a label for the booking"},
                    },
                    "required": ["town"],
                },
            }
        ]
    )
    out = []
    for n in range(24):
        town, tag = rng.choice(TOWNS), rng.choice(TAGS)
        given = n % 2 == 0
        request = f"book a trip to {town}" + (f" and tag it {tag}" if given else " soon")
        args = {"town": town, **({"tag": tag} if given else {})}
        if n == 0 and first_value is not None:
            args["tag"] = first_value
        labels = {p.name: label_argument(request, p, p.name in args, args.get(p.name)) for p in tool.params}
        out.append(ToolExample(request, [tool], 0, labels))
    return out


def _presence_scores(monkeypatch, examples: list[ToolExample]) -> list[float]:
    """The best scores the presence model is taught on, in the calls' order."""
    seen: list[float] = []

    def spy(request, tool, param, best):
        seen.append(best)
        return _REAL(request, tool, param, best)

    monkeypatch.setattr(tool_head, "presence_features", spy)
    fit_value_rankers(examples, chooser=_Cosines())
    return seen


def test_a_call_s_own_answer_does_not_reach_the_score_its_presence_is_learnt_from(monkeypatch) -> None:
    as_given = _presence_scores(monkeypatch, _examples(0))
    request = _examples(0)[0].request
    other = "trip" if "trip" in request else request.split()[1]
    changed = _presence_scores(monkeypatch, _examples(0, first_value=other))
    assert len(as_given) == len(changed) == 24
    # the first call's teacher value changed: its own score is the same (a ranker fitted without it reads it) ...
    assert as_given[0] == pytest.approx(changed[0], abs=1e-9)
    # ... while the calls of the other folds, whose rankers did see it, read another score
    assert any(abs(a - b) > 1e-6 for a, b in zip(as_given[1:], changed[1:], strict=True))
