"""The room's view of an open workshop: where and how to join, and who has answered so far.

Drawn on the Workshops page for the projector; the figures are counts only (joined, submitted, by
sector, share of each domain answered), never an answer.
"""

from __future__ import annotations

import html
import io
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pandas as pd
import segno
import streamlit as st

from assessment.errors import Refused
from assessment.services import Actor
from assessment.services import workshops as service
from ui.db import engine
from ui.errors import show_refusal
from ui.text import plain_text

REMOVED_KEY = "workshops_removed"
LOCAL_TIME = ZoneInfo("Europe/London")  # the NHS's clock: closing times are typed and shown in it
INVITATIONS_KEY = "workshops_invitations"  # the batch just made: its links exist only until it goes


def local_moment(moment: datetime) -> datetime:
    """A stored (UTC) moment on the clock the room uses."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(LOCAL_TIME)


def closing_words(closes_at: datetime, *, closed: bool | None = None, now: datetime | None = None) -> str:
    """ "Answers close at 17:00 on Friday 4 December" in UK time; "closed" once it has (``closed``,
    as the workshop's state says, or else by the clock), the year only when it is not this year."""
    local = local_moment(closes_at)
    today = local_moment(now or datetime.now(UTC))
    year = "" if local.year == today.year else f" {local.year}"
    verb = "closed" if (local <= today if closed is None else closed) else "close"
    return f"Answers {verb} at {local:%H:%M} on {local:%A} {local.day} {local:%B}{year}"


def closing_moment(day: date, at: time) -> datetime:
    """A closing date and time typed on UK time, as the UTC moment it is."""
    return datetime.combine(day, at, tzinfo=LOCAL_TIME).astimezone(UTC)


def default_closing(now: datetime | None = None) -> tuple[date, time]:
    """A week from now at 17:00, UK time: what the closing time inputs start at."""
    local = local_moment(now or datetime.now(UTC)) + timedelta(days=7)
    return local.date(), time(17, 0)


def join_address() -> str:
    """The join page's address, built from the address the facilitator is using, so it works on
    the room's network."""
    address = urlsplit(st.context.url or "")
    origin = f"{address.scheme}://{address.netloc}" if address.netloc else ""
    return f"{origin}/join"


def join_link(join_code: str) -> str:
    """The join address with the workshop's code."""
    return f"{join_address()}?code={join_code}"


def show_join_panel(join_code: str) -> None:
    """The join link, the code in letters large enough for the back of the room, and a QR code."""
    link = join_link(join_code)
    code_column, qr_column = st.columns([3, 2])
    with code_column:
        st.markdown("Join at")
        st.code(link, language=None)
        st.markdown("with the code")
        st.markdown(
            f"<div role='text' aria-label='Join code {html.escape(' '.join(join_code))}' "
            "style='font-size:clamp(2rem,5.5vw,5.5rem);font-weight:700;letter-spacing:0.12em;white-space:nowrap;"
            f"font-family:monospace;color:#003087'>{html.escape(join_code)}</div>",
            unsafe_allow_html=True,  # only the code, drawn from our own alphabet and escaped anyway
        )
    with qr_column:
        buffer = io.BytesIO()
        segno.make(link, error="m").save(buffer, kind="png", scale=8, border=2)
        st.image(
            buffer.getvalue(),
            caption="Scan to join",
            width=260,
            alt=f"QR code that opens the join page with the code {join_code}",
        )


@st.fragment(run_every="3s")
def show_live_progress(*, actor: Actor, workshop_id: int) -> None:
    """Joined and submitted counts, by sector and by domain, redrawn every few seconds."""
    # Read from the database each time: participants may be on another server.
    progress = service.progress(engine=engine(), actor=actor, workshop_id=workshop_id)
    st.subheader("Live progress")
    joined, submitted = st.columns(2)
    joined.metric("Joined", progress.joined)
    submitted.metric("Submitted", progress.submitted)
    waiting = progress.joined - progress.submitted
    if waiting:
        # Said where the facilitator looks before closing: only submitted answers count.
        st.caption(
            f"{waiting} {'person has' if waiting == 1 else 'people have'} joined and not submitted: "
            "their answers count only once they press Submit."
        )
    by_sector = pd.DataFrame(progress.by_sector, columns=["Sector", "Joined"])
    completion = pd.DataFrame(
        [(title, round(100 * share)) for title, share in progress.completion], columns=["Domain", "Answered"]
    )
    left, right = st.columns([1, 2])
    left.dataframe(by_sector, hide_index=True)
    right.dataframe(
        completion,
        hide_index=True,
        column_config={
            "Answered": st.column_config.ProgressColumn("Answered", format="%d%%", min_value=0, max_value=100)
        },
    )


def show_not_submitted(*, actor: Actor, workshop_id: int, revealed: bool) -> None:
    """Who joined and has not submitted, how far each got, and (before the reveal) a way to remove
    a join left behind: the same person on a second device, a tab nobody came back to."""
    people = service.not_submitted(engine=engine(), actor=actor, workshop_id=workshop_id)
    if not people:
        return
    with st.expander(f"Joined but not submitted ({len(people)})", icon=":material/person_off:"):
        st.caption(
            "Their answers do not count until they press Submit. Someone who joined twice (a second "
            "phone, a new browser) leaves a participant behind here with few or no answers."
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Participant": p.label,
                        "Sector": p.sector,
                        "Answered": p.answered,
                        "Joined": p.joined_at.strftime("%H:%M"),
                        "Last answer": p.last_answer_at.strftime("%H:%M")
                        if p.last_answer_at
                        else "no answer yet",
                    }
                    for p in people
                ]
            ),
            hide_index=True,
        )
        if revealed:
            st.info("The results have been revealed, so nobody can be removed now.")
            return
        names = {p.id: f"{p.label} ({p.sector}, {p.answered} answered)" for p in people}
        with st.form(f"workshops_remove_{workshop_id}", border=False):
            chosen = st.selectbox(
                "Participant to remove",
                list(names),
                index=None,
                format_func=lambda pid: plain_text(names[pid]),
                placeholder="Choose who to remove",
            )
            sure = st.checkbox("Remove them and every answer they gave. This cannot be undone.")
            remove = st.form_submit_button("Remove participant")
        if remove:
            if chosen is None or not sure:
                st.error("Choose who to remove and tick the box to confirm, then press Remove participant.")
                return
            try:
                label = service.remove_participant(
                    engine=engine(), actor=actor, workshop_id=workshop_id, participant_id=chosen
                )
            except Refused as exc:
                show_refusal(
                    "remove the participant", exc, then="Reload the page to see who is still waiting."
                )
                return
            st.session_state[REMOVED_KEY] = label
            st.rerun()


