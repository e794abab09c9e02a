"""The edges of a string value learnt from the teacher's values (slmc.training.tool_values.fit_edges / trim_edges):
what its values leave out at their edges is cut off a predicted span; nothing is hard-coded (no torch)."""

from __future__ import annotations

from slmc.training.tool_values import EDGE_MIN, edges_ok, fit_edges, trim_edges

NAMES = ["Smith", "Jones", "Brown", "Lee", "Khan", "Ortiz", "Novak"]


def _values(template: str, n: int) -> list[tuple[str, tuple[int, int]]]:
    out = []
    for k in range(n):
        name = NAMES[k % len(NAMES)]
        request = template.format(name)
        a = request.index(name)
        out.append((request, (a, a + len(name))))
    return out


def test_words_that_stand_outside_the_teacher_s_values_are_cut_off_a_predicted_span() -> None:
    # the teacher gives a doctor's name without the title, and never a value ending with sentence punctuation
    spec = fit_edges(_values("Book an appointment with Dr. {} for tomorrow.", EDGE_MIN))
    assert spec is not None and edges_ok(spec)
    assert "dr" in spec["first"] and "for" in spec["last"]
    request = "Please see Dr. Who tonight"
    a = request.index("Dr.")
    assert request[slice(*trim_edges(spec, request, a, len(request) - len(" tonight")))] == "Who"
    # one word is never cut to nothing; a span without such edges is left as it is
    assert request[slice(*trim_edges(spec, request, a, a + 2))] == "Dr"
    assert trim_edges(spec, request, 15, 26) == (15, 26)  # "Who tonight"
    assert trim_edges(None, request, a, a + 7) == (a, a + 7)  # no model: unchanged


def test_a_word_the_teacher_s_values_begin_with_is_kept() -> None:
    # "The" stands before a value ("The Smith") as often as it begins one ("The Hague"): it is not cut
    values = _values("Visit The {} now", EDGE_MIN)
    values += [("Fly to The Hague now", (7, 16))] * 3
    spec = fit_edges(values)
    assert "the" not in spec["first"]
    request = "Fly to The Hague now"
    assert trim_edges(spec, request, 7, 16) == (7, 16)


def test_punctuation_is_cut_only_where_it_stood_outside_the_teacher_s_values_and_never_ended_one() -> None:
    plain = _values("Call {}. Now", EDGE_MIN)  # a sentence's period after every value
    spec = fit_edges(plain)
    assert spec["ends"] == "."
    request = 'Say "hello world." to C# fans'
    a = request.index("hello")
    assert request[slice(*trim_edges(spec, request, a, a + len("hello world.")))] == "hello world"
    c = request.index("C#")
    assert trim_edges(spec, request, c, c + 2) == (c, c + 2)  # a mark never seen outside a value is kept
    dotted = [*plain, ("Write 'Stop.' there", (7, 12))]  # a value that ends with one: the period is kept
    spec = fit_edges(dotted)
    assert "." not in spec["ends"]
    assert request[slice(*trim_edges(spec, request, a, a + len("hello world.")))] == "hello world."


def test_too_few_values_teach_no_edges() -> None:
    assert fit_edges(_values("Call Dr. {} now", EDGE_MIN - 1)) is None
    assert not edges_ok({"first": "dr", "last": [], "starts": "", "ends": ""})


def test_the_value_rankers_learn_the_edges_of_the_teacher_s_strings() -> None:
    import json

    from slmc.training.tool_head import example_from_row, fit_value_rankers

    tool = {
        "name": "book",
        "description": "book a doctor",
        "parameters": {"type": "object", "properties": {"doctor": {"type": "string"}}, "required": ["doctor"]},
    }
    rows = []
    for k in range(EDGE_MIN):
        name = NAMES[k % len(NAMES)]
        call = {"type": "function", "function": {"name": "book", "arguments": json.dumps({"doctor": name})}}
        rows.append(
            {
                "messages": [
                    {"role": "user", "content": f"Book Dr. {name} for tomorrow"},
                    {"role": "assistant", "content": None, "tool_calls": [call]},
                ],
                "tools": [tool],
            }
        )
    rankers = fit_value_rankers([example_from_row(r) for r in rows])
    assert rankers["edges"] is not None and "dr" in rankers["edges"]["first"]
    assert fit_value_rankers([example_from_row(r) for r in rows[:3]])["edges"] is None
