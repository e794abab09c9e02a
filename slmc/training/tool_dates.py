"""Dates written in a request, rewritten in the format a string parameter's description asks for.

A string parameter whose description names a date format (``in the format of 'YYYY-MM-DD'``, ``Format:
dd/mm/yyyy``, ``MM-DD-YYYY``, or an ISO example such as ``'2023-04-15'``) takes the request's dates rewritten: the
teacher writes "2023-04-25" for "April 25th 2023". Only what the schema says is used: a description with no format
keeps the value a verbatim span. Formats with a time of day (``YYYY-MM-DDTHH:MM``) are not handled (the value then
stays what the request spells, which a teacher seldom writes: the call falls back).

Dates read: ``April 25th 2023``, ``Apr. 25, 2023``, ``March.11, 2022``, ``25th of April 2023``, ``1st June 2022``,
``2023 April 4th``, ``2023-04-25`` / ``2023/04/25``, and ``25/04/2023`` / ``04-25-2023`` when the day is the part
above 12 (``12/03/2024`` could be either: not read). A date written without its year (``from April 3rd to April 5th
2023``) takes the year of the nearest date of the request that has one; with none, it is not read.

No torch, no third-party import: the runtime reads requests' tools with it.
"""

from __future__ import annotations

import datetime as _dt
import re

_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[5-9]|2\d)\d\d)"
_DATE_PATTERNS = [
    # numeric, year first: 2023-04-25, 2023/4/25
    re.compile(r"(?<![\w./-])(?P<year>\d{4})(?P<sep>[-/.])(?P<m1>\d{1,2})(?P=sep)(?P<d1>\d{1,2})(?![\w/-]|\.\d)"),
    # numeric, year last: 25/04/2023, 04-25-2023 (read only when one part is above 12)
    re.compile(r"(?<![\w./-])(?P<p1>\d{1,2})(?P<sep>[-/.])(?P<p2>\d{1,2})(?P=sep)(?P<year>\d{4})(?![\w/-]|\.\d)"),
    # April 25th 2023, Apr. 25, 2023, March.11, 2022, April 25 (year optional)
    re.compile(rf"(?i)(?<![A-Za-z]){_MONTH}\s*{_DAY}(?!\d)(?:(?:\s*,\s*|\s+){_YEAR})?(?![\w])"),
    # 25th of April 2023, 1st June 2022, the 4th march 2023
    re.compile(rf"(?i)(?<![\w]){_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?(?![\w])"),
    # 2023 April 4th
    re.compile(rf"(?i)(?<![\w]){_YEAR}\s+{_MONTH}\s+{_DAY}(?![\w])"),
]
# a format in a description: YYYY-MM-DD, dd/mm/yyyy, MM-DD-YYYY ... (a time of day after it: not a date format)
_FORMAT = re.compile(r"(?i)(?<![A-Za-z])(yyyy|mm|dd)([-/.])(yyyy|mm|dd)\2(yyyy|mm|dd)(?![A-Za-z])")
_EXAMPLE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w:-])")
_TIME_AFTER = re.compile(r"(?i)\s*(?:t|\s)\s*(?:hh|\d{2}:)")


def date_format(description: str) -> str:
    """The date format the description asks for (``YYYY-MM-DD`` style, as written), or "" when it names none."""
    if not isinstance(description, str):
        return ""
    for m in _FORMAT.finditer(description):
        parts = {m.group(i).lower() for i in (1, 3, 4)}
        if parts == {"yyyy", "mm", "dd"} and not _TIME_AFTER.match(description, m.end()):
            return m.group(0)
    for m in _EXAMPLE.finditer(description):
        if not _TIME_AFTER.match(description, m.end()) and _valid(*map(int, m.group(0).split("-"))):
            return "YYYY-MM-DD"
    return ""


def render(fmt: str, date: tuple[int, int, int]) -> str:
    """``date`` (year, month, day) written in ``fmt`` (``YYYY``, ``MM``, ``DD`` in any case; zero-padded)."""
    year, month, day = date
    parts = {"yyyy": f"{year:04d}", "mm": f"{month:02d}", "dd": f"{day:02d}"}
    return re.sub(r"(?i)yyyy|mm|dd", lambda m: parts[m.group(0).lower()], fmt)


def _valid(year: int, month: int, day: int) -> bool:
    try:
        _dt.date(year, month, day)
    except ValueError:
        return False
    return True


def find_dates(text: str) -> list[tuple[int, int, tuple[int, int, int]]]:
    """The dates written in ``text`` as (start, end, (year, month, day)), in order, non-overlapping (the longest
    first); a date without a year takes the nearest year of another date, and is dropped when there is none."""
    found: list[tuple[int, int, int | None, int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            year = int(groups["year"]) if groups.get("year") else None
            if groups.get("m1") is not None:
                month, day = int(groups["m1"]), int(groups["d1"])
            elif groups.get("p1") is not None:
                p1, p2 = int(groups["p1"]), int(groups["p2"])
                if p1 > 12 >= p2:
                    day, month = p1, p2
                elif p2 > 12 >= p1:
                    month, day = p1, p2
                else:
                    continue  # 12/03/2024: day first or month first, the text does not say
            else:
                if groups["mon"] == "may":
                    continue  # "you may 2 ...": the lower-case verb, not the month
                month, day = _MONTHS[groups["mon"].lower()], int(groups["day"])
            if not 1 <= month <= 12 or not 1 <= day <= 31:
                continue
            found.append((m.start(), m.end(), year, month, day))
    kept: list[tuple[int, int, int | None, int, int]] = []
    for date in sorted(found, key=lambda t: (t[0] - t[1], t[0])):  # the longest reading of a place wins
        if not any(x < date[1] and date[0] < y for x, y, *_ in kept):
            kept.append(date)
    found = sorted(kept)
    with_year = [(a, y) for a, _, y, _, _ in found if y is not None]
    out = []
    for a, b, year, month, day in found:
        if year is None:
            if not with_year:
                continue
            year = min(with_year, key=lambda t: abs(t[0] - a))[1]
        if _valid(year, month, day):
            out.append((a, b, (year, month, day)))
    return out


def date_at(text: str, start: int, end: int) -> tuple[int, int, int] | None:
    """The date written at ``text[start:end]`` (its year possibly from elsewhere in ``text``): the one date the span
    overlaps (a pointer that took ``5th`` of ``April 5th 2023`` reads that date), None when it overlaps none or several."""
    hits = [d for a, b, d in find_dates(text) if a < end and start < b]
    return hits[0] if len(hits) == 1 else None
