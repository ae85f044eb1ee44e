"""A browser, as far as the sign-in routes need one: requests straight into an ASGI app and a cookie
jar that honours Path and Max-Age. Test helper, not product code (Starlette's TestClient needs
httpx, which the project does not install)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.types import ASGIApp


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    text: str

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name.lower()), None)

    @property
    def set_cookies(self) -> dict[str, str]:
        """Each Set-Cookie header by cookie name, as sent (value and attributes)."""
        found = {}
        for key, value in self.headers:
            if key == "set-cookie":
                found[value.split("=", 1)[0]] = value
        return found


@dataclass
class Browser:
    app: ASGIApp
    scheme: str = "http"
    extra_headers: dict[str, str] = field(default_factory=dict)
    jar: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (value, path)

    def cookie(self, name: str) -> str | None:
        kept = self.jar.get(name)
        return None if kept is None else kept[0]

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str], *, content_type: str | None = None) -> Reply:
        body = urlencode(form).encode()
        return self.request(
            "POST", path, body, content_type=content_type or "application/x-www-form-urlencoded"
        )

    def request(
        self, method: str, target: str, body: bytes = b"", *, content_type: str | None = None
    ) -> Reply:
        parts = urlsplit(target)
        headers = [(b"host", b"ics.example")]
        cookies = "; ".join(
            f"{name}={value}" for name, (value, path) in self.jar.items() if parts.path.startswith(path)
        )
        if cookies:
            headers.append((b"cookie", cookies.encode()))
        if content_type:
            headers.append((b"content-type", content_type.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        headers += [(k.lower().encode(), v.encode()) for k, v in self.extra_headers.items()]
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": self.scheme,
            "path": parts.path,
            "raw_path": parts.path.encode(),
            "query_string": parts.query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("ics.example", 443 if self.scheme == "https" else 80),
        }
        # In a thread of its own: under the whole suite, Playwright's sync API keeps an event loop
        # running in this thread, and asyncio.run refuses to start a second one there.
        with ThreadPoolExecutor(max_workers=1) as worker:
            reply = worker.submit(asyncio.run, self._call(scope, body)).result()
        self._keep(reply)
        return reply

    async def _call(self, scope: dict[str, Any], body: bytes) -> Reply:
        sent = False
        status = 0
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend((k.decode().lower(), v.decode()) for k, v in message["headers"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return Reply(status, headers, b"".join(chunks).decode())

    def _keep(self, reply: Reply) -> None:
        for raw in reply.set_cookies.values():
            parsed = SimpleCookie()
            parsed.load(raw)
            for name, morsel in parsed.items():
                if morsel["max-age"] in ("0", 0) or not morsel.value.strip('"'):
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = (morsel.value, morsel["path"] or "/")
