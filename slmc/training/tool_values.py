"""Argument values ranked by features that hold across tools (no torch: cheap to train and to run).

The fine-tuned encoder of the tool-call head points at spans of the request, but a site's tools are mostly unseen in
training (BFCL simple: one tool per call) and a CPU budget leaves it a few epochs: measured on BFCL simple, it read
65 % of integer arguments and 14 % of enum arguments right, where "the k-th number of the request for the k-th numeric
parameter" alone reads 80 % and "the option the request spells" 79 %. So numbers and enum options are chosen among
candidates by a logistic model over such features, fitted on the teacher's calls of the site:

- a number parameter: each number written in the request (``tool_schema._numbers``, scale words and number words
  read) that parses as the parameter's kind; features: its order among the numbers against the parameter's order
  among the numeric parameters, the parameter's name or description words right before / after it (``a=1``,
  ``radius of 4``, ``5 years``), whether it is written as the kind (``.`` for a float);
- an enum parameter: each option; features: the option written in the request (whole, or the share of its words),
  the option named as the default in the description, the first option.

- an ``options`` parameter (an array of an enum's values): each option taken or not (OPTIONS_FEATURES: written
  whole, its words or their first four letters written), the taken ones in the order the request names them;
- a list of numbers: each number of the request an item or not (ITEM_FEATURES: the name's words near it, brackets,
  a run of numbers), for lists written apart ("from x=1 to x=3") as well as together ("[1, 3]").

The model is a handful of weights saved in the head's JSON config; its probability (softmax of the scores over the
candidates) is the value's confidence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

from slmc.training.tool_schema import _PERCENT, Param, Tool, _numbers

NUMBER_FEATURES = (
    "order",  # the k-th number for the k-th numeric parameter
    "order_counts_match",  # ... and the request holds exactly as many numbers as the tool numeric parameters
    "order_required",  # the k-th number for the k-th required numeric parameter
    "order_distance",  # |relative place of the number - relative place of the parameter|
    "name_before",  # a word of the parameter's name among the 3 words before the number
    "name_assign",  # the name written right before it: "a=1", "radius of 4", "n: 5"
    "desc_before",  # share of the description's words among the 4 words before the number
    "after",  # a word of the name / description among the 2 words after it ("5 years", "10 meters")
    "kind_fit",  # written as the kind: no "." for an integer, a "." or scale for a float
    "only",  # the only number of the request
    "word",  # written as a word ("two numbers, say 36 and 48": seldom the value when digits are there too)
    "order_digits",  # the k-th number written in digits for the k-th numeric parameter (number words skipped)
    "in_list_run",  # one of a run of numbers ("[10, 15, 12]", "85, 90, 88") while the tool takes a list of numbers:
    # the run is the list's, not a scalar's (alpha took 12.4 of group1's "12.4, 15.6, 11.2")
)
ENUM_FEATURES = (
    "literal",  # the option written whole in the request
    "words",  # share of the option's words in the request
    "default",  # the description names it as the default
    "first",  # the first option
)
OPTIONS_FEATURES = (  # each option of an ``options`` parameter (an array of an enum's values), chosen or not
    "bias",
    "literal",  # the option written whole in the request
    "words",  # share of the option's words in the request
    "stems",  # share of the option's words whose first four letters start a request word ("carbs": Carbohydrates)
    "default",  # the description names it as the default
    "share",  # 1 / the number of options (a long list's option is seldom taken)
)
ITEM_FEATURES = (  # each number of the request for a list of numbers: one of its items or not
    "bias",
    "cue_before",  # a word of the parameter's name / description (its first four letters) among the 4 words before
    "cue_after",  # ... among the 2 words after
    "bracketed",  # inside brackets or parentheses
    "run",  # next to another number with only a comma, "and", "to" or "-" between them
    "kind_fit",  # written as the items' kind (no "." for integers)
    "word",  # written as a word
    "share",  # 1 / the numbers of the request
    "run_order",  # in the k-th run of numbers for the k-th list of numbers of the tool ("A [3, 4] and B [5, 6]")
    "run_distance",  # |relative place of its run - relative place of the parameter among the tool's lists|
)
_RUN = re.compile(r"^\s*(?:,|;|and|to|-|–|or|&)?\s*(?:and\s+)?(?:[a-z]\s*=\s*)?$", re.I)
_WORD = re.compile(r"[A-Za-z]+|\d+")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "for",
        "on",
        "and",
        "or",
        "is",
        "are",
        "be",
        "by",
        "with",
        "as",
        "at",
        "from",
        "that",
        "this",
        "it",
        "its",
        "if",
        "not",
        "default",
        "defaults",
        "value",
        "values",
        "given",
        "which",
        "what",
        "number",
        "parameter",
        "optional",
        "required",
        "specified",
    ]
)


def _words(text: str) -> list[str]:
    """Lower-case words of ``text``, camelCase and snake_case split, a plural's ``s`` dropped."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    out = []
    for w in _WORD.findall(spaced):
        w = w.lower()
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


def _content(words: list[str]) -> set[str]:
    return {w for w in words if w not in _STOP and len(w) > 2 and not w.isdigit()}


