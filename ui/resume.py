"""The participant's device and its resume link: remembered by the answer page, offered back by
the join page. The cookie is set by a route of our own (assessment/web_device.py says why)."""

from __future__ import annotations

import html
from urllib.parse import quote

import streamlit as st

from assessment.web_device import REMEMBER_PATH, cookie_name

REMEMBERED_KEY = "answer_remembered"  # the token this session already asked the browser to keep


def remembered_token(join_code: str) -> str | None:
    """The resume token this browser kept for the workshop, as it sent it when the page opened.

    The app's tests replace this function (AppTest cannot send cookies).
    """
    value = st.context.cookies.get(cookie_name(join_code))
    return value if isinstance(value, str) and value else None


def remember_this_device(token: str) -> None:
    """Ask the browser to keep the resume token: an invisible image whose address sets the cookie,
    so no script is needed and nothing shows."""
    source = html.escape(f"{REMEMBER_PATH}?token={quote(token, safe='')}", quote=True)
    st.html(f'<img src="{source}" alt="" width="1" height="1" style="position:absolute;opacity:0">')
