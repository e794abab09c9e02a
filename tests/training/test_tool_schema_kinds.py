"""Argument kinds the tool-call head reads from the request: lists written as one span, numbers with scale words and
number words (no torch: tool_schema is what the runtime and the labels share)."""

from __future__ import annotations

from slmc.training.tool_schema import find_span, label_argument, read_tools, split_list, value_from_span


def _params(props: dict) -> dict:
    (tool,) = read_tools([{"name": "f", "parameters": {"type": "object", "properties": props}}])
    return {p.name: p for p in tool.params}


def test_arrays_of_scalars_are_lists_read_from_one_span() -> None:
    params = _params(
        {
            "nums": {"type": "array", "items": {"type": "integer"}},
            "names": {"type": "array", "items": {"type": "string"}},
            "points": {"type": "array", "items": {"type": "number"}},
            "nested": {"type": "array", "items": {"type": "array"}},
            "objects": {"type": "array", "items": {"type": "object", "properties": {}}},
            "bare": {"type": "array"},
        }
    )
    assert (params["nums"].kind, params["nums"].item) == ("list", "integer")
    assert (params["names"].kind, params["names"].item) == ("list", "span")
    assert (params["points"].kind, params["points"].item) == ("list", "number")
    assert {params[k].kind for k in ("nested", "objects", "bare")} == {"other"}

    request = "Sort the list [5, 3, 4, 1, 2] then stop at Santa Barbara and Monterey; scores: 85, 90, 88.5"
    label = label_argument(request, params["nums"], True, [5, 3, 4, 1, 2])
    assert label.status == "value" and request[slice(*label.span)] == "[5, 3, 4, 1, 2]"
    assert value_from_span("[5, 3, 4, 1, 2]", "list", "integer") == [5, 3, 4, 1, 2]
    label = label_argument(request, params["names"], True, ["Santa Barbara", "Monterey"])
    assert label.status == "value" and request[slice(*label.span)] == "Santa Barbara and Monterey"
    assert value_from_span("Santa Barbara and Monterey", "list", "span") == ["Santa Barbara", "Monterey"]
    assert find_span(request, [85, 90, 88.5], "list", "number") is not None
    assert value_from_span("85, 90, 88.5", "list", "number") == [85, 90, 88.5]
    assert split_list("['Sam', 'Alice', 'Jack']", "span") == ["Sam", "Alice", "Jack"]
    # a list the request does not spell out, items of the wrong kind, text between numbers: no value
    assert label_argument(request, params["nums"], True, [7, 8]).status == "other"
    assert split_list("5 apples, 3 pears", "integer") is None
    assert split_list("1.5, 2", "integer") is None
    assert split_list("", "span") is None


def test_numbers_with_scale_words_and_number_words() -> None:
    params = _params({"population": {"type": "integer"}, "rolls": {"type": "integer"}, "rate": {"type": "number"}})
    request = "Population 213 million over two dice with a revenue of $1.2M"
    label = label_argument(request, params["population"], True, 213000000)
    assert label.status == "value" and request[slice(*label.span)] == "213 million"
    assert value_from_span("213 million", "integer") == 213000000
    label = label_argument(request, params["rolls"], True, 2)
    assert label.status == "value" and request[slice(*label.span)] == "two"
    assert value_from_span("two", "integer") == 2
    assert value_from_span("1.2M", "number") == 1200000
    assert label_argument(request, params["rate"], True, 1200000.0).status == "value"
    # a plain number still reads as written; a word inside another word is no number
    assert value_from_span("213", "integer") == 213
    assert value_from_span("someone", "integer") is None


def test_a_percent_is_its_fraction_when_the_span_takes_the_sign() -> None:
    """BFCL simple: 16 rates written "5%" are 0.05 in the call; they were no span (the whole call fell back)."""
    request = "an annual interest rate of 5% for 3 years, a discount of 7 percent and growth of 12.5 %"
    (rate,) = read_tools([{"name": "f", "parameters": {"properties": {"rate": {"type": "float"}}}}])[0].params
    assert label_argument(request, rate, True, 0.05).status == "value"
    a, b = find_span(request, 0.05, "number")
    assert request[a:b] == "5%" and value_from_span(request[a:b], "number") == 0.05
    a, b = find_span(request, 5, "number")  # a teacher that writes 5 for 5%: the span leaves the sign out
    assert request[a:b] == "5" and value_from_span(request[a:b], "number") == 5
    assert value_from_span(request[slice(*find_span(request, 0.07, "number"))], "number") == 0.07
    assert value_from_span("12.5 %", "number") == 0.125
    assert value_from_span("5%", "integer") is None  # a fraction is no integer


