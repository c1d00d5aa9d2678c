"""The what-if page's HTTP server: the standard library's ``ThreadingHTTPServer``, one static
page and a few JSON endpoints over a :class:`~changjing.app.session.Session`.

Endpoints::

    GET  /                     the page (static/whatif.html)
    GET  /static/NAME          whatif.js, whatif.css, font.css (the report font, local)
    GET  /api/setup            controls, labels, baseline settings, targets
    POST /api/run              {"settings": {...}, "replications": N} -> {"job": id}
                               or {"refused": the validator's message}
    GET  /api/state?job=ID     progress (n of N) and the comparison so far
    POST /api/save             {"job": id} -> {"path": ...}   (into --out only)
    POST /api/report           {"job": id} -> {"path": ...}   (into --out only)

Safety: the server answers only requests whose ``Host`` is the address it listens on (a web
page elsewhere cannot reach it through DNS rebinding), POST bodies must be JSON (a cross-site
form cannot send that without the browser asking first), the page never names a path — the
server writes only numbered files inside the ``--out`` folder given on the command line — and
every string the page shows is inserted as text, never as HTML.
"""

from __future__ import annotations

import json
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .session import Session

STATIC = {"whatif.js": "text/javascript; charset=utf-8",
          "whatif.css": "text/css; charset=utf-8"}
MAX_BODY = 1 << 20


def static_text(name: str) -> str:
    return resources.files("changjing.app").joinpath("static", name).read_text(encoding="utf-8")


class WhatIfServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], session: Session, setup: dict[str, Any],
                 font_css: str = "", quiet: bool = True) -> None:
        import socket

        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)
        self.session = session
        self.setup = setup
        self.font_css = font_css
        self.quiet = quiet
        host, port = str(self.server_address[0]), int(self.server_address[1])
        names = {f"[{host}]" if ":" in host else host, "localhost", "127.0.0.1", "[::1]"}
        self.allowed_hosts = {f"{h}:{port}" for h in names}

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), int(self.server_address[1])
        if ":" in host:
            host = f"[{host}]"                  # an IPv6 literal in a URL
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/"


class Handler(BaseHTTPRequestHandler):
    server: WhatIfServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if not self.server.quiet:
            sys.stderr.write("whatif: " + format % args + "\n")

    # ------------------------------------------------------------ replies
    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        # the page loads nothing from anywhere but this server
        self.send_header("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; font-src 'self' data:; "
                         "style-src 'self'; script-src 'self'; connect-src 'self'")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8"),
                   "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def _host_ok(self) -> bool:
        if self.headers.get("Host", "") in self.server.allowed_hosts:
            return True
        self._error(HTTPStatus.FORBIDDEN, "unexpected Host header")
        return False

    # ------------------------------------------------------------ GET
    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if not self._host_ok():
            return
        url = urlsplit(self.path)
        path = url.path
        if path in ("/", "/index.html"):
            page = static_text("whatif.html").replace("{{lang}}", self.server.setup["lang"])
            self._send(200, page.encode("utf-8"), "text/html; charset=utf-8")
        elif path.startswith("/static/"):
            name = path.removeprefix("/static/")
            if name == "font.css":
                self._send(200, self.server.font_css.encode("utf-8"), "text/css; charset=utf-8")
            elif name in STATIC:
                self._send(200, static_text(name).encode("utf-8"), STATIC[name])
            else:
                self._error(404, "not found")
        elif path == "/api/setup":
            self._json(200, self.server.setup)
        elif path == "/api/state":
            q = parse_qs(url.query)
            try:
                job = self.server.session.job(int(q.get("job", ["0"])[0]))
            except (KeyError, ValueError):
                self._error(404, "no such job")
                return
            self._json(200, self.server.session.state(job))
        elif path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
        else:
            self._error(404, "not found")

    # ------------------------------------------------------------ POST
    def _body(self) -> dict[str, Any] | None:
        if self.headers.get_content_type() != "application/json":
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "expected application/json")
            return None
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if not 0 <= n <= MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
            return None
        try:
            data = json.loads(self.rfile.read(n).decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._error(400, f"request body is not JSON ({exc})")
            return None
        if not isinstance(data, dict):
            self._error(400, "request body: expected a JSON object")
            return None
        return data

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        from changjing.simulate.errors import ConfigError, SimulateError

        if not self._host_ok():
            return
        data = self._body()
        if data is None:
            return
        session = self.server.session
        path = urlsplit(self.path).path
        try:
            if path == "/api/run":
                reps = data.get("replications", session.exp.replications)
                try:
                    job = session.start(data.get("settings", {}), reps)
                except ConfigError as exc:
                    # a refused value is an answer, not a failed request (the browser would
                    # log a 4xx as an error): 200 with the validator's message
                    self._json(200, {"refused": str(exc)})
                    return
                self._json(200, {"job": job.id, "settings": job.settings})
                return
            if path in ("/api/save", "/api/report"):
                try:
                    job = session.job(int(data.get("job", 0)))
                except (KeyError, TypeError, ValueError):
                    self._error(404, "no such job")
                    return
                written = session.save(job) if path == "/api/save" else session.report(job)
                self._json(200, {"path": str(written), "name": written.name})
                return
            self._error(404, "not found")
        except SimulateError as exc:        # ConfigError included: the validator's message
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the page, the server goes on
            from changjing.report.errors import ReportError

            if isinstance(exc, ReportError | OSError):
                self._error(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc))
            else:
                self._error(500, f"{type(exc).__name__}: {exc}")


def serve(server: WhatIfServer) -> threading.Thread:
    """Serve in a background thread (tests); the CLI calls ``serve_forever`` itself."""
    t = threading.Thread(target=server.serve_forever, daemon=True, name="whatif-http")
    t.start()
    return t
