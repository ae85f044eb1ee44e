"""A participant's device remembers the resume link it joined with, so that joining again on the
same phone offers "Continue where you left off" instead of making a second participant.

Why a cookie set by a route: the join page must know, when it is opened again (a new tab, the QR
scanned twice, the browser restarted), which participant this device already is. Streamlit reads
cookies (``st.context.cookies``) but cannot set one, so the answer page asks this route, with an
invisible image, to set it: ``ics_resume_<join code>`` holding the resume token, HttpOnly (no
script reads it), SameSite=Lax, Secure over HTTPS, kept 30 days. One cookie per workshop, so a
device in two workshops keeps both. The token is the same secret the resume link already carries
in the address; only a token that names a participant is ever stored.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from assessment.services.participants import token_workshop
from assessment.web_session import EngineSource, database_engine, is_https

REMEMBER_PATH = "/answer/remember"
COOKIE_PREFIX = "ics_resume_"
KEEP_SECONDS = 30 * 24 * 3600
# A resume token is 32 URL-safe characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 64


def cookie_name(join_code: str) -> str:
    return f"{COOKIE_PREFIX}{join_code}"


class DeviceRoutes:
    def __init__(self, engine: EngineSource) -> None:
        self._engine = engine

    def routes(self) -> list[BaseRoute]:
        return [Route(REMEMBER_PATH, self.remember, methods=["GET"])]

    async def remember(self, request: Request) -> Response:
        """Keep the token on this device (204), or refuse one that names nobody (404): never a page."""
        token = request.query_params.get("token", "")
        headers = {"Cache-Control": "no-store"}
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return Response(status_code=404, headers=headers)
        join_code = await run_in_threadpool(lambda: token_workshop(engine=self._engine(), token=token))
        if join_code is None:
            return Response(status_code=404, headers=headers)
        response = Response(status_code=204, headers=headers)
        response.set_cookie(
            cookie_name(join_code),
            token,
            max_age=KEEP_SECONDS,
            path="/",
            secure=is_https(request),
            httponly=True,
            samesite="lax",
        )
        return response


def routes(engine: EngineSource = database_engine) -> list[BaseRoute]:
    """The device's remember route for ``st.App(..., routes=...)``."""
    return DeviceRoutes(engine).routes()
