"""Newsletter double opt-in end to end through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from personvern.consent.models import EmailConsentEvent, NewsletterList, Subscriber

pytestmark = pytest.mark.django_db(transaction=True)

WORDING = "Ja takk, send meg nyhetsbrevet fra Alpha AS med tilbud på e-post, omtrent én gang i måneden."


@pytest.fixture
def webhook(settings):
    """A local HTTP server that receives the withdrawal webhook; tasks run immediately."""
    settings.PERSONVERN_WEBHOOK_ALLOW = ["127.0.0.1"]  # the operator allows this loopback address
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_port}/hook"
    yield server
    server.shutdown()


@pytest.fixture
def newsletter(org, webhook):
    return NewsletterList.objects.create(organisation=org, name="Alpha-nytt", wording_nb=WORDING,
                                         wording_en="Yes please, send me the Alpha newsletter.",
                                         webhook_url=webhook.url)


def unsubscribe_link(message) -> str:
    return re.fullmatch(r"<(\S+)>", re.sub(r"\s+", "", str(message["List-Unsubscribe"]))).group(1)


def subscribe(client, newsletter, email="kari@example.no", **extra):
    data = {"email": email, "consent": "yes", "version": newsletter.wording_version("nb"), "lang": "nb"}
    data.update(extra)
    return client.post(f"/c/n/{newsletter.key}/", data)


def test_subscribe_confirm_and_unsubscribe_through_real_mail(client, newsletter, mailbox, webhook, members, login):
    form = client.get(f"/c/n/{newsletter.key}/")
    assert form.status_code == 200
    html = form.content.decode()
    assert WORDING in html
    assert 'type="checkbox"' in html and "checked" not in html  # never pre-ticked

    response = subscribe(client, newsletter)
    assert response.status_code == 200
    assert "Sjekk e-posten din" in response.content.decode()

    [message] = mailbox.wait_for(1)
    assert message["To"] == "kari@example.no"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = unsubscribe_link(message)
    text, _ = mailbox.bodies()
    assert WORDING in text
    confirm_url = re.search(r"http://\S+/c/n/confirm/\S+", text).group(0)
    path = confirm_url.split("testserver", 1)[-1]

    # a mail scanner that follows the link confirms nothing
    assert client.get(path).status_code == 200
    assert Subscriber.objects.get().status == "pending"
    confirmed = client.post(path)
    assert confirmed.status_code == 200 and "Du er nå påmeldt" in confirmed.content.decode()
    assert client.post(path).status_code == 404  # single use

    unsub_path = unsubscribe_url.split("testserver", 1)[-1]
    page = client.get(unsub_path)
    assert "kari@example.no" in page.content.decode()
    assert Subscriber.objects.get().status == "confirmed"  # opening the page withdraws nothing
    # RFC 8058: the mail client POSTs exactly this form body, without cookies
    one_click = client.post(unsub_path, data="List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded")
    assert one_click.status_code == 200
    assert Subscriber.objects.get().status == "withdrawn"

    events = list(EmailConsentEvent.objects.order_by("at", "id"))
    assert [e.kind for e in events] == ["requested", "confirmed", "withdrawn"]
    assert [e.method for e in events] == ["form", "link", "one_click"]
    assert {e.wording for e in events} == {WORDING}
    assert {e.wording_version for e in events} == {newsletter.wording_version("nb")}
    assert all(e.ip == "127.0.0.0" for e in events)

    kinds = [json.loads(body)["event"] for _, body in webhook.received]
    assert kinds == ["subscriber.confirmed", "subscriber.withdrawn"]
    headers, body = webhook.received[-1]
    from personvern.consent.tasks import sign

    assert headers["X-Personvern-Signature"] == sign(newsletter.webhook_secret, body)

    staff = login(members["privacy_officer"])
    csv = staff.get(f"/o/{newsletter.organisation.slug}/consent/newsletters/{newsletter.pk}/ledger.csv")
    rows = b"".join(csv.streaming_content).decode().splitlines()
    assert len(rows) == 4 and "withdrawn" in rows[-1]
    subs = staff.get(f"/o/{newsletter.organisation.slug}/consent/newsletters/{newsletter.pk}/subscribers.csv")
    content = b"".join(subs.streaming_content).decode()
    assert "kari@example.no,withdrawn" in content and "/c/n/u/" in content
    import csv as csv_module

    [row] = list(csv_module.DictReader(content.lstrip("\ufeff").splitlines()))
    assert row["list_unsubscribe"] == f"<{row['unsubscribe_url']}>"  # ready for the mailing tool's headers
    assert row["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    from personvern.consent.services import subscriber_from_token

    assert subscriber_from_token(row["unsubscribe_url"].rsplit("/", 1)[-1]) == Subscriber.objects.get()


def test_it_requires_the_unticked_box_and_the_current_wording(client, newsletter, mailbox):
    assert subscribe(client, newsletter, consent="").status_code == 400
    assert subscribe(client, newsletter, version="0" * 16).status_code == 400
    assert subscribe(client, newsletter, email="not-an-address").status_code == 400
    assert not Subscriber.objects.exists() and mailbox.messages == []


def test_the_honeypot_sends_nothing(client, newsletter, mailbox):
    assert subscribe(client, newsletter, website="http://spam.example").status_code == 200
    assert not Subscriber.objects.exists()


def test_a_tampered_unsubscribe_link_is_refused(client, newsletter, mailbox):
    subscribe(client, newsletter)
    mailbox.wait_for(1)
    url = unsubscribe_link(mailbox.messages[0])
    path = url.split("testserver", 1)[-1]
    assert client.post(path[:-2] + "xx").status_code == 404
    assert Subscriber.objects.get().status == "pending"


def test_english_subscription_gets_english_mail(client, newsletter, mailbox):
    data = {"email": "ola@example.com", "consent": "yes", "version": newsletter.wording_version("en"), "lang": "en"}
    assert client.post(f"/c/n/{newsletter.key}/", data).status_code == 200
    mailbox.wait_for(1)
    assert mailbox.messages[0]["Subject"].startswith("Confirm your subscription")
    assert EmailConsentEvent.objects.get().wording == "Yes please, send me the Alpha newsletter."


def test_the_form_may_be_framed_by_registered_sites_only(client, newsletter, consent_register):
    response = client.get(f"/c/n/{newsletter.key}/")
    assert "X-Frame-Options" not in response
    frame_ancestors = response["Content-Security-Policy"].split("frame-ancestors ", 1)[1].split(";")[0].split()
    assert frame_ancestors[0] == "'self'" and "https://alpha.example" in frame_ancestors


def test_the_webhook_refuses_private_addresses_by_default(org):
    from personvern.consent import tasks

    newsletter = NewsletterList.objects.create(organisation=org, name="x", wording_nb=WORDING,
                                               webhook_url="http://127.0.0.1:9/hook")
    subscriber = Subscriber.objects.create(newsletter=newsletter, email="a@example.no", status="withdrawn")
    assert tasks.send_webhook.call(subscriber_id=subscriber.pk, kind="withdrawn") == "refused: loopback address"


def test_a_confirmation_link_expires_and_unconfirmed_addresses_are_deleted(client, newsletter, mailbox):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from personvern.consent.jobs import prune_consent_ledger

    subscribe(client, newsletter)
    mailbox.wait_for(1)
    text, _ = mailbox.bodies()
    path = re.search(r"http://\S+/c/n/confirm/\S+", text).group(0).split("testserver", 1)[-1]
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert client.post(path).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert "1 unconfirmed subscriptions" in prune_consent_ledger()
    assert not Subscriber.objects.exists() and not EmailConsentEvent.objects.exists()


def test_the_confirmation_mail_waits_for_the_worker(client, org, mailbox, settings):
    from personvern.consent.tasks import send_confirmation_mail

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    newsletter = NewsletterList.objects.create(organisation=org, name="Alpha-nytt", wording_nb=WORDING)
    assert subscribe(client, newsletter).status_code == 200
    assert mailbox.messages == []  # the request did not talk to the mail server
    subscriber = Subscriber.objects.get()
    assert send_confirmation_mail.call(subscriber_id=subscriber.pk, base_url="https://pv.example") == "sent"
    mailbox.wait_for(1)
    assert "https://pv.example/c/n/confirm/" in mailbox.bodies()[0]


def test_the_preferences_page_button_withdraws_once(client, newsletter, mailbox, webhook):
    subscribe(client, newsletter)
    mailbox.wait_for(1)
    path = unsubscribe_link(mailbox.messages[0]).split("testserver", 1)[-1]
    page = client.get(path).content.decode()
    assert "Meld meg av" in page and '<form method="post">' in page
    done = client.post(path)  # the button: an ordinary form post
    assert done.status_code == 200 and "Du er meldt av" in done.content.decode()
    client.post(path)  # again: nothing more to withdraw
    assert [(e.kind, e.method) for e in EmailConsentEvent.objects.order_by("at", "id")] == [
        ("requested", "form"), ("withdrawn", "link")]
    assert [json.loads(body)["event"] for _, body in webhook.received] == ["subscriber.withdrawn"]