def number_candidates(request: str, kind: str, points: bool = False) -> list[tuple[int, int, float]]:
    """(start, end, value) of each number of the request that parses as ``kind`` (integer or number); ``points``: a
    percent is read as its points (``5%`` -> 5, for a parameter that takes a percentage: ``percent_points``), not as
    its fraction (0.05)."""
    out = []
    for a, b, v in _numbers(request, scaled=True):
        if points and _PERCENT.search(request[a:b]):
            v = round(v * 100, 10)
        if kind == "integer" and not float(v).is_integer():
            continue
        out.append((a, b, v))
    return out


def number_features(request: str, tool: Tool, param: Param, cands: list[tuple[int, int, float]]) -> list[list[float]]:
    """The NUMBER_FEATURES of each candidate of ``param`` (one of ``tool``'s integer / number parameters)."""
    numeric = [p for p in tool.params if p.kind in ("integer", "number")]
    required = [p for p in numeric if p.required]
    k = next((i for i, p in enumerate(numeric) if p.name == param.name), 0)
    kr = next((i for i, p in enumerate(required) if p.name == param.name), -1)
    name = set(_words(param.name))
    desc = _content(_words(param.description))
    name_re = r"[\s_]*".join(re.escape(w) for w in re.split(r"[\s_]+", param.name.strip()) if w)
    assign = (
        re.compile(rf"(?i)(?<![A-Za-z0-9]){name_re}\s*(?:=|:|is|of|as|to|equals?)?\s*[$€£]?\s*$") if name_re else None
    )
    out = []
    n_c, n_p = len(cands), max(1, len(numeric))
    digits = [any(ch.isdigit() for ch in request[a:b]) for a, b, _ in cands]
    has_list = any(p.kind == "list" and p.item in ("integer", "number") for p in tool.params)
    in_run = {j for run in number_runs(request, cands) if len(run) >= 2 for j in run} if has_list else set()
    for j, (a, b, _) in enumerate(cands):
        before = _words(request[max(0, a - 60) : a])
        after = _words(request[b : b + 30])[:2]
        text = request[a:b]
        written_float = "." in text or any(ch.isalpha() for ch in text)
        kind_fit = (not written_float) if param.kind == "integer" else written_float
        rel_c = j / (n_c - 1) if n_c > 1 else 0.0
        rel_p = k / (n_p - 1) if n_p > 1 else 0.0
        out.append(
            [
                float(j == k),
                float(j == k and n_c == len(numeric)),
                float(j == kr),
                abs(rel_c - rel_p),
                float(bool(name & set(before[-3:]))),
                float(bool(assign and assign.search(request[max(0, a - 60) : a]))),
                (len(desc & set(before[-4:])) / len(desc)) if desc else 0.0,
                float(bool((name | desc) & set(after))),
                float(kind_fit),
                float(n_c == 1),
                float(not digits[j]),
                float(digits[j] and sum(digits[:j]) == k),
                float(j in in_run),
            ]
        )
    return out


def _option_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def enum_features(request: str, param: Param) -> list[list[float]]:
    """The ENUM_FEATURES of each option of ``param``."""
    low = request.lower()
    req_words = set(_words(request))
    desc = param.description.lower()
    out = []
    for i, option in enumerate(param.enum):
        text = _option_text(option)
        words = _words(text)
        literal = bool(text.strip()) and re.search(rf"(?<![A-Za-z0-9]){re.escape(text.lower())}(?![A-Za-z0-9])", low)
        default = bool(text.strip()) and re.search(rf"default[^.;]{{0,40}}\b{re.escape(text.lower())}\b", desc)
        out.append(
            [
                float(bool(literal)),
                (sum(w in req_words for w in words) / len(words)) if words else 0.0,
                float(bool(default)),
                float(i == 0),
            ]
        )
    return out


def item_features(
    request: str, param: Param, cands: list[tuple[int, int, float]], tool: Tool | None = None
) -> list[list[float]]:
    """The ITEM_FEATURES of each number of the request (``cands``: ``number_candidates``) for a list parameter of
    ``tool`` (its place among the tool's lists of numbers: the first without a tool)."""
    cue = {w[:4] for w in _content(_words(param.name)) | _content(_words(param.description))}
    lists = [p.name for p in tool.params if p.kind == "list" and p.item in ("integer", "number")] if tool else []
    k = lists.index(param.name) if param.name in lists else 0
    rel_p = k / (len(lists) - 1) if len(lists) > 1 else 0.0
    run = [r for r, members in enumerate(number_runs(request, cands)) for _ in members]
    n_runs = run[-1] + 1 if cands else 1
    out = []
    for j, (a, b, _) in enumerate(cands):
        before = [w[:4] for w in _words(request[max(0, a - 50) : a])[-4:]]
        after = [w[:4] for w in _words(request[b : b + 30])[:2]]
        depth = sum(request[:a].count(o) - request[:a].count(c) for o, c in ("[]", "()", "{}"))
        gaps = []
        if j > 0:
            gaps.append(request[cands[j - 1][1] : a])
        if j + 1 < len(cands):
            gaps.append(request[b : cands[j + 1][0]])
        text = request[a:b]
        digits = any(ch.isdigit() for ch in text)
        written_float = "." in text or any(ch.isalpha() for ch in text)
        out.append(
            [
                1.0,
                float(bool(cue & set(before))),
                float(bool(cue & set(after))),
                float(depth > 0),
                float(any(_RUN.match(g) for g in gaps)),
                float(not written_float if param.item == "integer" else True),
                float(not digits),
                1.0 / len(cands),
                float(run[j] == k),
                abs(run[j] / (n_runs - 1) - rel_p) if n_runs > 1 else 0.0,
            ]
        )
    return out


