"""A page that has scored its round hands those figures to the trend (``trend_frame``'s
``scored``) instead of having the round scored a second time. That is only sound if the trend's
own scoring (``team_domain_figures``) and the round's (``score_workshop``) give the same domain
figures and withhold the same ones, for any room, threshold and choice of domains: shown here.
The storage side (the page's trend equals the trend scored afresh) is in
tests/storage/test_trends.py."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.scoring import score_workshop, team_domain_figures
from tests.unit.test_sector_lens_equals_a_plain_reference import BANKS, DOMAINS, rooms


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rooms(),
    st.integers(1, 6),
    st.lists(st.sampled_from(DOMAINS), min_size=1, unique=True),
    st.booleans(),
)
def test_a_rounds_scores_give_the_trend_the_figures_it_would_score_itself(
    room: tuple[pd.DataFrame, pd.DataFrame], threshold: int, selected: list[str], with_tiers: bool
) -> None:
    answers, tiers = room
    answers = answers.loc[answers["workshop"] == "w0"].drop(columns="workshop")
    tiers = tiers.loc[tiers["workshop"] == "w0"].drop(columns="workshop") if with_tiers else None
    bank = BANKS[threshold]

    trend_domains, trend_respondents = team_domain_figures(
        answers, bank, tier_answers=tiers, domains=selected
    )
    scores = score_workshop(answers, bank, tier_answers=tiers, domains=selected)

    assert scores.respondents == trend_respondents
    # every column the trend reads, in the same rows and order; withheld figures NaN in both
    read = ["domain", "title", "current", "target", "gap", "n", "withheld"]
    pd.testing.assert_frame_equal(
        scores.domains[read].reset_index(drop=True), trend_domains[read].reset_index(drop=True)
    )
