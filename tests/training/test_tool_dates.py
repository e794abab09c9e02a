"""Dates a request writes its own way, rewritten in the format a string parameter's description names (no torch)."""

from __future__ import annotations

from slmc.training.tool_dates import date_at, date_format, find_dates, render
from slmc.training.tool_schema import argument_value, label_argument, read_tools


def _param(description: str):
    props = {"when": {"type": "string", "description": description}}
    (tool,) = read_tools([{"name": "f", "parameters": {"type": "object", "properties": props}}])
    return tool.param("when")


def test_the_description_names_the_format_or_none() -> None:
    assert date_format("Day of the trip, in the format of 'YYYY-MM-DD'.") == "YYYY-MM-DD"
    assert date_format("Format: dd/mm/yyyy") == "dd/mm/yyyy"
    assert date_format("e.g. 2021-11-02") == "YYYY-MM-DD"  # an ISO example stands for the format
    assert date_format("When, as YYYY-MM-DDTHH:MM:SS") == ""  # a time of day: not a date format
    assert date_format("e.g. 2021-11-02T10:00") == ""
    assert date_format("The day of the trip (month-day-year)") == ""
    assert date_format("YYYY-YYYY-DD") == ""
    assert render("MM-DD-YYYY", (2021, 7, 4)) == "07-04-2021"
    assert render("dd/mm/yyyy", (2021, 7, 4)) == "04/07/2021"


def test_dates_are_read_with_the_year_of_a_neighbour_and_ambiguous_ones_skipped() -> None:
    text = "from Oct 2nd to Oct 9th, 2019 and back on 2019 Nov 1st"
    assert [(text[a:b], d) for a, b, d in find_dates(text)] == [
        ("Oct 2nd", (2019, 10, 2)),
        ("Oct 9th, 2019", (2019, 10, 9)),
        ("2019 Nov 1st", (2019, 11, 1)),
    ]
    text = "the 3rd of may 2020, 2020/02/29, 31/01/2020, 01-31-2020, 05/06/2020 and 2019-02-30"
    got = [(text[a:b], d) for a, b, d in find_dates(text)]
    assert got == [
        ("2020/02/29", (2020, 2, 29)),
        ("31/01/2020", (2020, 1, 31)),
        ("01-31-2020", (2020, 1, 31)),
    ]  # "may" in lower case is the verb; 05/06 is either order; Feb 30th does not exist
    assert find_dates("see you on June 3rd") == []  # no year anywhere: not a date it can write
    text = "on Dec 24th 2020"
    assert date_at(text, text.index("24th"), text.index("24th") + 4) == (2020, 12, 24)
    assert date_at(text, 0, 2) is None


def test_a_date_parameter_is_labelled_on_the_date_and_filled_rewritten() -> None:
    request = "Book a table for March 5th, 2024 please"
    when = _param("The day, in the format of 'YYYY-MM-DD'.")
    label = label_argument(request, when, True, "2024-03-05")
    assert label.status == "value" and request[slice(*label.span)] == "March 5th, 2024"
    assert argument_value(request, *label.span, when) == "2024-03-05"
    assert label_argument(request, when, True, "2024-03-06").status == "other"  # another day: not in the request
    plain = _param("The day.")  # no format named: the value must be written as it is
    assert label_argument(request, plain, True, "2024-03-05").status == "other"
    assert argument_value(request, *label.span, plain) == "March 5th, 2024"
    verbatim = "Book a table for 2024-03-05 please"
    label = label_argument(verbatim, when, True, "2024-03-05")
    assert argument_value(verbatim, *label.span, when) == "2024-03-05"