def number_runs(request: str, cands: list[tuple[int, int, float]]) -> list[list[int]]:
    """The runs of the request's numbers (indices into ``cands``, in order): numbers joined by nothing but a comma,
    "and", "to", "-" ... ("[3, 4, 5]", "from x=1 to x=3") are one run."""
    runs: list[list[int]] = []
    for j in range(len(cands)):
        if runs and _RUN.match(request[cands[j - 1][1] : cands[j][0]]):
            runs[-1].append(j)
        else:
            runs.append([j])
    return runs


def pick_items(request: str, cands: list[tuple[int, int, float]], probs: list[float]) -> list[int]:
    """The items of a list of numbers (indices into ``cands``, in order) given each number's P(item): the run of
    numbers ("[3, 4, 5]", "1 to 3") whose numbers are likeliest on average, or, when every likely number (P >= 0.5)
    stands alone, those numbers (a list written apart: "five burgers and six wings" -> [5, 6])."""
    if not cands:
        return []
    runs = number_runs(request, cands)
    likely = [j for j, q in enumerate(probs) if q >= 0.5]
    alone = {r[0] for r in runs if len(r) == 1}
    if len(likely) > 1 and all(j in alone for j in likely):
        return likely
    return max(runs, key=lambda r: sum(probs[j] for j in r) / len(r))


def fit_items(rows: list[tuple[list[float], bool]], seed: int = 0) -> dict[str, Any] | None:
    """A logistic P(a number of the request is an item of the list) over ITEM_FEATURES, or None (one outcome)."""
    return _fit_binary(rows, ITEM_FEATURES, seed)


def options_features(request: str, param: Param) -> list[list[float]]:
    """The OPTIONS_FEATURES of each option of ``param`` (an ``options`` parameter)."""
    enum = enum_features(request, param)
    stems = {w[:4] for w in _words(request) if len(w) >= 4}
    out = []
    for option, (literal, words, default, _) in zip(param.enum, enum, strict=True):
        own = [w for w in _words(_option_text(option)) if w not in _STOP] or _words(_option_text(option))
        stem = (sum(w[:4] in stems for w in own if len(w) >= 4) / len(own)) if own else 0.0
        out.append([1.0, literal, words, max(stem, words), default, 1.0 / len(param.enum)])
    return out


def mention_order(request: str, param: Param, picks: list[int]) -> list[int]:
    """``picks`` (options of ``param``) in the order the request first writes a word of each (the word, or its first
    four letters for a word of four or more: "rebound" for Rebounds); options it does not write last, in order."""
    words = _words(request)

    def first(j: int) -> int:
        own = _words(_option_text(param.enum[j]))
        at = [i for i, w in enumerate(words) for o in own if w == o or (len(o) >= 4 and w[:4] == o[:4])]
        return min(at) if at else len(words)

    return sorted(picks, key=lambda j: (first(j), j))


def taken_probs(spec: dict[str, Any], feats: list[list[float]]) -> list[float]:
    """P(each candidate is taken) under a binary model (options, list items): each row's logistic on its own."""
    return [presence(spec, f) for f in feats]


def fit_options(rows: list[tuple[list[float], bool]], seed: int = 0) -> dict[str, Any] | None:
    """A logistic P(an option is taken) over OPTIONS_FEATURES (each option of the teacher's ``options`` arguments,
    whether the teacher took it), or None when the rows hold one outcome only."""
    return _fit_binary(rows, OPTIONS_FEATURES, seed)


def _fit_binary(rows: list[tuple[list[float], bool]], names: tuple[str, ...], seed: int) -> dict[str, Any] | None:
    if len({y for _, y in rows}) < 2:
        return None
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=2000, random_state=seed, fit_intercept=False)
    model.fit([x for x, _ in rows], [int(y) for _, y in rows])
    return {"features": list(names), "coef": [float(c) for c in model.coef_[0]]}


def fit_ranker(
    groups: list[tuple[list[list[float]], int]], names: tuple[str, ...], seed: int = 0
) -> dict[str, Any] | None:
    """A logistic model over candidate features (each group: the candidates' features, the teacher's index), or None
    when the groups teach nothing (no group with a choice between two candidates)."""
    xs, ys = [], []
    for feats, gold in groups:
        if len(feats) < 2 or not 0 <= gold < len(feats):
            continue
        for j, f in enumerate(feats):
            xs.append(f)
            ys.append(int(j == gold))
    if len(set(ys)) < 2:
        return None
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit(xs, ys)
    return {"features": list(names), "coef": [float(c) for c in model.coef_[0]]}


