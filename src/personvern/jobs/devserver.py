"""The web server of `personvern serve`: Django's development server, with malformed
requests answered 400 before they reach the application.

Django's server takes `Content-Length: abc` as no body, but hands the header on, and
reading the body of such a request raises deep in Django (a 500); a length past what
an index can hold fails in the server itself. Production servers (gunicorn) refuse
such requests themselves; this does the same here."""

from __future__ import annotations

import re

from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

# Digits only (int() would also take "1_000", " +3" or Arabic-Indic digits), at most 15 of them.
_CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")


def content_length_problem(values: list[str]) -> str | None:
    """Why the request's Content-Length header(s) cannot be read, or None when they can."""
    if len(values) > 1:
        return "more than one Content-Length header"
    if values and not _CONTENT_LENGTH.fullmatch(values[0].strip(" \t")):
        return "Content-Length is not a length in bytes"
    return None


class RequestHandler(WSGIRequestHandler):
    def parse_request(self) -> bool:
        if not super().parse_request():
            return False  # http.server has answered (400, 414, 505 ...)
        problem = content_length_problem(self.headers.get_all("Content-Length") or [])
        if problem:
            self.close_connection = True  # the body's end is unknown: nothing after it can be read
            self.send_error(400, problem)
            return False
        return True


class DevServer(WSGIServer):
    """Django's WSGIServer with the request handler above (runserver passes its own)."""

    def __init__(self, server_address, _handler_class=None, **kwargs):
        super().__init__(server_address, RequestHandler, **kwargs)