def show_invitations(*, actor: Actor, workshop_id: int, join_code: str, status: str, anonymous: bool) -> None:
    """Per-person invitation links for answering ahead, and how far the invited people have got:
    names in a named workshop, counts only in an anonymous one. Facilitators only."""
    with st.expander("Invitations: a link for each person", icon=":material/forward_to_inbox:"):
        try:
            progress = service.invitation_progress(engine=engine(), actor=actor, workshop_id=workshop_id)
        except Refused as exc:
            show_refusal("show the invitations", exc)
            return
        if progress.invited:
            invited, opened, finished = st.columns(3)
            invited.metric("Invited", progress.invited)
            opened.metric("Joined from their link", progress.joined)
            finished.metric("Submitted", progress.submitted)
            if progress.anonymous:
                st.caption(
                    "This workshop is anonymous, so only counts are shown: the app does not keep who "
                    "was sent which link."
                )
            elif progress.not_finished:
                st.markdown(f"**Not finished yet ({len(progress.not_finished)})**")
                st.dataframe(
                    pd.DataFrame(progress.not_finished, columns=["Invited person", "Where they are"]),
                    hide_index=True,
                )
            else:
                st.success("Everyone invited has submitted.", icon=":material/check_circle:")
        else:
            st.caption("Nobody has been invited to this workshop yet.")
        made = st.session_state.get(INVITATIONS_KEY)
        if isinstance(made, dict) and made.get("workshop_id") == workshop_id:
            count = int(made.get("count", 0))
            st.success(
                f"{count} invitation link{'' if count == 1 else 's'} made. Download them now for your mail "
                "merge: each link is shown only this once (the app keeps no copy that works).",
                icon=":material/check_circle:",
            )
            st.download_button(
                "Download the invitation links (CSV)",
                data=str(made.get("csv", "")),
                file_name=f"invitations-{join_code}.csv",
                mime="text/csv",
                type="primary",
                key=f"workshops_invitations_download_{workshop_id}",
                icon=":material/download:",
            )
        if status == "closed":
            st.info(
                "Answering has closed, so invitations could not be used. Reopen the workshop to invite more."
            )
            return
        st.caption(
            "Each person gets their own link: opening it joins them (named workshops take the name "
            "from the invitation) and, on any device, brings them back to their own answers. "
            + (
                "In an anonymous workshop the names are used only for the file you download now; "
                "the app keeps none of them."
                if anonymous
                else ""
            )
        )
        with st.form(f"workshops_invite_{workshop_id}"):
            typed = st.text_area(
                "Names or email addresses, one per line",
                placeholder="Ann Smith <ann.smith@example.nhs.uk>\nben.okafor@example.gov.uk\nCarol Jones",
                key=f"workshops_invite_people_{workshop_id}",
            )
            upload = st.file_uploader(
                "Or upload a CSV file with name and email columns",
                type=["csv"],
                key=f"workshops_invite_file_{workshop_id}",
            )
            make = st.form_submit_button("Make invitation links")
        if make:
            text = typed
            if upload is not None:
                try:
                    text += "\n" + upload.getvalue().decode("utf-8-sig")
                except UnicodeDecodeError:
                    st.error("The file is not text in UTF-8: save it from your spreadsheet as CSV UTF-8.")
                    return
            try:
                batch = service.invite(
                    engine=engine(),
                    actor=actor,
                    workshop_id=workshop_id,
                    people_text=text,
                    join_address=join_address(),
                )
            except Refused as exc:
                show_refusal(
                    "make the invitation links", exc, then="Correct the list, then press the button again."
                )
                return
            st.session_state[INVITATIONS_KEY] = {
                "workshop_id": workshop_id,
                "csv": batch.csv_text(),
                "count": len(batch.rows),
            }
            st.rerun()