def test_arrays_of_an_enum_s_values_are_options_chosen_several_at_a_time() -> None:
    params = _params(
        {
            "extras": {"type": "array", "items": {"type": "string", "enum": ["Patio", "Wi-Fi", "Parking"]}},
            "dupes": {"type": "array", "items": {"type": "string", "enum": ["a", "a"]}},
            "objects": {"type": "array", "items": {"type": "object", "enum": ["a"], "properties": {}}},
        }
    )
    extras = params["extras"]
    assert (extras.kind, extras.enum) == ("options", ("Patio", "Wi-Fi", "Parking"))
    assert params["dupes"].kind == params["objects"].kind == "other"
    request = "a cafe with free wi-fi and a patio"
    assert label_argument(request, extras, True, ["Wi-Fi", "Patio"]).picks == (1, 0)
    assert label_argument(request, extras, True, ["Wi-Fi", "Pool"]).status == "other"  # not an option
    assert label_argument(request, extras, True, ["Patio", "Patio"]).status == "other"
    assert label_argument(request, extras, True, []).status == "other"
    assert label_argument(request, extras, True, "Patio").status == "other"
    assert label_argument(request, extras, False, None).status == "absent"
    text, places = extras.options_text("f")
    assert [text[a:b] for a, b in places] == ["Patio", "Wi-Fi", "Parking"]


def test_a_list_of_numbers_written_apart_is_labelled_item_by_item() -> None:
    params = _params({"bounds": {"type": "array", "items": {"type": "integer"}}})
    request = "integrate from x=2 to x=7, then stop"
    label = label_argument(request, params["bounds"], True, [2, 7])
    assert label.status == "value" and label.span is None
    assert [request[a:b] for a, b in label.items] == ["2", "7"]
    assert label_argument(request, params["bounds"], True, [7, 2]).status == "other"  # not in the request's order
    assert label_argument(request, params["bounds"], True, [2, 9]).status == "other"
    together = "the list [4, 5, 6]"
    label = label_argument(together, params["bounds"], True, [4, 5, 6])
    assert together[slice(*label.span)] == "[4, 5, 6]" and label.items == ()  # one span: read as before


def test_a_capital_k_glued_to_a_number_is_kelvin_unless_money() -> None:
    """BFCL simple: "298K" and "400K" (temperatures) were read as 298000 and 400000; "$5K" is still five thousand and
    a lower-case "5k" too."""
    from slmc.training.tool_values import number_candidates

    request = "heat 2 mol from 298K to 400K on a $5K budget, a 10k run"
    assert [v for _, _, v in number_candidates(request, "integer")] == [2.0, 298.0, 400.0, 5000.0, 10000.0]
    assert value_from_span("298K", "integer") == 298
    assert value_from_span("$1.2M", "number") == 1200000


def test_a_percent_is_its_points_where_the_parameter_takes_a_percentage() -> None:
    """A parameter described "as a percentage" takes 5 for "5%"; one "in decimal form" (or undescribed) 0.05."""
    from slmc.training.tool_schema import percent_points
    from slmc.training.tool_values import number_candidates

    props = {
        "points": {"type": "float", "description": "The yearly yield as a percentage."},
        "fraction": {"type": "float", "description": "The rate in decimal form. Example, 5% is 0.05."},
        "plain": {"type": "float", "description": "The discount rate."},
    }
    params = _params(props)
    assert [percent_points(params[k]) for k in props] == [True, False, False]
    request = "a yield of 5% over 3 years"
    assert [v for _, _, v in number_candidates(request, "number", points=True)] == [5.0, 3.0]
    assert [v for _, _, v in number_candidates(request, "number")] == [0.05, 3.0]


def test_list_items_keep_no_sentence_punctuation() -> None:
    """A list span at the end of a question took its "?" into the last item ("Microsoft?")."""
    assert split_list("Apple and Microsoft?", "span") == ["Apple", "Microsoft"]
    assert split_list("'Age', 'Income' and 'Education'!", "span") == ["Age", "Income", "Education"]
    assert split_list("C++, C#", "span") == ["C++", "C#"]


def test_a_string_value_is_a_span_only_at_word_boundaries() -> None:
    # a teacher's value found inside a longer word is no span of the request: the teacher rewrote it ("c" for
    # celsius, "EUR" for Euros, a singular for a plural); the label falls back to "other" instead of teaching the
    # head a place inside a word
    unit = _params({"unit": {"type": "string"}})["unit"]
    assert find_span("Convert 100 Euros to dollars", "EUR", "span") is None
    assert find_span("What is 30 degrees celsius in kelvin?", "c", "span") is None
    assert find_span("Price of apples today", "apple", "span") is None
    assert label_argument("Convert 100 Euros to dollars", unit, True, "EUR").status == "other"
    # the first occurrence at word boundaries is taken, not an earlier one inside a word
    request = "Parisian cafes near Paris"
    assert find_span(request, "Paris", "span") == (20, 25)
    assert find_span("Cafes near PARIS, France", "Paris", "span") == (11, 16)  # any case when no exact one
    # punctuation and edges of the request bound a word; a value edged by punctuation is bounded by its neighbours
    assert find_span("Paris.", "Paris", "span") == (0, 5)
    assert find_span("call 'Bob' now", "'Bob'", "span") == (5, 10)
    # scripts written without spaces between words keep their pieces as spans
    assert find_span("我想去北京旅游", "北京", "span") == (3, 5)
