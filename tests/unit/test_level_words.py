"""An agreed level is said with its name, and the control that records it starts at the team's
own figure, not at the middle of the scale."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assessment.presenting import level_words, nearest_half_level

SCALE = ["Emerging", "Developing", "Maturing", "Thriving"]


def test_a_whole_level_is_said_with_its_name_and_a_half_level_between_two() -> None:
    assert level_words(SCALE, 2.0) == "2 · Developing"
    assert level_words(SCALE, 2.5) == "2.5 · between Developing and Maturing"
    assert level_words(SCALE, 4.0) == "4 · Thriving"


@given(st.floats(min_value=1, max_value=4, allow_nan=False))
def test_the_control_starts_at_the_half_level_nearest_the_teams_figure(figure: float) -> None:
    start = nearest_half_level(figure, 4)
    assert start * 2 == int(start * 2) and 1 <= start <= 4
    assert abs(start - figure) <= 0.25


def test_without_a_figure_the_control_starts_at_the_middle_of_the_scale() -> None:
    assert nearest_half_level(None, 4) == 2.5
    assert nearest_half_level(None, 5) == 3.0