def fit_listwise(
    groups: list[tuple[list[list[float]], int]], names: tuple[str, ...], l2: float = 1.0
) -> dict[str, Any] | None:
    """A conditional logit over candidate features: the weights that make the teacher's candidate the softmax's
    choice among all of its group's candidates (L2-penalised), or None when no group holds a choice. ``rank`` reads
    it as ``fit_ranker``'s. Where candidates are many (a string among every span of the request) a binary logistic
    over the teacher's candidate and sampled others learns to tell a value from a random span, not from the
    runner-up: fitted on the whole list, BFCL string arguments were read right more often (out of fold, with the
    ``alone`` cosines: simple 232 -> 245 of 449 ranked first, live_simple 98 -> 112 of 225)."""
    import numpy as np
    from scipy.optimize import minimize

    kept = [(np.asarray(f, dtype=np.float64), g) for f, g in groups if len(f) >= 2 and 0 <= g < len(f)]
    if not kept:
        return None
    feats = np.concatenate([f for f, _ in kept])
    starts = np.cumsum([0] + [len(f) for f, _ in kept[:-1]])
    gold = feats[starts + np.asarray([g for _, g in kept])]
    owner = np.repeat(np.arange(len(kept)), [len(f) for f, _ in kept])

    def loss(w: Any) -> tuple[float, Any]:
        scores = feats @ w
        top = np.maximum.reduceat(scores, starts)
        exps = np.exp(scores - top[owner])
        total = np.add.reduceat(exps, starts)
        probs = exps / total[owner]
        value = -float(np.sum(gold @ w - top - np.log(total))) + l2 * float(w @ w) / 2
        grad = -(gold.sum(0) - probs @ feats) + l2 * w
        return value, grad

    weights = minimize(loss, np.zeros(feats.shape[1]), jac=True, method="L-BFGS-B").x
    if not np.all(np.isfinite(weights)):
        return None
    return {"features": list(names), "coef": [float(c) for c in weights]}


def ranker_ok(spec: Any, names: tuple[str, ...]) -> bool:
    """Whether a saved ranker (from a head's JSON) is usable with this slmc's features."""
    if spec is None:
        return True
    if not isinstance(spec, dict) or spec.get("features") != list(names):
        return False
    coef = spec.get("coef")
    return (
        isinstance(coef, list)
        and len(coef) == len(names)
        and all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in coef)
    )


def rank(spec: dict[str, Any] | None, feats: list[list[float]]) -> list[float]:
    """Probabilities of the candidates (softmax of the model's scores); uniform without a model."""
    if not feats:
        return []
    if spec is None:
        return [1.0 / len(feats)] * len(feats)
    import numpy as np

    scores = (np.asarray(feats, dtype=np.float64) @ np.asarray(spec["coef"], dtype=np.float64)).tolist()
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


# ---- string spans -------------------------------------------------------------------------------------------------
SPAN_FEATURES = (
    "cosine",  # the pretrained encoder's cosine of the parameter's text and the candidate
    "cosine_gap",  # ... minus the best candidate's
    "quoted",  # the candidate is exactly a quoted string of the request
    "capitalized",  # every word capitalized (or a number)
    "whole_capitalized",  # ... and neither neighbour word is
    "one_word",
    "two_words",
    "long",  # four words or more
    "name_before",  # a word of the parameter's name / description among the 3 words before
    "name_after",  # ... among the 2 words after
    "in_description",  # share of the candidate's words the description names (its examples, its options)
    "digits",  # holds a digit
    "inner_stopword",  # a stop word inside ("Treaty of Lisbon")
    "crosses",  # crosses a comma or an "and" / "or"
    "order_distance",  # |relative place of the candidate - relative place of the parameter among the strings|
    "after_preposition",  # right after in / at / from / to / for / of / by / on / with / near / named / called
    "first_word",  # starts the request (a capital there says nothing)
    "names_parameter",  # a word of the parameter's name: the request names what it gives, not its value
    "description_quotes",  # the description quotes it (its examples, its options)
    "alone",  # the pretrained encoder's cosine of the parameter's text and the candidate's text read alone
    "alone_gap",  # ... minus the best candidate's
    "names_tool",  # share of its words the tool's name holds: the request restating the action ("current time" of
    # get_current_time, "scoring" of get_highest_scoring_player) names what the tool does, not an argument
    "inside_quote",  # part of a quoted string, not all of it: a quoted name is given whole ("Zelda: Breath" of
    # 'Legend of Zelda: Breath of the Wild')
    "placeholder",  # holds a placeholder of scrubbed PII (<NAME_1>): a name or address the request gave
    "other_strings",  # the tool has another string parameter (the same for every candidate: it acts through the
    # pairs below, e.g. with "crosses": "Sydney, Australia" is one value for a location, two for a city and a country)
    "other_strings_2",  # ... two others or more
    "name_run",  # exactly a run of capitalised words, "of" between two of them allowed ("Metropolitan Museum of Art")
    "inside_name_run",  # part of such a run, not all of it ("Art", "Treaty")
    "name_right_before",  # the word right before it is a word of the parameter's name ("docket number 123456")
    "number_string",  # digits only (an id or a year given as a string)
    "list_param",  # the parameter takes a list of strings (the same for every candidate: it acts through the pairs,
    # a list's span runs over its items, "tomatoes and pet food", where a string's stops at a comma or an "and")
    "coordination_open",  # a comma or an "and" / "or" right outside it: the enumeration it is part of goes on ("pears
    # and dates" of "plums, pears and dates": a list's value takes every item)
)
SPAN_BASE = len(SPAN_FEATURES)
# the listwise ranker reads every pair of the base features too (their products): a linear score could not say that
# a span crossing a comma is a location's value but not a city's when a country is asked beside it, or that a quoted
# string is the value unless it is the tool's own name; out of fold on BFCL this read the teacher's span first more
# often (simple 259 -> 288 of 424 with the six features above, live_simple 117 -> 137 of 203)
SPAN_FEATURES = SPAN_FEATURES + tuple(
    f"{SPAN_FEATURES[i]}*{SPAN_FEATURES[j]}" for i in range(SPAN_BASE) for j in range(i, SPAN_BASE)
)
SPAN_L2 = 2.0  # the listwise fit's penalty over the pairs (1.0 and 2.0 measured alike; 10 lost what the pairs gave)
MAX_SPAN_WORDS = 8
MAX_SPAN_CANDIDATES = 400
_TOKEN = re.compile(r"\S+")
_EDGE = "\"'`“”‘’()[]{}<>,.;:!?"
_APOSTROPHES = "'’"
_ABBREVIATION = re.compile(r"^[A-Z][a-z]{0,2}\.$")  # Mr. / Dr. / St. / Inc.: no sentence end before a capital
_PREPOSITIONS = frozenset(
    ["in", "at", "from", "to", "for", "of", "by", "on", "with", "near", "named", "called", "about"]
)
_JOINERS = frozenset(("and", "or", "&"))
_CONNECTORS = frozenset(("of", "de", "la", "del", "da", "du", "von", "van", "&"))  # inside a name


