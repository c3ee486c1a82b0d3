from datetime import timedelta

import time_machine
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from personvern.accounts.models import Membership, Role
from personvern.audit.models import AuditEvent


def test_passwords_are_hashed_with_argon2(members):
    assert members["editor"].password.startswith("argon2")


def test_it_logs_in_with_email_or_username(client, members):
    response = client.post("/accounts/login/", {"username": "editor@example.no", "password": PASSWORD})
    assert response.status_code == 302
    client.logout()
    response = client.post("/accounts/login/", {"username": "editor", "password": PASSWORD})
    assert response.status_code == 302


def test_it_refuses_a_wrong_password_and_audits_it(client, members):
    response = client.post("/accounts/login/", {"username": "editor", "password": "wrong"})
    assert response.status_code == 400
    assert "Feil brukernavn eller passord" in response.content.decode()
    assert AuditEvent.objects.filter(action="login.failed").get().data == {"user_id": members["editor"].pk}


def test_a_failed_login_keeps_no_typed_text_in_the_audit_trail(client, members):
    client.post("/accounts/login/", {"username": "hunter2-my-password", "password": "x"})
    event = AuditEvent.objects.get(action="login.failed")
    assert event.data == {"known_user": False} and "hunter2" not in str(event.data)


def test_login_is_rate_limited_per_user(client, members):
    for _ in range(10):
        client.post("/accounts/login/", {"username": "editor", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "editor", "password": PASSWORD})
    assert response.status_code == 400
    assert "For mange innloggingsforsøk" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_is_rate_limited_per_ip(client, members, make_user):
    for i in range(20):
        client.post("/accounts/login/", {"username": f"nobody{i}", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD})
    assert "For mange innloggingsforsøk" in response.content.decode()


def test_an_owner_must_set_up_two_factor_before_using_org_pages(client, members, saved_register):
    client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    response = client.get("/o/alpha/register/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")


def test_a_viewer_is_not_forced_into_two_factor(client, members, saved_register):
    client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD})
    assert client.get("/o/alpha/register/").status_code == 200


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_totp_setup_then_login_asks_for_the_code(client, members, saved_register):
    owner = members["owner"]
    client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    page = client.get("/accounts/two-factor/")
    assert b"<svg" in page.content  # the QR code to scan
    device = TOTPDevice.objects.get(user=owner)
    assert client.post("/accounts/two-factor/", {"token": "000000"}).status_code == 200  # wrong code: asked again
    # django-otp throttles after a failure; a correct code a little later works
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=True):
        response = client.post("/accounts/two-factor/", {"token": _code(device), "next": "/o/alpha/register/"})
    assert response.status_code == 302
    assert client.get("/o/alpha/register/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    assert response["Location"].startswith("/accounts/two-factor/")
    assert client.get("/o/alpha/register/").status_code == 302  # not verified yet in this session


def test_org_list_shows_only_own_organisations(client, members, login):
    login(members["outsider"])
    body = client.get("/accounts/orgs/").content.decode()
    assert "Beta AS" in body and "Alpha AS" not in body


def test_a_member_without_the_capability_gets_403(members):
    viewer = Membership.objects.get(user=members["viewer"])
    officer = Membership.objects.get(user=members["privacy_officer"])
    assert viewer.can("view") and not viewer.can("edit_register")
    assert officer.can("handle_requests") and not officer.can("manage_members")
    assert Membership.objects.get(user=members["owner"]).role == Role.OWNER


def test_any_user_can_turn_on_two_factor_from_the_organisation_list(client, members):
    viewer = members["viewer"]
    client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD})
    page = client.get("/accounts/orgs/").content.decode()
    assert "Tofaktorautentisering er ikke slått på" in page and 'href="/accounts/two-factor/"' in page
    assert b"<svg" in client.get("/accounts/two-factor/").content
    device = TOTPDevice.objects.get(user=viewer, confirmed=False)
    assert client.post("/accounts/two-factor/", {"token": _code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert "Tofaktorautentisering er slått på for kontoen din." in client.get("/accounts/orgs/").content.decode()

    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD})
    assert response["Location"].startswith("/accounts/two-factor/")  # from now on the code is asked for


def test_behind_a_trusted_proxy_each_client_has_its_own_login_limit(client, members, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    via_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for i in range(20):  # one client behind the proxy uses up its bucket
        client.post("/accounts/login/", {"username": f"nobody{i}", "password": "wrong"},
                    HTTP_X_FORWARDED_FOR="198.51.100.7", **via_proxy)
    blocked = client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD},
                          HTTP_X_FORWARDED_FOR="198.51.100.7", **via_proxy)
    assert "For mange innloggingsforsøk" in blocked.content.decode()
    other = client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD},
                        HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.2", **via_proxy)
    assert other.status_code == 302  # another client through the same proxy is not blocked
    assert AuditEvent.objects.filter(action="login.succeeded").latest("seq").ip == "203.0.113.5"


def test_x_forwarded_for_is_not_believed_from_an_untrusted_address(client, members, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    for i in range(20):
        client.post("/accounts/login/", {"username": f"nobody{i}", "password": "wrong"},
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{i}", REMOTE_ADDR="198.51.100.9")
    response = client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD},
                           HTTP_X_FORWARDED_FOR="192.0.2.99", REMOTE_ADDR="198.51.100.9")
    assert "For mange innloggingsforsøk" in response.content.decode()  # a forged header does not reset the limit
    assert AuditEvent.objects.filter(action="login.throttled").latest("seq").ip == "198.51.100.9"
