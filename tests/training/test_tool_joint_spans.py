"""The string values of one call chosen together (slmc.training.tool_head._jointly): no model needed."""

from __future__ import annotations

from slmc.training.tool_head import _jointly, _surest_first

ORIGIN, DESTINATION, ELSE = (10, 16), (20, 28), (40, 44)


def test_strings_are_chosen_together_where_the_surest_first_would_take_the_others_span() -> None:
    """The origin is a little surer of the destination's span than of its own; greedy, it takes it and leaves the
    destination a poor span; together, each gets its own (0.4 * 0.59 > 0.6 * 0.01)."""
    ranked = {0: [(0.6, DESTINATION), (0.4, ORIGIN)], 1: [(0.59, DESTINATION), (0.01, ELSE)]}
    wanted = [(0, 1.0), (1, 1.0)]
    greedy = {i: c for i, _, _, c in _surest_first(ranked, wanted, [])}
    assert greedy == {0: DESTINATION, 1: ELSE}
    used: list[tuple[int, int]] = []
    joint = {i: (q, c) for i, _, q, c in _jointly(ranked, wanted, used)}
    assert joint == {0: (0.4, ORIGIN), 1: (0.59, DESTINATION)}
    assert sorted(used) == [ORIGIN, DESTINATION]


def test_joint_choice_keeps_clear_of_values_already_taken_and_of_overlaps() -> None:
    """A span a number took is no candidate; two spans that overlap ("Boston, MA" and "MA") are not both given."""
    boston_ma, ma = (0, 10), (8, 10)
    ranked = {0: [(0.7, boston_ma), (0.3, ELSE)], 1: [(0.8, ma), (0.2, ORIGIN)]}
    picked = {i: c for i, _, _, c in _jointly(ranked, [(0, 1.0), (1, 1.0)], [])}
    assert picked == {0: ELSE, 1: ma}  # 0.3 * 0.8 > 0.7 * 0.2; never both "Boston, MA" and "MA"
    taken = [boston_ma]
    picked = {i: c for i, _, _, c in _jointly(ranked, [(0, 1.0), (1, 1.0)], taken)}
    assert picked == {0: ELSE, 1: ORIGIN}


def test_one_parameter_or_nothing_left_is_answered_as_before() -> None:
    ranked = {0: [(0.9, ORIGIN)], 1: [(0.5, ORIGIN)]}
    assert [(i, c) for i, _, _, c in _jointly({0: ranked[0]}, [(0, 1.0)], [])] == [(0, ORIGIN)]
    out = {i: c for i, _, _, c in _jointly(ranked, [(0, 1.0), (1, 1.0)], [])}
    assert out == {0: ORIGIN, 1: None}  # both want one span: the surer takes it, the other has none left
