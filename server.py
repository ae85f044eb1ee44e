"""What `make run` serves: the Streamlit app (app.py) and, beside it on the same server, the
facilitator's sign-in and sign-out routes (assessment/web_session.py) and the route with which a
participant's device remembers its resume link (assessment/web_device.py).

`streamlit run server.py` finds the ``st.App`` below and serves it with uvicorn, Streamlit's own
server since 1.67; the routes are plain Starlette routes, because setting an HttpOnly
cookie needs an HTTP response, which a Streamlit page cannot give.
"""

import streamlit as st

from assessment import web_device, web_session

app = st.App("app.py", routes=[*web_session.routes(), *web_device.routes()])