def _tokens(request: str) -> list[tuple[int, int, str]]:
    """The request's words as (start, end, text) with their edge punctuation cut off (a word of punctuation only is
    dropped); ``text`` keeps the raw token so that commas and sentence ends can be seen. A placeholder of scrubbed
    PII (``<NAME_1>``, ``<EMAIL_2>``: what the scrub-pii pass writes into traces) keeps its angle brackets: the
    teacher's answer holds it whole."""
    from slmc.pii.masking import PLACEHOLDER

    out = []
    for m in _TOKEN.finditer(request):
        a, b = m.start(), m.end()
        while a < b and request[a] in _EDGE:
            a += 1
        while b > a and request[b - 1] in _EDGE:
            b -= 1
        if "<" in m.group(0):
            for ph in PLACEHOLDER.finditer(request, m.start(), m.end()):
                a, b = min(a, ph.start()), max(b, ph.end())
        if b - a > 2 and request[b - 2] in _APOSTROPHES and request[b - 1] in "sS":
            b -= 2  # a possessive ("Einstein's concert"): the name is the value, its 's is not
        if b > a:
            out.append((a, b, m.group(0)))
    return out


_QUOTE_CHARS = "\"'`“”‘’"
_QUOTED = re.compile(  # an apostrophe between letters (It's) does not close a single-quoted string
    r"(?<!\w)(?:'((?:[^'\n]|(?<=\w)'(?=\w)){1,200})'|\"([^\"\n]{1,200})\"|“([^”\n]{1,200})”|‘([^’\n]{1,200})’|`([^`\n]{1,200})`)(?!\w)"
)


def _quoted(request: str) -> list[tuple[int, int]]:
    """The character spans of the quoted strings of the request (inside the quotes)."""
    out = []
    for m in _QUOTED.finditer(request):
        g = next(i for i in range(1, 6) if m.group(i) is not None)
        if m.group(g).strip():
            out.append((m.start(g), m.end(g)))
    return out


def span_candidates(request: str) -> list[tuple[int, int]]:
    """Candidate string values of the request as character spans: runs of up to MAX_SPAN_WORDS words that do not
    start or end with a stop word (a capital "The" before a capital may start one) nor cross a sentence end (a short
    capitalised abbreviation before a capital, "Mr. X", ends none), a word's possessive ``'s`` left out; and every
    quoted string."""
    tokens = _tokens(request)
    out: dict[tuple[int, int], None] = {}
    for a, b in _quoted(request):
        out[(a, b)] = None
    for i, (a, _, _) in enumerate(tokens):
        first = request[a : tokens[i][1]].lower()
        # a name may start with a capital "The" ("The British Museum", "The Weeknd"): lower-case stop words do not
        named = tokens[i][2] == "The" and i + 1 < len(tokens) and request[tokens[i + 1][0]].isupper()
        if (first in _STOP or first in _JOINERS) and not named:
            continue
        for j in range(i, min(len(tokens), i + MAX_SPAN_WORDS)):
            if j > i and tokens[j][2][:1] in _QUOTE_CHARS:
                break  # a quoted string starts: it is a candidate of its own
            last = request[tokens[j][0] : tokens[j][1]].lower()
            if last not in _STOP and last not in _JOINERS:
                out[(a, tokens[j][1])] = None
            raw = tokens[j][2].rstrip(",.;:!?")
            abbreviation = (
                _ABBREVIATION.match(tokens[j][2]) is not None
                and j + 1 < len(tokens)
                and request[tokens[j + 1][0]].isupper()
            )
            if (tokens[j][2][-1:] in ".?!;" and not abbreviation) or raw[-1:] in _QUOTE_CHARS:
                break  # a sentence or a quoted string ends after this word
            if len(out) >= MAX_SPAN_CANDIDATES:
                return list(out)
    return list(out)


def string_valued(param: Param) -> bool:
    """Whether a parameter's value is read as one span of the request by the string ranker: a string, or a list of
    strings written as one phrase ("tomatoes and pet food", then split into its items by ``split_list``)."""
    return param.kind == "span" or (param.kind == "list" and param.item == "span")


