"""`personvern serve`'s web server answers malformed HTTP with a 400, never a 500."""

from __future__ import annotations

import socket
import socketserver
import threading

import pytest
from personvern.jobs.devserver import DevServer, content_length_problem
from personvern.jobs.management.commands.serve import Command as Serve
from personvern.wsgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(live_server):  # live_server: the test database, shared with the server's threads
    cls = type("Server", (socketserver.ThreadingMixIn, DevServer), {"daemon_threads": True})  # as runserver makes it
    httpd = cls(("127.0.0.1", 0))
    httpd.set_app(application)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def send(port: int, head: bytes, body: bytes = b"a=b") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                  b"Cookie: csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF\r\n\r\n" + body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


@pytest.mark.parametrize("length", [b"abc", b"1e3", b"3, 3", b"-5", "\u0663".encode(), b"99999999999999999999"])
@pytest.mark.parametrize("path, content_type", [
    (b"/accounts/login/", b"application/x-www-form-urlencoded"),  # CSRF reads the form: a 500 before
    (b"/api/consent", b"text/plain"),
    (b"/accounts/login/", b"multipart/form-data; boundary=xx"),
])
def test_a_malformed_content_length_is_a_400(server, path, content_type, length):
    status = send(server, b"POST " + path + b" HTTP/1.1\r\nContent-Type: " + content_type + b"\r\nContent-Length: " + length)
    assert status.startswith(b"HTTP/1.") and b" 400 " in status, status


def test_two_content_lengths_are_a_400(server):
    status = send(server, b"POST /accounts/login/ HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded"
                          b"\r\nContent-Length: 3\r\nContent-Length: 5")
    assert b" 400 " in status


def test_a_good_request_still_reaches_the_application(server):
    assert b" 200 " in send(server, b"GET /accounts/login/ HTTP/1.1")
    status = send(server, b"POST /accounts/login/ HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded"
                          b"\r\nContent-Length: 3")
    assert b" 403 " in status  # CSRF refuses the made-up token: the body was read, no 500


def test_serve_uses_this_server():
    assert Serve.server_cls is DevServer
    assert content_length_problem([" 12 "]) is None and content_length_problem([]) is None
