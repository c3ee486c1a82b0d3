"""The newsletter webhook: allowed addresses only, no redirects, one deadline, a bounded answer.

Real HTTP servers on loopback; the operator's allowance for loopback is set in each test."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from personvern.consent.webhook import WebhookFailed, deliver

HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def serve():
    """serve(handler_method) -> (url, hits): a loopback HTTP server answering POST (and GET) with it."""
    servers = []

    def start(answer):
        hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                hits.append((self.command, self.path, self.headers.get("Host")))
                answer(self)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}", hits

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def allow_loopback(settings):
    settings.PERSONVERN_WEBHOOK_ALLOW = ["127.0.0.0/8"]  # what an operator writes for a receiver next door
    settings.PERSONVERN_WEBHOOK_TIMEOUT = 1.0
    return settings


def ok(handler):
    handler.send_response(204)
    handler.end_headers()


def test_loopback_is_refused_unless_the_operator_allows_it(serve, settings):
    url, hits = serve(ok)
    settings.PERSONVERN_WEBHOOK_ALLOW = []
    assert deliver(f"{url}/hook", b"{}", HEADERS) == "refused: loopback address"
    assert hits == []
    settings.PERSONVERN_WEBHOOK_ALLOW = ["127.0.0.1"]
    assert deliver(f"{url}/hook", b"{}", HEADERS) == "HTTP 204"
    assert hits == [("POST", "/hook", url.removeprefix("http://"))]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed(serve, allow_loopback, status):
    internal, internal_hits = serve(ok)  # e.g. an admin interface that only the machine itself can reach

    def redirect(handler):
        handler.send_response(status)
        handler.send_header("Location", f"{internal}/admin/delete-everything")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    url, hits = serve(redirect)
    result = deliver(f"{url}/hook", b"{}", HEADERS)
    assert result == f"refused: redirect (HTTP {status}); webhooks follow no redirects"
    assert len(hits) == 1 and internal_hits == []


def test_a_receiver_that_answers_a_byte_at_a_time_is_cut_off_at_the_deadline(serve, allow_loopback):
    def drip(handler):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(40):  # a header line every 0.1 s: 4 s in all, each byte well within a per-read timeout
            try:
                handler.wfile.write(b"X: y\r\n")
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)

    url, _ = serve(drip)
    started = time.monotonic()
    with pytest.raises(WebhookFailed):
        deliver(f"{url}/hook", b"{}", HEADERS)
    assert time.monotonic() - started < 2.5  # the 1 s deadline, not the 4 s the receiver wanted


def test_only_so_much_of_the_answer_is_read(serve, allow_loopback):
    sent = []

    def endless(handler):
        handler.send_response(200)
        handler.end_headers()  # no length: the answer runs until the connection closes
        try:
            for _ in range(10_000):  # 640 MB at most; the client stops reading long before
                handler.wfile.write(b"x" * 65536)
                sent.append(1)
        except OSError:
            pass

    allow_loopback.PERSONVERN_WEBHOOK_MAX_ANSWER = 1024
    url, _ = serve(endless)
    assert deliver(f"{url}/hook", b"{}", HEADERS) == "HTTP 200; answer cut off after 1024 bytes"


def test_an_error_answer_fails_the_task(serve, allow_loopback):
    def error(handler):
        handler.send_response(500)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    url, _ = serve(error)
    with pytest.raises(WebhookFailed, match="HTTP 500"):
        deliver(f"{url}/hook", b"{}", HEADERS)


def test_the_connection_goes_to_the_address_that_was_checked(serve, allow_loopback, monkeypatch):
    """A name that resolves to an allowed address first and elsewhere later (DNS rebinding)
    is connected at the address that was checked; the Host header keeps the name."""
    from personvern.connectors import engine

    url, hits = serve(ok)
    port = int(url.rsplit(":", 1)[1])
    answers = iter([[(2, 1, 6, "", ("127.0.0.1", port))], [(2, 1, 6, "", ("169.254.169.254", port))]])
    monkeypatch.setattr(engine, "getaddrinfo", lambda *args, **kw: next(answers))
    assert deliver(f"http://hook.test:{port}/hook", b"{}", HEADERS) == "HTTP 204"
    assert hits == [("POST", "/hook", f"hook.test:{port}")]


def test_a_name_that_resolves_to_a_private_address_is_refused_before_connecting(monkeypatch, allow_loopback):
    from personvern.connectors import engine

    monkeypatch.setattr(engine, "getaddrinfo", lambda *args, **kw: [(2, 1, 6, "", ("10.0.0.8", 80))])
    assert deliver("http://hook.test/hook", b"{}", HEADERS) == "refused: private address"


def test_a_mistyped_allowance_is_a_system_check_error_at_start_up(settings):
    from personvern.consent.apps import webhook_allow_check

    settings.PERSONVERN_WEBHOOK_ALLOW = ["10.20.0.0/16"]
    assert webhook_allow_check() == []
    settings.PERSONVERN_WEBHOOK_ALLOW = ["10.20.0.0/16", "mailtool.internal"]
    [error] = webhook_allow_check()
    assert error.id == "personvern.E910" and "mailtool.internal" in error.msg