def span_features(
    request: str,
    tool: Tool,
    param: Param,
    cands: list[tuple[int, int]],
    cosine: list[float],
    alone: list[float] | None = None,
) -> list[list[float]]:
    """The SPAN_FEATURES of each candidate of a string parameter; ``cosine``: the pretrained encoder's cosine of the
    parameter's text and each candidate read in the request, ``alone``: ... and each candidate's text encoded on its
    own (what the words mean, not what the sentence around them does; zeros without them)."""
    from slmc.pii.masking import PLACEHOLDER

    alone = alone if alone is not None and len(alone) == len(cands) else [0.0] * len(cands)
    best_alone = max(alone) if alone else 0.0
    tokens = _tokens(request)
    starts = {a: i for i, (a, _, _) in enumerate(tokens)}
    ends = {b: i for i, (_, b, _) in enumerate(tokens)}
    strings = [p for p in tool.params if string_valued(p)]
    k = next((i for i, p in enumerate(strings) if p.name == param.name), 0)
    rel_p = k / (len(strings) - 1) if len(strings) > 1 else 0.0
    cue = set(_words(param.name)) | _content(_words(param.description))
    desc_words = set(_words(param.description))
    name_words = set(_words(param.name)) - _STOP
    desc_quoted = {param.description[x:y].lower() for x, y in _quoted(param.description)}
    best = max(cosine) if cosine else 0.0
    quoted = set(_quoted(request))
    tool_stems = {_stem(w) for w in _words(tool.name)} - {_stem(w) for w in _STOP}
    others = len(strings) - 1 if param in strings else len(strings)
    runs = name_runs(request)
    out = []
    n = max(1, len(request))
    for c, (a, b) in enumerate(cands):
        i, j = starts.get(a), ends.get(b)
        inner = tokens[i : j + 1] if i is not None and j is not None else [t for t in tokens if a <= t[0] and t[1] <= b]
        words = [request[x:y] for x, y, _ in inner] or [request[a:b]]
        lows = [w.lower() for w in words]
        i0 = i if i is not None else next((t for t, (x, _, _) in enumerate(tokens) if x >= a), len(tokens))
        j0 = j if j is not None else i0 + len(inner) - 1
        before = [request[x:y].lower() for x, y, _ in tokens[max(0, i0 - 3) : i0]]
        after = [request[x:y].lower() for x, y, _ in tokens[j0 + 1 : j0 + 3]]
        caps = [w[:1].isupper() or w[:1].isdigit() for w in words]
        neighbours = [tokens[t] for t in (i0 - 1, j0 + 1) if 0 <= t < len(tokens)]
        whole = all(caps) and not any(request[x : x + 1].isupper() for x, _, _ in neighbours)
        cand_words = set(_words(request[a:b]))
        cos = cosine[c] if c < len(cosine) else 0.0
        out.append(
            [
                cos,
                cos - best,
                float((a, b) in quoted),
                float(all(caps)),
                float(whole),
                float(len(words) == 1),
                float(len(words) == 2),
                float(len(words) >= 4),
                float(bool(cue & {w for x in before for w in _words(x)})),
                float(bool(cue & {w for x in after for w in _words(x)})),
                (len(cand_words & desc_words) / len(cand_words)) if cand_words else 0.0,
                float(any(ch.isdigit() for ch in request[a:b])),
                float(any(w in _STOP for w in lows[1:-1])),
                float(any(t[2].endswith(",") for t in inner[:-1]) or any(w in _JOINERS for w in lows)),
                abs(a / n - rel_p) if len(strings) > 1 else 0.0,
                float(bool(before) and before[-1] in _PREPOSITIONS),
                float(a == (tokens[0][0] if tokens else 0)),
                float(bool(cand_words & name_words)),
                float(request[a:b].lower() in desc_quoted),
                alone[c],
                alone[c] - best_alone,
                (sum(_stem(w) in tool_stems for w in cand_words) / len(cand_words)) if cand_words else 0.0,
                float(any(x <= a and b <= y and (x, y) != (a, b) for x, y in quoted)),
                float(bool(PLACEHOLDER.search(request[a:b]))),
                float(others >= 1),
                float(others >= 2),
                float((a, b) in runs),
                float(any(x <= a and b <= y and (x, y) != (a, b) for x, y in runs)),
                float(i0 > 0 and bool(set(_words(tokens[i0 - 1][2])) & name_words)),
                float(request[a:b].replace(",", "").replace(".", "").isdigit()),
                float(param.kind == "list"),
                float(_coordination_open(request, tokens, i0, j0)),
            ]
        )
    return _pairs(out)


def _coordination_open(request: str, tokens: list[tuple[int, int, str]], i: int, j: int) -> bool:
    """Whether the words ``i`` .. ``j`` of the request are joined to a word outside them by a comma or a joiner ("and",
    "or", "&"): the word before ends with a comma or is a joiner, or the last one ends with a comma, or the word
    after is a joiner."""
    if not tokens or not 0 <= i <= j < len(tokens):
        return False
    if i > 0 and (tokens[i - 1][2].endswith(",") or request[tokens[i - 1][0] : tokens[i - 1][1]].lower() in _JOINERS):
        return True
    if j + 1 < len(tokens):
        return tokens[j][2].endswith(",") or request[tokens[j + 1][0] : tokens[j + 1][1]].lower() in _JOINERS
    return False


def _pairs(base: list[list[float]]) -> list[list[float]]:
    """Each candidate's base features followed by the product of every pair of them (each with itself too), in
    SPAN_FEATURES' order."""
    if not base:
        return []
    import numpy as np

    x = np.asarray(base, dtype=np.float64)
    i, j = np.triu_indices(x.shape[1])
    return np.concatenate([x, x[:, i] * x[:, j]], axis=1).tolist()


