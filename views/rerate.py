import streamlit as st

from assessment.errors import Forbidden, NotFound, Refused
from assessment.services.rerate import REASON_CHARS, RerateQuestion, participant_rerate, save_rerate
from ui.db import engine
from ui.errors import refusal_text
from ui.text import escape_markdown as md
from ui.walkthrough import page_style

# The re-rate round (the Delphi step done in the room), reached from the answer page by the
# resume link: per chosen question, the participant's own first answer beside the team's anonymous
# distribution, kept or changed, each choice saved at once and shown as the database holds it.
token = st.query_params.get("token", "")
REFUSED_KEY = "rerate_refused"  # a save's refusal, said on the run after its callback


def level_text(scale: tuple[str, ...], level: int | None) -> str:
    return "no level" if level is None or not 1 <= level <= len(scale) else f"{scale[level - 1]} ({level})"


def _save(question: RerateQuestion, *, keep: bool) -> None:
    """A button's or a widget's callback: save the question's re-rate at once (the last change wins)."""
    state = st.session_state
    current = question.first_current if keep else state.get(f"rerate_now_{question.item_id}")
    target = question.first_target if keep else state.get(f"rerate_target_{question.item_id}")
    reason = str(state.get(f"rerate_reason_{question.item_id}") or "")
    if not isinstance(current, int) or not isinstance(target, int):
        return
    try:
        save_rerate(
            engine=engine(),
            token=token,
            item_id=question.item_id,
            current=current,
            target=target,
            reason=reason or None,
        )
    except Refused as exc:
        state[REFUSED_KEY] = refusal_text("save your re-rate", exc)
    else:
        state.pop(REFUSED_KEY, None)
        # the widgets follow what was saved on the next run
        state.pop(f"rerate_now_{question.item_id}", None)
        state.pop(f"rerate_target_{question.item_id}", None)


page_style()
st.title("Re-rate")
try:
    rerate = participant_rerate(engine=engine(), token=token)
except NotFound:
    st.error("This link is not valid: it was not copied whole. Open your resume link again.")
    st.stop()
except Forbidden as exc:
    st.info(f"{exc} Your first answers are kept as they are.", icon=":material/info:")
    st.page_link("views/answer.py", label="Back to your answers", query_params={"token": token})
    st.stop()

st.caption(
    md(rerate.workshop_title)
    + " · Look at the team's answers beside your own first answer, then keep it or change it. "
    "Your first answer is kept either way; the team sees only combined figures."
)
refused = st.session_state.pop(REFUSED_KEY, None)
if isinstance(refused, str):
    st.error(refused)

scale = rerate.scale
levels = list(range(1, len(scale) + 1))
done = sum(1 for q in rerate.questions if q.saved is not None)
st.progress(
    done / max(len(rerate.questions), 1),
    text=f"{done} of {len(rerate.questions)} question{'' if len(rerate.questions) == 1 else 's'} re-rated",
)
for question in rerate.questions:
    with st.container(border=True, key=f"rerate_item-{question.item_id}"):
        st.caption(md(question.domain_title))
        st.markdown(f"**{md(question.text)}**")
        if question.first_current is None:
            st.info(
                "You answered \u201cI don't know\u201d the first time, so this question is kept as you "
                "left it.",
                icon=":material/info:",
            )
            continue
        st.markdown(
            f"Your first answer: **{md(level_text(scale, question.first_current))}** now, "
            f"**{md(level_text(scale, question.first_target))}** in a year"
        )
        team = question.team
        st.markdown("**The team's first answers, now** (anonymous: how many chose each level)")
        rows = [
            f"| {md(c.label)} ({c.level}) | {c.count} {'person' if c.count == 1 else 'people'} |"
            + (" ← yours |" if c.level == question.first_current else " |")
            for c in team.now
        ]
        st.markdown("| Level | Team | |\n|---|---|---|\n" + "\n".join(rows))
        st.caption(md(team.words))
        saved = question.saved
        if saved is not None:
            kept = (saved.current, saved.target) == (question.first_current, question.first_target)
            st.success(
                ("Saved: you kept your answer, " if kept else "Saved: you changed it to ")
                + f"{md(level_text(scale, saved.current))} now, "
                + f"{md(level_text(scale, saved.target))} in a year"
                + (f". Your reason: {md(saved.reason)}" if saved.reason else ""),
                icon=":material/check_circle:",
            )
        st.button(
            "Keep my answer",
            key=f"rerate_keep_{question.item_id}",
            type="primary" if saved is None else "secondary",
            on_click=_save,
            args=(question,),
            kwargs={"keep": True},
        )
        shown = saved
        st.radio(
            "Or change where we are now to",
            levels,
            index=levels.index(shown.current if shown else question.first_current),
            format_func=lambda level: level_text(scale, level),
            key=f"rerate_now_{question.item_id}",
            on_change=_save,
            args=(question,),
            kwargs={"keep": False},
            width="stretch",
        )
        st.radio(
            "And where we should be in a year",
            levels,
            index=levels.index(shown.target if shown else (question.first_target or question.first_current)),
            format_func=lambda level: level_text(scale, level),
            horizontal=True,
            key=f"rerate_target_{question.item_id}",
            on_change=_save,
            args=(question,),
            kwargs={"keep": False},
            width="stretch",
        )
        st.text_area(
            "Why (optional; the team sees reasons without names)",
            value=(saved.reason or "") if saved else "",
            max_chars=REASON_CHARS,
            key=f"rerate_reason_{question.item_id}",
            on_change=_save,
            args=(question,),
            kwargs={"keep": False},  # saved with the levels shown above
            height=80,
        )

st.page_link("views/answer.py", label="Back to your answers", query_params={"token": token})
