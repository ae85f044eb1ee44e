"""What `make run` serves: the Streamlit app (app.py) and, beside it on the same server, the
facilitator's sign-in and sign-out routes (assessment/web_session.py) and the route with which a
participant's device remembers its resume link (assessment/web_device.py).

`streamlit run server.py` finds the ``st.App`` below and serves it with uvicorn, Streamlit's own
server since 1.67; the routes are plain Starlette routes, because setting an HttpOnly
cookie needs an HTTP response, which a Streamlit page cannot give.

As the server starts (the app's lifespan), the PDF's chart browser is started in the background,
and the typesetter is loaded with its fonts, so the first PDF after a start does not wait for them
(``ICS_CHART_WARMUP=off`` switches this off). The app's own log lines go to the server's output.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

from assessment import web_device, web_session
from assessment.chart_export import warm_up_in_background


def _show_the_apps_log() -> None:
    """Send the app's log lines (``assessment.*``, from INFO) to the server's output, once."""
    logger = logging.getLogger("assessment")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _prepare_typesetting() -> None:
    """What the first PDF pays for besides the browser: the typesetter's import and its fonts."""
    from assessment.report import prepare_typesetter

    prepare_typesetter()


@asynccontextmanager
async def _lifespan(_app: st.App) -> AsyncIterator[None]:
    _show_the_apps_log()
    warm_up_in_background(also=_prepare_typesetting)  # returns at once: the server starts meanwhile
    yield


app = st.App("app.py", routes=[*web_session.routes(), *web_device.routes()], lifespan=_lifespan)
