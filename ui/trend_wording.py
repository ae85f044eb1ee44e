"""The questions a partnership's rounds asked in different words, drawn under the trends table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from assessment.trends import QuestionChange

__all__ = ["show_question_changes"]


def show_question_changes(changes: Sequence[QuestionChange], titles: Mapping[str, str]) -> None:
    """One row per question that differs between two rounds' bank versions: the round, its domain,
    the question as that round asked it (as the earlier round did, when absent) and what changed."""
    st.subheader("Questions worded differently between rounds")
    st.caption(
        "Each round is compared with the previous round that asked the domain. A changed question can "
        "move a domain's figure for reasons other than the partnership: read those changes with care."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Round": [c.round for c in changes],
                "Domain": [titles.get(c.domain, c.domain) for c in changes],
                "Question": [c.text for c in changes],
                "What changed": [c.words() for c in changes],
            }
        ),
        hide_index=True,
        column_config={
            "Round": st.column_config.TextColumn(width="small"),
            "Question": st.column_config.TextColumn(width="large"),
        },
    )