def name_runs(request: str) -> set[tuple[int, int]]:
    """The maximal runs of capitalised words of the request as character spans: words written one after the other
    with no sentence punctuation between them, a lower-case connector ("of", "de") allowed between two capitalised
    words ("Treaty of Lisbon", "Museum of Modern Art"); not "the", which joined a sentence's first word to the name
    after it ("Find the Eiffel Tower")."""
    tokens = _tokens(request)
    out: set[tuple[int, int]] = set()
    i = 0
    while i < len(tokens):
        if not request[tokens[i][0]].isupper():
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and tokens[j][2][-1:] not in ",.;:!?":
            word = request[tokens[j + 1][0] : tokens[j + 1][1]]
            if word[:1].isupper():
                j += 1
            elif (
                word.lower() in _CONNECTORS
                and tokens[j + 1][2][-1:] not in ",.;:!?"
                and j + 2 < len(tokens)
                and request[tokens[j + 2][0]].isupper()
            ):
                j += 2
            else:
                break
        out.add((tokens[i][0], tokens[j][1]))
        i = j + 1
    return out


def _stem(word: str) -> str:
    """A word's first five letters (its whole self when shorter): "discovered" and "discoverer" meet."""
    return word[:5]


# ---- a boolean's value --------------------------------------------------------------------------------------------
BOOLEAN_FEATURES = (
    "bias",
    "name_written",  # share of the parameter name's words whose stem the request writes ("including the
    # precipitation" for include_precipitation, "accounting for terrain" for consider_terrain)
    "desc_written",  # share of the description's content words whose stem the request writes
    "negated",  # a negation ("not", "don't", "without", "no", "exclude") among the 3 words before such a word
    "default_true",  # the description names true as the default
    "default_false",  # ... false
)
_NEGATION = frozenset(["not", "no", "without", "exclude", "excluding", "never", "don", "doesn", "dont", "nor", "skip"])
_DEFAULT_BOOL = re.compile(r"(?i)default(?:s)?(?: value)?(?: is| to|:| =)?\s*['\"`]?(true|false|yes|no)\b")


def boolean_features(request: str, param: Param) -> list[float]:
    """The BOOLEAN_FEATURES of a boolean parameter: P(true) is read from whether the request writes what the
    parameter names (the teacher turns on what the request asks for), and whether it negates it."""
    words = _words(request)
    stems = [_stem(w) for w in words]
    name = [_stem(w) for w in _words(param.name) if w not in _STOP] or [_stem(w) for w in _words(param.name)]
    desc = {_stem(w) for w in _content(_words(param.description))}
    hits = [i for i, st in enumerate(stems) if st in set(name)]
    negated = any(w in _NEGATION for i in hits for w in words[max(0, i - 3) : i])
    default = _DEFAULT_BOOL.search(param.description)
    said = default.group(1).lower() if default else ""
    return [
        1.0,
        (sum(st in stems for st in name) / len(name)) if name else 0.0,
        (len(desc & set(stems)) / len(desc)) if desc else 0.0,
        float(negated),
        float(said in ("true", "yes")),
        float(said in ("false", "no")),
    ]


def fit_boolean(rows: list[tuple[list[float], bool]], seed: int = 0) -> dict[str, Any] | None:
    """A logistic P(true) of boolean arguments the teacher gave (features, whether it gave true), or None."""
    return _fit_binary(rows, BOOLEAN_FEATURES, seed)


# ---- whether an optional parameter is given -------------------------------------------------------------------------
PRESENCE_FEATURES = (
    "bias",
    "default",  # the description names a default
    "optional",  # the description says optional
    "default_written",  # the default it names is written in the request
    "name_written",  # a word of the parameter's name is in the request
    "best",  # the value ranker's best score for it (0 for a boolean)
    "spare_numbers",  # numbers of the request beyond the required numeric parameters (numeric parameters)
    "boolean",
    "enum",  # an enum or options parameter
    "number",
    "string",
)
_DEFAULT = re.compile(r"(?i)default(?:s)?(?: value)?(?: is| to|:| =)?\s*['\"`]?([^'\"`.,;)]{1,40})")


def presence_features(request: str, tool: Tool, param: Param, best: float) -> list[float]:
    """The PRESENCE_FEATURES of an optional parameter; ``best``: its value ranker's best candidate score."""
    desc = param.description
    default = _DEFAULT.search(desc)
    low = request.lower()
    written = bool(default) and default.group(1).strip().lower() in low if default else False
    req_words = set(_words(request))
    numeric_required = sum(p.required and p.kind in ("integer", "number") for p in tool.params)
    spare = len(_numbers(request, scaled=True)) - numeric_required
    return [
        1.0,
        float(bool(re.search(r"(?i)\bdefault", desc))),
        float(bool(re.search(r"(?i)\boptional", desc))),
        float(written),
        float(bool((set(_words(param.name)) - _STOP) & req_words)),
        best,
        float(spare > 0) if param.kind in ("integer", "number") else 0.0,
        float(param.kind == "boolean"),
        float(param.kind in ("enum", "options")),
        float(param.kind in ("integer", "number")),
        float(param.kind in ("span", "list")),
    ]


