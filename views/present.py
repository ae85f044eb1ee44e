"""The projector: the slide on show for a workshop, the whole window, large type.

Opened from Run the room in a new tab (``/present?code=CODE``) and moved to the projector's screen.
It shows what the database holds as the slide on show and checks about once a second whether that
changed (a facilitator stepping from their own device), redrawing only then; its own arrow keys
step too. Before the results are revealed it shows only the join slide.
"""

import streamlit as st

from assessment.errors import Refused
from assessment.services import Actor, presenter
from assessment.services.workshops import find_workshop, visible_workshops
from assessment.slides import JoinSlide
from ui.auth import current_facilitator, require_facilitator
from ui.db import engine
from ui.errors import show_refusal
from ui.pickers import WORKSHOP_KEY
from ui.projector import hide_the_frame, slide_html, text
from ui.workshop_room import show_join_panel

POLL_SECONDS = 1.0

actor = Actor.facilitator(require_facilitator())  # checked on every run, not only in the menu
hide_the_frame()

workshops = visible_workshops(engine=engine(), actor=actor)
if not workshops:
    st.info("No workshops yet. Create one on the Workshops page, then open this view from Run the room.")
    st.stop()
codes = [w.join_code for w in workshops]
# The workshop in the address (Run the room's link), else the one chosen on the other pages, else
# the newest; only ever one this facilitator may see.
asked = str(st.query_params.get("code", "")).strip().upper()
remembered = st.session_state.get(WORKSHOP_KEY)
code = asked if asked in codes else remembered if remembered in codes else codes[0]
try:
    workshop = find_workshop(engine=engine(), actor=actor, join_code=code)
except Refused as exc:
    show_refusal("show this workshop", exc, then="Choose it again on Run the room.")
    st.stop()

slot = st.container()
# In a corner, out of the slide's way (ui/projector.py places it): the arrow keys press these.
nav = st.container(key="present_nav", horizontal=True, vertical_alignment="center")
where = nav.empty()
step = 0
if nav.button("Previous slide", key=f"present_previous_{workshop.id}", shortcut="Left"):
    step = -1
if nav.button("Next slide", key=f"present_next_{workshop.id}", shortcut="Right"):
    step = 1
try:
    if step:
        presenter.move_slide(engine=engine(), actor=actor, workshop_id=workshop.id, step=step)
    shown = presenter.projected(engine=engine(), actor=actor, workshop_id=workshop.id)
except Refused as exc:
    show_refusal("show the slide", exc)
    st.stop()

with slot:
    slide = shown.slide
    if isinstance(slide, JoinSlide):
        st.html(
            f'<div class="slide"><h1>{text(slide.title)}</h1><p class="sub">{text(slide.workshop)}</p></div>'
        )
        if slide.join_code:
            show_join_panel(slide.join_code)
    st.html(slide_html(slide))
where.caption(f"{shown.deck.where}")


@st.fragment(run_every=POLL_SECONDS)
def follow(workshop_id: int, drawn: str) -> None:
    """Redraw the page only when the slide on show (or what it is made from) has changed, or the
    sign-in has ended; otherwise this draws nothing and the slide stays as it is."""
    if current_facilitator() is None:
        st.rerun(scope="app")
    try:
        now = presenter.projector_stamp(engine=engine(), actor=actor, workshop_id=workshop_id)
    except Refused:
        st.rerun(scope="app")
    if now != drawn:
        st.rerun(scope="app")


follow(workshop.id, shown.stamp)
