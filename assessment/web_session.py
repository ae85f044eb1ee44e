"""The facilitator's way in and out: a sign-in form and a sign-out, as plain HTTP routes served
beside the Streamlit app by the same server (``st.App`` in ``server.py``).

Why routes of our own: a sign-in must outlive a refresh, a second tab, a restart and a move to
another replica, so it lives in the database and the browser holds only a random token, in a
cookie that no script can read (HttpOnly). Streamlit reads cookies (``st.context.cookies``) but
cannot set one; only an HTTP response can. So the form is served here, server-rendered: its POST
checks the password through the same service as ever (rate limit included), starts a session
and answers with the cookie and a redirect (303) to the page that asked for the sign-in.

- The session cookie ``ics_session``: HttpOnly, SameSite=Lax, Path=/, Max-Age the session's
  lifetime, and Secure when the request came over HTTPS (directly, or through a proxy that says
  so in X-Forwarded-Proto). Never a token in an address.
- Both forms are POSTs with a check against forged submissions from other sites: the sign-in
  form's check is a random value also set in a cookie of its own (double submit), which a page
  on another site can neither read nor send; the sign-out form's is derived from the session
  token itself, which only this server sees.
- ``next`` is only ever a path on this site: anything else goes to the home page.

Single sign-on (``ICS_SSO``, off by default) goes through Streamlit's own OpenID Connect routes,
the ones ``st.login`` uses (``/auth/login`` and ``/oauth2callback``, with the provider from the
``[auth]`` section of secrets.toml). ``/account/sso`` remembers where to come back to and sends
the browser to Streamlit's login route; Streamlit exchanges the code and checks the ID token (its
signature, issuer, audience and nonce). Its callback is served here, wrapped, so the browser comes
next to ``/account/sso/finish`` rather than the home page: that route reads the identity
Streamlit stored (the signed cookie behind ``st.user``), matches the email the provider vouches
for to an account, starts the same server-side session as a password does, and forgets
Streamlit's identity cookie, so the app's session is the one record of who is signed in: a
sign-out, a password change or a removed account ends it on every replica alike.
``ICS_LOCAL_PASSWORDS=off`` hides the password form and refuses a posted password.

This module never imports the pages, and Streamlit only for single sign-on, when it is on (the
``StreamlitSignOn`` adapter): it reaches accounts through ``assessment.services.facilitators``
like every other door.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import cache
from typing import Protocol
from urllib.parse import parse_qs, quote, unquote, urlsplit

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from assessment.auth import (
    MAX_EMAIL_LENGTH,
    MAX_PASSWORD_LENGTH,
    SESSION_COOKIE,
    SignInRefused,
    retry_delay_seconds,
    wait_message,
)
from assessment.db.engine import database_url, make_engine
from assessment.limits import without_bidi_controls
from assessment.migrate import upgrade_database
from assessment.services import facilitators
from assessment.settings import current as current_settings

SIGN_IN_PATH = "/account/sign-in"
SIGN_OUT_PATH = "/account/sign-out"
SSO_START_PATH = "/account/sso"
SSO_FINISH_PATH = "/account/sso/finish"
# Streamlit's own callback address for st.login (the redirect_uri registered with the provider).
OIDC_CALLBACK_PATH = "/oauth2callback"
# Where to come back to after the organisation's sign-in: the provider's round trip cannot carry it.
SSO_NEXT_COOKIE = "ics_sso_next"
SSO_NEXT_SECONDS = 15 * 60
# The sign-in form's check travels in this cookie and in a hidden field; they must match.
FORM_CHECK_COOKIE = "ics_form_check"
CHECK_FIELD = "check"
HOME = "/"
# Longer than any address of this app; a longer `next` is not one of ours.
MAX_NEXT_LENGTH = 2000
# Email, password, check and next, with room to spare: a larger form is not this one.
MAX_FORM_BYTES = 16 * 1024

UNAVAILABLE_MESSAGE = (
    "Sign-in cannot reach its records just now (the server is busy). Wait a few seconds, then try again."
)
EXPIRED_FORM_MESSAGE = (
    "This sign-in form could not be checked: it has expired, or your browser did not keep its "
    "cookie. The form has been loaded again: sign in once more."
)
SIGN_OUT_UNCHECKED_MESSAGE = (
    "Signing out could not be confirmed from this page. Go back to the app, reload the page, "
    "then press Sign out again."
)
SIGNED_OUT_NOTICE = "You have signed out in this browser."
PASSWORDS_OFF_MESSAGE = (
    "Signing in with a password is switched off on this server. Use 'Sign in with your "
    "organisation account' instead."
)
NO_SIGN_IN_MESSAGE = (
    "Signing in is switched off on this server: both single sign-on and passwords are off. "
    "Ask whoever runs this app to switch one on (ICS_SSO or ICS_LOCAL_PASSWORDS)."
)
SSO_OFF_MESSAGE = "Single sign-on is not switched on for this server. Sign in with your email and password."
SSO_NOT_SET_UP_MESSAGE = (
    "Single sign-on is switched on but not set up: the server has no provider in the [auth] "
    "section of its secrets.toml. Ask whoever runs this app to finish the set-up."
)
SSO_INCOMPLETE_MESSAGE = (
    "Signing in with your organisation account did not complete: it was cancelled, or the "
    "answer from your organisation's sign-in could not be checked. Try again; if it keeps "
    "failing, ask whoever runs this app to check the single sign-on set-up."
)
SSO_BUTTON_LABEL = "Sign in with your organisation account"
WRONG_FORM_MESSAGE = "The form was not sent as this page sends it. Open the page again and use its form."

# What the browser may do with these pages: show them, post their forms here, nothing else.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

EngineSource = Callable[[], Engine]
_log = logging.getLogger(__name__)


# --- addresses -------------------------------------------------------------------------------------


def safe_next(value: str | None) -> str:
    """``value`` when it is a path on this site (``/results?workshop=3``), else the home page.

    Refused: other sites (``https://…``, ``//host``, ``/\\host``, which browsers read as a host),
    schemes such as ``javascript:``, relative paths, control characters and overlong values.
    """
    if not value or len(value) > MAX_NEXT_LENGTH or not value.isprintable() or "\\" in value:
        return HOME
    if not value.startswith("/") or value.startswith("//"):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return HOME
    return value


def sign_in_href(next_path: str | None = None) -> str:
    """The address of the sign-in form that comes back to ``next_path`` afterwards."""
    target = safe_next(next_path)
    return SIGN_IN_PATH if target == HOME else f"{SIGN_IN_PATH}?next={quote(target, safe='/')}"


def sso_start_href(next_path: str | None = None) -> str:
    """The address that starts the organisation's sign-in and comes back to ``next_path``."""
    target = safe_next(next_path)
    return SSO_START_PATH if target == HOME else f"{SSO_START_PATH}?next={quote(target, safe='/')}"


def sign_out_check(token: str) -> str:
    """The sign-out form's check for the browser holding ``token``: derived from the token, so
    only a page this server drew for that browser can carry it, and it reveals nothing of it."""
    return hmac.new(token.encode(), b"ics-readiness sign-out", hashlib.sha256).hexdigest()


def is_https(request: Request) -> bool:
    # uvicorn already applies X-Forwarded-Proto from a trusted proxy to the scheme; a proxy it
    # does not trust may still say so here. Believing it only ever makes the cookie stricter.
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


# --- a browser that keeps failing ------------------------------------------------------------------


class BrowserFailures:
    """Failed sign-ins per browser (its form-check cookie), in this process.

    The database counts failures per email (``assessment.auth``); this count also slows one
    browser trying many different emails. It is bounded: the oldest entries go first.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._seen: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def wait_seconds(self, browser: str) -> float:
        failures, last = self._seen.get(browser, (0, 0.0))
        delay = retry_delay_seconds(failures)
        return 0.0 if delay <= 0 else max(delay - (time.monotonic() - last), 0.0)

    def failed(self, browser: str) -> None:
        failures, _ = self._seen.pop(browser, (0, 0.0))
        self._seen[browser] = (failures + 1, time.monotonic())
        while len(self._seen) > self._limit:
            self._seen.popitem(last=False)

    def succeeded(self, browser: str) -> None:
        self._seen.pop(browser, None)


# --- the organisation's sign-in (OpenID Connect, through Streamlit) ----------------------------------


class IdentityProvider(Protocol):
    """What single sign-on needs from the OpenID Connect machinery."""

    def login_url(self) -> str:
        """Where the browser goes to start the provider's sign-in; raises SignOnNotSetUp."""

    def identity(self, request: Request) -> Mapping[str, object] | None:
        """The claims of the identity the provider has just vouched for in this browser, if any."""

    def forget(self, response: Response, request: Request) -> None:
        """Make ``response`` clear that identity from the browser."""

    async def callback(self, request: Request) -> Response:
        """The provider's answer, checked (code exchanged, ID token verified) and stored."""


class SignOnNotSetUp(Exception):
    """Single sign-on is on, but no provider is configured."""


class StreamlitSignOn:
    """Streamlit's ``st.login`` machinery, used from plain routes: the login address ``st.login``
    sends a browser to, its ``/oauth2callback`` handler, and the signed identity cookie behind
    ``st.user`` (read with the cookie secret of ``[auth]``, so every replica can read it)."""

    provider = "default"  # the ``[auth]`` section itself, as ``st.login()`` with no argument

    def login_url(self) -> str:
        from streamlit.auth_util import validate_auth_credentials
        from streamlit.errors import StreamlitAuthError
        from streamlit.user_info import generate_login_redirect_url

        try:
            validate_auth_credentials(self.provider)
        except StreamlitAuthError as missing:
            raise SignOnNotSetUp(str(missing)) from None
        return generate_login_redirect_url(self.provider)

    def identity(self, request: Request) -> Mapping[str, object] | None:
        from streamlit.auth_util import get_cookie_with_chunks
        from streamlit.web.server.server_util import get_cookie_secret
        from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value
        from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

        secret = get_cookie_secret()

        def one(name: str) -> bytes | None:
            value = request.cookies.get(name)
            if value is None or not value.isascii():  # a signed value is ASCII; anything else is not one
                return None
            return decode_signed_value(secret, name, value.encode("ascii"))

        raw = get_cookie_with_chunks(one, USER_COOKIE_NAME)
        if raw is None:
            return None
        try:
            claims = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        if not isinstance(claims, dict) or claims.get("is_logged_in") is not True:
            return None
        return claims

    def forget(self, response: Response, request: Request) -> None:
        from streamlit.web.server.starlette.starlette_server_config import (
            TOKENS_COOKIE_NAME,
            USER_COOKIE_NAME,
        )

        for name in request.cookies:
            for cookie in (USER_COOKIE_NAME, TOKENS_COOKIE_NAME):
                if name == cookie or (name.startswith(f"{cookie}_") and name[len(cookie) + 1 :].isdigit()):
                    response.delete_cookie(name, path="/", httponly=True, samesite="lax")

    async def callback(self, request: Request) -> Response:
        from streamlit.web.server.starlette.starlette_auth_routes import create_auth_routes

        for route in create_auth_routes(""):
            if isinstance(route, Route) and route.path == OIDC_CALLBACK_PATH:
                answer: Response = await route.endpoint(request)
                return answer
        raise RuntimeError("Streamlit serves no OpenID Connect callback route")  # pragma: no cover


# --- the pages -------------------------------------------------------------------------------------

_STYLE = """
body{margin:0;font-family:"Source Sans Pro",-apple-system,"Segoe UI",Arial,sans-serif;color:#0B0C0C;
background:#FFFFFF;line-height:1.5}
main{max-width:32rem;margin:3rem auto;padding:0 1.25rem}
a{color:#005EB8}
.app{font-weight:600;margin:0 0 1.5rem}
h1{font-size:2rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=text],input[type=password]{box-sizing:border-box;width:100%;font-size:1rem;padding:.5rem .75rem;
border:1px solid #4C6272;border-radius:.5rem}
input:focus,button:focus,a:focus{outline:3px solid #FFB81C;outline-offset:2px}
a.button{display:inline-block;text-decoration:none}
button,a.button{margin-top:1.5rem;font-size:1rem;font-weight:600;padding:.6rem 1.25rem;border:0;
border-radius:.5rem;background:#005EB8;color:#FFFFFF;cursor:pointer}
.notice{padding:.75rem 1rem;border-radius:.5rem;background:#E8F1FA}
.error{padding:.75rem 1rem;border-radius:.5rem;background:#FBE9E9;color:#8A1F11;font-weight:600}
"""


def _page(
    title: str, body: str, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · ICS Readiness</title><style>{_STYLE}</style></head>"
        f'<body><main><p class="app"><a href="{HOME}">ICS Readiness</a></p>{body}</main></body></html>'
    )
    return HTMLResponse(document, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def _sign_in_page(
    *,
    check: str,
    next_path: str,
    email: str = "",
    problem: str | None = None,
    notice: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    single_sign_on: bool = False,
    local_passwords: bool = True,
) -> HTMLResponse:
    def attr(value: str) -> str:
        return html.escape(value, quote=True)

    parts = ["<h1>Facilitator sign-in</h1>"]
    if notice:
        parts.append(f'<p class="notice" role="status">{html.escape(notice)}</p>')
    parts.append(
        "<p>Facilitators sign in to run workshops and see their results. Taking part in a workshop "
        "needs no account: use the code on the screen instead.</p>"
    )
    if problem:
        parts.append(f'<p class="error" role="alert">{html.escape(problem)}</p>')
    if single_sign_on:
        parts.append(
            f'<p><a class="button" href="{attr(sso_start_href(next_path))}">{SSO_BUTTON_LABEL}</a></p>'
        )
    if not local_passwords:
        if not single_sign_on:
            parts.append(f'<p class="error" role="alert">{html.escape(NO_SIGN_IN_MESSAGE)}</p>')
        parts.append(f'<p><a href="{HOME}">Back to the app</a> (participants need no account)</p>')
        return _page("Facilitator sign-in", "".join(parts), status=status, headers=headers)
    if single_sign_on:
        parts.append("<p>Or sign in with this app's own email and password:</p>")
    parts.append(
        f'<form method="post" action="{SIGN_IN_PATH}">'
        f'<input type="hidden" name="{CHECK_FIELD}" value="{attr(check)}">'
        f'<input type="hidden" name="next" value="{attr(next_path)}">'
        '<label for="email">Email</label>'
        f'<input id="email" name="email" type="text" inputmode="email" autocomplete="username" '
        f'autocapitalize="none" spellcheck="false" maxlength="{MAX_EMAIL_LENGTH}" required '
        f'value="{attr(without_bidi_controls(email))}"{"" if email else " autofocus"}>'
        '<label for="password">Password</label>'
        f'<input id="password" name="password" type="password" autocomplete="current-password" '
        f'maxlength="{MAX_PASSWORD_LENGTH}" required{" autofocus" if email else ""}>'
        '<button type="submit">Sign in</button></form>'
        f'<p><a href="{HOME}">Back to the app</a> (participants need no account)</p>'
    )
    return _page("Facilitator sign-in", "".join(parts), status=status, headers=headers)


# --- reading a posted form -------------------------------------------------------------------------


class _BadForm(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


async def _form(request: Request) -> dict[str, str]:
    """The posted fields, first value of each; refuses anything but a small HTML form."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != (
        "application/x-www-form-urlencoded"
    ):
        raise _BadForm(415)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise _BadForm(413)
    try:
        fields = parse_qs(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=10, strict_parsing=False
        )
    except (UnicodeDecodeError, ValueError):
        raise _BadForm(400) from None
    return {name: values[0] for name, values in fields.items()}


def _bad_form(status: int) -> HTMLResponse:
    return _page(
        "Facilitator sign-in", f'<p class="error" role="alert">{WRONG_FORM_MESSAGE}</p>', status=status
    )


def _remembered_next(request: Request) -> str:
    """Where the organisation's sign-in was asked to come back to (checked again: a cookie is
    the browser's to change)."""
    return safe_next(unquote(request.cookies.get(SSO_NEXT_COOKIE, "")))


# --- the routes ------------------------------------------------------------------------------------


class SignInRoutes:
    """The sign-in form (GET shows it, POST signs in) and the sign-out (POST)."""

    def __init__(
        self,
        engine: EngineSource,
        *,
        single_sign_on: bool | None = None,
        local_passwords: bool | None = None,
        provider: IdentityProvider | None = None,
    ) -> None:
        """The switches default to the settings (``ICS_SSO``, ``ICS_LOCAL_PASSWORDS``) now."""
        settings = current_settings()
        self._engine = engine
        self.failures = BrowserFailures()
        self.single_sign_on = settings.single_sign_on if single_sign_on is None else single_sign_on
        self.local_passwords = settings.local_passwords if local_passwords is None else local_passwords
        self._provider: IdentityProvider = provider or StreamlitSignOn()

    def routes(self) -> list[BaseRoute]:
        found: list[BaseRoute] = [
            Route(SIGN_IN_PATH, self.show_sign_in, methods=["GET"]),
            Route(SIGN_IN_PATH, self.sign_in, methods=["POST"]),
            Route(SIGN_OUT_PATH, self.sign_out, methods=["POST"]),
            Route(SSO_START_PATH, self.start_sso, methods=["GET"]),
            Route(SSO_FINISH_PATH, self.finish_sso, methods=["GET"]),
        ]
        if self.single_sign_on:
            # Ahead of Streamlit's own route at the same address (an st.App's routes come first).
            found.append(Route(OIDC_CALLBACK_PATH, self.oidc_callback, methods=["GET"]))
        return found

    def _sign_in_page(
        self,
        *,
        check: str,
        next_path: str,
        email: str = "",
        problem: str | None = None,
        notice: str | None = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """The sign-in page, with the ways in this server offers."""
        return _sign_in_page(
            check=check,
            next_path=next_path,
            email=email,
            problem=problem,
            notice=notice,
            status=status,
            headers=headers,
            single_sign_on=self.single_sign_on,
            local_passwords=self.local_passwords,
        )

    # The form check: a browser keeps one while it keeps its cookies, so two tabs of the form work.
    def _form_check(self, request: Request) -> tuple[str, bool]:
        existing = request.cookies.get(FORM_CHECK_COOKIE, "")
        if 20 <= len(existing) <= 100 and existing.isalnum():
            return existing, False
        return secrets.token_hex(32), True

    def _keep_form_check(self, response: Response, request: Request, check: str) -> None:
        response.set_cookie(
            FORM_CHECK_COOKIE,
            check,
            path=SIGN_IN_PATH,
            secure=is_https(request),
            httponly=True,
            samesite="lax",
        )

    async def show_sign_in(self, request: Request) -> Response:
        check, new = self._form_check(request)
        notice = SIGNED_OUT_NOTICE if request.query_params.get("done") == "signed-out" else None
        next_path = safe_next(request.query_params.get("next"))
        token = request.cookies.get(SESSION_COOKIE)
        if token and notice is None:
            account = await run_in_threadpool(self._who, token)
            if account is not None:
                notice = f"You are already signed in as {account}. Sign in below only to change account."
        response = self._sign_in_page(check=check, next_path=next_path, notice=notice)
        if new:
            self._keep_form_check(response, request, check)
        return response

    def _who(self, token: str) -> str | None:
        try:
            found = facilitators.session_facilitator(engine=self._engine(), token=token)
        except SQLAlchemyError:
            return None
        return None if found is None else found.email

    async def sign_in(self, request: Request) -> Response:
        try:
            form = await _form(request)
        except _BadForm as bad:
            return _bad_form(bad.status)
        cookie_check = request.cookies.get(FORM_CHECK_COOKIE, "")
        next_path = safe_next(form.get("next"))
        if not self.local_passwords:
            # Refused before anything is checked or counted: no password is read at all.
            check, _ = self._form_check(request)
            return self._sign_in_page(
                check=check, next_path=next_path, problem=PASSWORDS_OFF_MESSAGE, status=403
            )
        email = form.get("email", "")[: MAX_EMAIL_LENGTH * 2]
        if not cookie_check or not hmac.compare_digest(form.get(CHECK_FIELD, ""), cookie_check):
            # Forged from another site, or the cookie is gone: nothing is checked, and the form
            # comes back with a fresh check to try again.
            check, _ = self._form_check(request)
            response = self._sign_in_page(
                check=check, next_path=next_path, email=email, problem=EXPIRED_FORM_MESSAGE, status=403
            )
            self._keep_form_check(response, request, check)
            return response

        def again(problem: str, status: int, retry_after: float | None = None) -> Response:
            headers = {} if retry_after is None else {"Retry-After": str(max(1, round(retry_after + 0.5)))}
            return self._sign_in_page(
                check=cookie_check,
                next_path=next_path,
                email=email,
                problem=problem,
                status=status,
                headers=headers,
            )

        wait = self.failures.wait_seconds(cookie_check)
        if wait > 0:
            return again(wait_message(wait), 429, wait)
        try:
            facilitator_id = await run_in_threadpool(
                facilitators.sign_in, engine=self._engine(), email=email, password=form.get("password", "")
            )
            new = await run_in_threadpool(
                facilitators.start_session, engine=self._engine(), facilitator_id=facilitator_id
            )
            previous = request.cookies.get(SESSION_COOKIE)
            if previous:
                # Signing in again (perhaps as someone else) ends the session this browser had.
                await run_in_threadpool(facilitators.end_session, engine=self._engine(), token=previous)
        except SQLAlchemyError:
            # Busy past its timeouts, or away: words, never a traceback; not this browser's failure.
            return again(UNAVAILABLE_MESSAGE, 503, 5.0)
        except SignInRefused as refused:
            if not refused.throttled:
                self.failures.failed(cookie_check)
            # Refused unchecked (a wait, or too busy): 429; a wrong password: 400, with the wait
            # before the next try, if any, in Retry-After as well as in words.
            return again(refused.message, 429 if refused.throttled else 400, refused.retry_after_seconds)
        self.failures.succeeded(cookie_check)
        signed_in = RedirectResponse(next_path, status_code=303, headers={"Cache-Control": "no-store"})
        self._keep_session(signed_in, request, new)
        return signed_in

    async def sign_out(self, request: Request) -> Response:
        try:
            form = await _form(request)
        except _BadForm as bad:
            return _bad_form(bad.status)
        token = request.cookies.get(SESSION_COOKIE, "")
        if token:
            if not hmac.compare_digest(form.get(CHECK_FIELD, ""), sign_out_check(token)):
                return _page(
                    "Sign out", f'<p class="error" role="alert">{SIGN_OUT_UNCHECKED_MESSAGE}</p>', status=403
                )
            try:
                await run_in_threadpool(facilitators.end_session, engine=self._engine(), token=token)
            except SQLAlchemyError:
                return _page(
                    "Sign out",
                    f'<p class="error" role="alert">{html.escape(UNAVAILABLE_MESSAGE)}</p>',
                    status=503,
                )
        response = RedirectResponse(
            f"{SIGN_IN_PATH}?done=signed-out", status_code=303, headers={"Cache-Control": "no-store"}
        )
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=is_https(request), httponly=True, samesite="lax"
        )
        if self.single_sign_on:
            # Streamlit's identity (st.user) goes too, should any be left in this browser.
            self._provider.forget(response, request)
        return response

    # --- single sign-on ----------------------------------------------------------------------------

    def _sso_problem(self, request: Request, problem: str, status: int) -> HTMLResponse:
        check, new = self._form_check(request)
        response = self._sign_in_page(
            check=check,
            next_path=_remembered_next(request),
            problem=problem,
            status=status,
        )
        if new:
            self._keep_form_check(response, request, check)
        return response

    async def start_sso(self, request: Request) -> Response:
        """Remember where to come back to, then off to the provider through Streamlit's login."""
        if not self.single_sign_on:
            return _page(
                "Facilitator sign-in", f'<p class="error" role="alert">{SSO_OFF_MESSAGE}</p>', status=404
            )
        try:
            login = self._provider.login_url()
        except SignOnNotSetUp as missing:
            _log.warning("Single sign-on is on (ICS_SSO) but not set up: %s", " ".join(str(missing).split()))
            return self._sso_problem(request, SSO_NOT_SET_UP_MESSAGE, 503)
        response = RedirectResponse(login, status_code=303, headers={"Cache-Control": "no-store"})
        response.set_cookie(
            SSO_NEXT_COOKIE,
            quote(safe_next(request.query_params.get("next")), safe=""),  # a cookie value: no ; , = ? or "
            max_age=SSO_NEXT_SECONDS,
            path="/account",
            secure=is_https(request),
            httponly=True,
            samesite="lax",
        )
        return response

    async def oidc_callback(self, request: Request) -> Response:
        """Streamlit's own callback (it checks the provider's answer and stores the identity),
        then on to the finish rather than the home page."""
        response = await self._provider.callback(request)
        if response.status_code in (302, 303, 307):
            response.headers["location"] = SSO_FINISH_PATH
        return response

    async def finish_sso(self, request: Request) -> Response:
        """The identity the provider vouched for becomes the app's own signed-in session."""
        if not self.single_sign_on:
            return _page(
                "Facilitator sign-in", f'<p class="error" role="alert">{SSO_OFF_MESSAGE}</p>', status=404
            )
        claims = self._provider.identity(request)
        if claims is None:
            return self._sso_problem(request, SSO_INCOMPLETE_MESSAGE, 403)
        try:
            facilitator_id = await run_in_threadpool(
                facilitators.sign_in_with_identity, engine=self._engine(), claims=claims
            )
            new = await run_in_threadpool(
                facilitators.start_session, engine=self._engine(), facilitator_id=facilitator_id
            )
            previous = request.cookies.get(SESSION_COOKIE)
            if previous:
                await run_in_threadpool(facilitators.end_session, engine=self._engine(), token=previous)
        except SQLAlchemyError:
            # The identity stays: trying again in a few seconds needs no new round trip.
            return self._sso_problem(request, UNAVAILABLE_MESSAGE, 503)
        except SignInRefused as refused:
            response = self._sso_problem(request, refused.message, 403)
            self._provider.forget(response, request)
            return response
        signed_in = RedirectResponse(
            _remembered_next(request),
            status_code=303,
            headers={"Cache-Control": "no-store"},
        )
        self._keep_session(signed_in, request, new)
        signed_in.delete_cookie(SSO_NEXT_COOKIE, path="/account", httponly=True, samesite="lax")
        self._provider.forget(signed_in, request)
        return signed_in

    def _keep_session(self, response: Response, request: Request, new: facilitators.NewSession) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            new.token,
            max_age=new.max_age_seconds,
            path="/",
            secure=is_https(request),
            httponly=True,
            samesite="lax",
        )


# --- the database, as the server process sees it -----------------------------------------------------


@cache
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    upgrade_database(engine)
    return engine


def database_engine() -> Engine:
    """The engine for the configured database, made and upgraded once per URL in this process."""
    return _engine_for(database_url())


def routes(engine: EngineSource = database_engine) -> list[BaseRoute]:
    """The sign-in and sign-out routes (and, with ``ICS_SSO`` on, single sign-on's) for
    ``st.App(..., routes=...)``."""
    return SignInRoutes(engine).routes()