def fit_presence(rows: list[tuple[list[float], bool]], seed: int = 0) -> dict[str, Any] | None:
    """A logistic P(given) of optional parameters (features, whether the teacher gave it), or None."""
    if len({y for _, y in rows}) < 2:
        return None
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=2000, random_state=seed, fit_intercept=False)
    model.fit([x for x, _ in rows], [int(y) for _, y in rows])
    return {"features": list(PRESENCE_FEATURES), "coef": [float(c) for c in model.coef_[0]]}


def presence(spec: dict[str, Any], feats: list[float]) -> float:
    z = sum(c * x for c, x in zip(spec["coef"], feats, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def score(spec: dict[str, Any] | None, feats: list[list[float]]) -> float:
    """The best raw score of the candidates (0 without a model or candidates)."""
    if spec is None or not feats:
        return 0.0
    import numpy as np

    return float((np.asarray(feats, dtype=np.float64) @ np.asarray(spec["coef"], dtype=np.float64)).max())


# ---- the edges of a string value ------------------------------------------------------------------------------------
EDGE_MIN = 20  # string values of the teacher at least before edges are learnt from them
EDGE_OUTSIDE = 3  # times at least a word (a mark) stood right outside the teacher's values, never at their edge
MAX_EDGE_WORDS = 64


def fit_edges(values: list[tuple[str, tuple[int, int]]]) -> dict[str, Any] | None:
    """What the teacher's string values leave out at their edges, learnt from its values written in the requests
    (``values``: request, span): the words that stood right before a value (after it) at least EDGE_OUTSIDE times and
    never began (ended) one ("Dr." before a name the teacher gives bare ...), and the punctuation marks that stood
    right before (after) its values as often and never began (ended) one (a sentence's period after a value: a quoted
    candidate that takes it loses it; a mark its values carry, "C#", "Sword+", "~/data", is kept). None below
    EDGE_MIN values: too few to tell what never happens."""
    if len(values) < EDGE_MIN:
        return None
    inside = [Counter(), Counter()]  # a value's first word, its last word
    outside = [Counter(), Counter()]  # the word right before a value, right after it
    marks = [Counter(), Counter()]  # punctuation a value begins (ends) with
    beside = [Counter(), Counter()]  # punctuation right before (after) a value
    for request, (a, b) in values:
        text = request[a:b]
        if not text.strip():
            continue
        for side, ch, out in ((0, text[0], request[a - 1 : a]), (1, text[-1], request[b : b + 1])):
            if not ch.isalnum() and not ch.isspace():
                marks[side][ch] += 1
            if out and not out.isalnum() and not out.isspace():
                beside[side][out] += 1
        tokens = _tokens(request)
        own = [request[x:y].lower() for x, y, _ in tokens if a <= x and y <= b]
        if own:
            inside[0][own[0]] += 1
            inside[1][own[-1]] += 1
        before = [t for t in tokens if t[1] <= a]
        after = [t for t in tokens if t[0] >= b]
        if before and _next_to(request[before[-1][1] : a]):
            outside[0][request[before[-1][0] : before[-1][1]].lower()] += 1
        if after and _next_to(request[b : after[0][0]]):
            outside[1][request[after[0][0] : after[0][1]].lower()] += 1

    def strip(side: int) -> list[str]:
        words = [w for w, k in outside[side].most_common() if k >= EDGE_OUTSIDE and not inside[side][w]]
        return sorted(words[:MAX_EDGE_WORDS])

    def cut(side: int) -> str:
        return "".join(sorted(ch for ch, k in beside[side].items() if k >= EDGE_OUTSIDE and not marks[side][ch]))

    return {"first": strip(0), "last": strip(1), "starts": cut(0), "ends": cut(1)}


def _next_to(gap: str) -> bool:
    """Whether two words with ``gap`` between them stand next to each other (a space, a title's period: "Dr. X")."""
    return len(gap) <= 3 and not any(ch.isalnum() for ch in gap) and not any(ch in "?!;\n" for ch in gap)


def edges_ok(spec: Any) -> bool:
    """Whether a saved edges model (from a head's JSON) is usable."""
    if spec is None:
        return True
    return (
        isinstance(spec, dict)
        and all(isinstance(spec.get(k), list) and all(isinstance(w, str) for w in spec[k]) for k in ("first", "last"))
        and all(isinstance(spec.get(k), str) and len(spec[k]) <= 256 for k in ("starts", "ends"))
    )


def trim_edges(spec: dict[str, Any] | None, request: str, start: int, end: int) -> tuple[int, int]:
    """A predicted string span with what the teacher's values leave out (``fit_edges``) cut off its edges: a first
    (last) word of those that stood outside them, while a word is left, and the marks that stood outside them.
    Unchanged without a model."""
    if spec is None or end <= start:
        return start, end
    first, last = set(spec["first"]), set(spec["last"])
    tokens = [(x, y) for x, y, _ in _tokens(request) if start <= x and y <= end]
    if len(tokens) >= 2 and request[tokens[0][0] : tokens[0][1]].lower() in first:
        start = tokens[1][0]
        tokens = tokens[1:]
    if len(tokens) >= 2 and request[tokens[-1][0] : tokens[-1][1]].lower() in last:
        end = tokens[-2][1]
    a, b = start, end
    while b - a > 1 and request[b - 1] in spec["ends"]:
        b -= 1
        while b - a > 1 and request[b - 1].isspace():
            b -= 1
    while b - a > 1 and request[a] in spec["starts"]:
        a += 1
        while b - a > 1 and request[a].isspace():
            a += 1
    return a, b