def show_closing_time(*, actor: Actor, workshop_id: int, closes_at: datetime | None, revealed: bool) -> None:
    """When answering closes by itself: shown, and set, changed or removed before the reveal."""
    if closes_at is not None:
        st.caption(closing_words(closes_at) + " (UK time).")
    if revealed:
        return
    with st.expander("Closing time", icon=":material/schedule:"):
        st.caption(
            "Answering closes by itself at this time (UK time), so people can answer ahead of the "
            "session. Setting a time does not open the workshop: open it when people may start."
        )
        day, at = (
            (local_moment(closes_at).date(), local_moment(closes_at).time().replace(second=0, microsecond=0))
            if closes_at is not None
            else default_closing()
        )
        with st.form(f"workshops_closing_{workshop_id}", border=False):
            left, right = st.columns(2)
            new_day = left.date_input(
                "Closing date", value=day, format="DD/MM/YYYY", key=f"workshops_closing_day_{workshop_id}"
            )
            new_at = right.time_input(
                "Closing time (UK)",
                value=at,
                step=timedelta(minutes=15),
                key=f"workshops_closing_time_{workshop_id}",
            )
            set_it = st.form_submit_button("Set the closing time", type="primary")
            remove = st.form_submit_button("Remove the closing time", disabled=closes_at is None)
        if set_it or remove:
            try:
                service.change_closing_time(
                    engine=engine(),
                    actor=actor,
                    workshop_id=workshop_id,
                    closes_at=None if remove else closing_moment(new_day, new_at),
                )
            except Refused as exc:
                show_refusal("set the closing time", exc)
                return
            st.rerun()
