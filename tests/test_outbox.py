"""Mail that is seen: a demo keeps its mail in the outbox page, and a mail the server did not
take is never recorded as sent, neither to the requester nor to staff."""

from __future__ import annotations

import socket

import pytest

from rights.helpers import LINK_RE, form_data, path_of

OUTBOX = "personvern.outbox.backend.OutboxBackend"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 5


def test_the_demo_outbox_catches_the_identity_link_and_it_works(client, org, members, login, settings):
    from personvern.outbox.models import Message
    from personvern.rights.models import Request

    settings.EMAIL_BACKEND = OUTBOX
    assert client.post(f"/p/{org.slug}/rettigheter", form_data()).status_code == 302
    assert "Vi har sendt deg en e-post" in client.get(f"/p/{org.slug}/rettigheter/kvittering").content.decode()
    mail = Message.objects.get()
    assert mail.to == form_data()["email"]
    link = path_of(LINK_RE.search(mail.body).group(0))

    staff = login(members["viewer"])
    listing = staff.get("/outbox/").content.decode()
    assert mail.subject in listing
    detail = staff.get(f"/outbox/{mail.pk}/").content.decode()
    assert link in detail

    assert client.post(link).status_code == 200
    assert Request.objects.get().is_verified


def test_the_outbox_is_not_there_where_mail_is_really_sent(org, members, login, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert login(members["owner"]).get("/outbox/").status_code == 404


def test_the_outbox_needs_a_login(client, settings):
    settings.EMAIL_BACKEND = OUTBOX
    response = client.get("/outbox/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_a_receipt_the_server_did_not_take_is_not_claimed_as_sent(client, org, smtp_down):
    from personvern.rights.models import Request

    assert client.post(f"/p/{org.slug}/rettigheter", form_data()).status_code == 302
    page = client.get(f"/p/{org.slug}/rettigheter/kvittering").content.decode()
    assert "Vi har sendt deg en e-post" not in page
    assert 'data-testid="mail-failed"' in page
    req = Request.objects.get()
    kinds = list(req.events.values_list("kind", flat=True))
    assert "verification_sent" not in kinds and "mail_failed" in kinds
    assert req.verify_nonce == "" and req.verification_sent_at is None


def test_staff_see_the_failed_mail_and_a_resend_that_fails_says_so(client, org, members, login, smtp_down, settings):
    from personvern.rights.models import Request

    client.post(f"/p/{org.slug}/rettigheter", form_data())
    req = Request.objects.get()
    staff = login(members["privacy_officer"])
    page = staff.get(f"/o/{org.slug}/requests/{req.reference}/").content.decode()
    assert 'data-testid="mail-failed"' in page

    response = staff.post(f"/o/{org.slug}/requests/{req.reference}/do/send_link/", follow=True)
    text = response.content.decode()
    assert "E-posten kunne ikke sendes" in text and "Lagret." not in text
    assert not req.events.filter(kind="verification_sent").exists()

    settings.EMAIL_BACKEND = OUTBOX  # the mail server works again: the new link goes, the warning goes away
    staff.post(f"/o/{org.slug}/requests/{req.reference}/do/send_link/")
    assert req.events.filter(kind="verification_sent").exists()
    assert 'data-testid="mail-failed"' not in staff.get(f"/o/{org.slug}/requests/{req.reference}/").content.decode()
