"""Team: administrators add facilitators, disable and enable them, reset a password to a temporary one
shown once, and choose who else is an administrator. Every change is a service call that checks the
administrator again and is audited; this page only draws and asks."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import streamlit as st

from assessment.errors import Refused
from assessment.services import Actor
from assessment.services import facilitators as service
from ui.auth import require_administrator, require_facilitator
from ui.db import engine
from ui.errors import refusal_text
from ui.text import escape_markdown as md

require_facilitator()
me = require_administrator()
actor = Actor.facilitator(me)

SAID = "team_said"  # a message for the next run: {"kind", "text"}
SHOW_ONCE = "team_temporary_password"  # {"email", "password"}: drawn once, then gone
ASKED = "team_asked"  # {"id", "change"}: a change waiting for its confirmation


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def _say(kind: str, text: str) -> None:
    st.session_state[SAID] = {"kind": kind, "text": text}


def _attempt(doing: str, change: Callable[[], Any], success: Callable[[Any], str]) -> None:
    """Call one service from a callback; keep what happened to say on the next run."""
    st.session_state.pop(ASKED, None)
    try:
        result = change()
    except Refused as exc:
        _say("error", refusal_text(doing, exc))
    else:
        _say("success", success(result))


def _keep_password(done: str) -> Callable[[service.TemporaryPassword], str]:
    """Keep the temporary password for the next run only, and say what was done."""

    def keep(result: service.TemporaryPassword) -> str:
        st.session_state[SHOW_ONCE] = {"email": result.email, "password": result.password}
        return done.format(email=md(result.email))

    return keep


def _add() -> None:
    email = st.session_state.pop("team_new_email", None) or ""
    _attempt(
        "add the facilitator",
        lambda: service.add_facilitator(engine=engine(), actor=actor, email=email),
        _keep_password("Added {email} as a facilitator."),
    )


def _ask(member_id: int, change: str) -> None:
    st.session_state[ASKED] = {"id": member_id, "change": change}


def _cancel() -> None:
    st.session_state.pop(ASKED, None)


def _disable(member_id: int, disabled: bool) -> None:
    verb = "disable" if disabled else "enable"
    _attempt(
        f"{verb} the account",
        lambda: service.set_disabled(
            engine=engine(), actor=actor, facilitator_id=member_id, disabled=disabled
        ),
        lambda email: (
            f"Disabled {md(email)}: it cannot sign in, and every browser signed in with it "
            "has been signed out."
            if disabled
            else f"Enabled {md(email)}: it can sign in again."
        ),
    )


def _reset(member_id: int) -> None:
    _attempt(
        "reset the password",
        lambda: service.reset_password(engine=engine(), actor=actor, facilitator_id=member_id),
        _keep_password(
            "Reset the password of {email}: their old password no longer works, and every browser "
            "signed in with it has been signed out."
        ),
    )


def _administrator(member_id: int, administrator: bool) -> None:
    _attempt(
        "change who is an administrator",
        lambda: service.set_administrator(
            engine=engine(), actor=actor, facilitator_id=member_id, administrator=administrator
        ),
        lambda email: (
            f"{md(email)} is now an administrator."
            if administrator
            else f"{md(email)} is no longer an administrator."
        ),
    )


st.title("Team")
st.markdown(
    "The facilitators who can sign in to this app. As an administrator you add facilitators, "
    "disable an account (it is signed out at once and cannot sign in until enabled again), "
    "give someone a new temporary password, and choose who else is an administrator. "
    "Every change is recorded in the **Audit log**."
)

said = st.session_state.pop(SAID, None)
if isinstance(said, dict):
    (st.success if said.get("kind") == "success" else st.error)(str(said.get("text", "")))
shown = st.session_state.pop(SHOW_ONCE, None)
if isinstance(shown, dict):
    with st.container(border=True):
        st.markdown(
            f"**Temporary password for {md(str(shown.get('email', '')))}**, shown only this once: "
            "copy it now and give it to them yourself (in person or by phone, not in the same email "
            "as the address of this app). They choose their own password when they first sign in with it."
        )
        st.code(str(shown.get("password", "")), language=None)

with st.form("team_add_form", clear_on_submit=True):
    st.subheader("Add a facilitator")
    st.text_input("Their work email", max_chars=200, autocomplete="off", key="team_new_email")
    st.form_submit_button("Add facilitator", type="primary", on_click=_add)

members = service.team(engine=engine(), actor=actor)
asked = st.session_state.get(ASKED)
st.subheader(f"{len(members)} account{'' if len(members) == 1 else 's'}")
for member in members:
    with st.container(border=True):
        role = "Administrator" if member.administrator else "Facilitator"
        if member.disabled_at is not None:
            state = f"Disabled since {_day(member.disabled_at)}"
        elif member.must_change_password:
            state = "Active; has not yet chosen their own password"
        else:
            state = "Active"
        you = " (you)" if member.id == me else ""
        st.markdown(f"**{md(member.email)}**{you}  \n{role} · {state} · added {_day(member.created_at)}")
        if isinstance(asked, dict) and asked.get("id") == member.id:
            question = (
                f"Disable {md(member.email)}? Every browser signed in with it is signed out at once."
                if asked.get("change") == "disable"
                else f"Reset the password of {md(member.email)}? Their current password stops working "
                "and every browser signed in with it is signed out."
            )
            st.warning(question)
            yes, no = st.columns(2)
            if asked.get("change") == "disable":
                yes.button(
                    "Disable the account",
                    key=f"team_yes_{member.id}",
                    on_click=_disable,
                    args=(member.id, True),
                )
            else:
                yes.button(
                    "Reset the password", key=f"team_yes_{member.id}", on_click=_reset, args=(member.id,)
                )
            no.button("Cancel", key=f"team_no_{member.id}", on_click=_cancel)
            continue
        if member.id == me:
            st.caption("Change your own password on My account.")
            if member.administrator:
                st.button(
                    "Stop being an administrator",
                    key=f"team_admin_{member.id}",
                    on_click=_administrator,
                    args=(member.id, False),
                )
            continue
        first, second, third = st.columns(3)
        if member.disabled_at is None:
            first.button(
                "Disable", key=f"team_disable_{member.id}", on_click=_ask, args=(member.id, "disable")
            )
        else:
            first.button("Enable", key=f"team_enable_{member.id}", on_click=_disable, args=(member.id, False))
        second.button(
            "Reset password", key=f"team_reset_{member.id}", on_click=_ask, args=(member.id, "reset")
        )
        third.button(
            "Stop being an administrator" if member.administrator else "Make administrator",
            key=f"team_admin_{member.id}",
            on_click=_administrator,
            args=(member.id, not member.administrator),
        )
