"""Run the room: the facilitator's control of the projector, from their own device.

Choose the workshop, open the projector view in a new tab (for the projector's screen), and step
through the slides: Previous, Next, or any slide from the list. The slide on show is kept in the
database, so the projector follows within a second, and this page follows the projector's own
arrow keys in turn.
"""

from urllib.parse import urlencode

import streamlit as st

from assessment.errors import Refused
from assessment.services import Actor, presenter
from assessment.services.workshops import find_workshop
from ui.auth import current_facilitator, require_facilitator
from ui.db import engine
from ui.errors import show_refusal
from ui.pickers import choose_workshop
from ui.text import escape_markdown as md
from ui.workshop_room import closing_words

REFRESH_SECONDS = 2.0

actor = Actor.facilitator(require_facilitator())  # checked on every run, not only in the menu

st.title("Run the room")
code = choose_workshop(actor)
try:
    workshop = find_workshop(engine=engine(), actor=actor, join_code=code)
except Refused as exc:
    show_refusal("open the workshop", exc, then="Choose another workshop.")
    st.stop()

if workshop.status == "open" and workshop.closes_at is not None:
    st.caption(f"{closing_words(workshop.closes_at)} (UK time).")
st.link_button(
    "Open the projector view",
    f"/present?{urlencode({'code': workshop.join_code})}",
    icon=":material/open_in_new:",
    type="primary",
)
st.caption(
    "It opens in a new tab: move that tab to the projector's screen and press F11 for full screen. "
    "It follows this page within a second, keeps its slide through a reload, and its own left and "
    "right arrow keys step through the slides too."
)


@st.fragment(run_every=REFRESH_SECONDS)
def controls(workshop_id: int) -> None:
    """The slide on show and the steps, redrawn every few seconds (the projector's keyboard may
    have stepped); a press here reruns only this part of the page."""
    if current_facilitator() is None:
        st.rerun(scope="app")
    try:
        deck = presenter.deck(engine=engine(), actor=actor, workshop_id=workshop_id)
        # A press is read before the buttons are drawn (a button's state is there from the start
        # of the run), so the buttons below are drawn once, already showing the new slide.
        pressed = st.session_state.get
        if pressed(f"room_previous_{workshop_id}") or pressed(f"room_next_{workshop_id}"):
            step = -1 if pressed(f"room_previous_{workshop_id}") else 1
            deck = presenter.move_slide(engine=engine(), actor=actor, workshop_id=workshop_id, step=step)
        else:
            chosen = next(
                (e.key for i, e in enumerate(deck.entries) if pressed(f"room_slide_{workshop_id}_{i}")), None
            )
            if chosen is not None:
                deck = presenter.show_slide(
                    engine=engine(), actor=actor, workshop_id=workshop_id, slide=chosen
                )
    except Refused as exc:
        show_refusal("change the slide", exc)
        return
    st.subheader(f"On the projector: {md(deck.on_show.title)}")
    st.caption(f"{deck.where}.")
    if not deck.revealed:
        st.info(
            "Before the results are revealed the projector shows only the join slide: the join code "
            "while answering is open, and how many have joined and submitted. Reveal the results on "
            "the Workshops page to step through them here."
        )
    last = len(deck.entries) - 1
    back, on = st.columns(2)
    back.button("Previous slide", key=f"room_previous_{workshop_id}", disabled=deck.at == 0, width="stretch")
    on.button(
        "Next slide",
        key=f"room_next_{workshop_id}",
        type="primary",
        disabled=deck.at == last,
        width="stretch",
    )
    st.markdown("**Slides**")
    for index, entry in enumerate(deck.entries):
        here = index == deck.at
        st.button(
            md(entry.title) + (" (on show)" if here else ""),
            key=f"room_slide_{workshop_id}_{index}",
            type="tertiary",
            disabled=here,
            icon=":material/slideshow:" if here else None,
        )


controls(workshop.id)
