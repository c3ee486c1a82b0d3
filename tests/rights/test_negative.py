"""What must not work: forged, expired and reused links; another organisation's reference;
oversized, malformed and bot-filled forms; anything disclosed before the identity is verified."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing

from personvern.rights import services
from personvern.rights.models import ExportPackage, Request, State
from rights.helpers import form_data

OSLO = ZoneInfo("Europe/Oslo")


# Tokens ------------------------------------------------------------------------------------


def test_it_rejects_a_forged_token(client, org, submit):
    req, link = submit(org)
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert client.get(forged).status_code == 404
    assert client.post(forged).status_code == 404
    # A well-formed token signed with another key is forged too.
    other = signing.dumps([req.pk, "nonce"], key="not-our-secret", salt=services.VERIFY_SALT, compress=True)
    assert client.post(f"/p/{org.slug}/rettigheter/bekreft/{other}").status_code == 404
    req.refresh_from_db()
    assert not req.is_verified and not req.tasks.exists()


def test_it_rejects_a_token_with_a_guessed_nonce(client, org, submit):
    req, _link = submit(org)
    guessed = signing.dumps([req.pk, "guess"], salt=services.VERIFY_SALT, compress=True)
    response = client.post(f"/p/{org.slug}/rettigheter/bekreft/{guessed}")
    assert response.status_code == 410  # signed by us but not the live link: treated as used up
    req.refresh_from_db()
    assert not req.is_verified


def test_it_rejects_an_expired_token(client, org, submit):
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, 0, tzinfo=OSLO), tick=True):
        req, link = submit(org)
    with time_machine.travel(dt.datetime(2026, 3, 12, 10, 1, tzinfo=OSLO), tick=True):  # 72 h + 1 min
        response = client.post(link)
    assert response.status_code == 410 and "utløpt" in response.content.decode()
    req.refresh_from_db()
    assert not req.is_verified


def test_it_rejects_a_reused_token(client, org, submit):
    req, link = submit(org)
    assert client.post(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 410 and "allerede brukt" in response.content.decode()
    assert client.get(link).status_code == 410


def test_a_new_link_makes_the_old_one_useless(client, org, submit, mailbox):
    req, old = submit(org)
    services.request_send_verification(req=req)
    assert client.post(old).status_code == 410


def test_it_rejects_another_organisations_token(client, org, other_org, submit):
    req, link = submit(other_org)
    assert client.post(link.replace(f"/p/{other_org.slug}/", f"/p/{org.slug}/")).status_code == 404
    req.refresh_from_db()
    assert not req.is_verified


def test_staff_get_404_for_another_organisations_reference(client, members, org, other_org, login, submit):
    theirs, _ = submit(other_org)
    staff = login(members["privacy_officer"])
    assert staff.get(f"/o/{org.slug}/requests/{theirs.reference}/").status_code == 404
    assert staff.post(f"/o/{org.slug}/requests/{theirs.reference}/do/complete/").status_code == 404
    assert staff.post(f"/o/{org.slug}/requests/{theirs.reference}/do/verify_manual/",
                      {"note": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_verified


def test_outsiders_and_lower_roles_cannot_open_the_inbox(client, members, org, login, submit):
    req, _ = submit(org)
    for who, status in (("outsider", 404), ("viewer", 403), ("editor", 403)):
        c = login(members[who])
        assert c.get(f"/o/{org.slug}/requests/").status_code == status
        assert c.get(f"/o/{org.slug}/requests/{req.reference}/").status_code == status
        assert c.post(f"/o/{org.slug}/requests/{req.reference}/do/complete/").status_code == status
    client.logout()
    assert client.get(f"/o/{org.slug}/requests/").status_code == 302


def test_the_receipt_needs_the_session_that_sent_the_form(client, org, other_org, submit):
    submit(org)
    assert client.get(f"/p/{other_org.slug}/rettigheter/kvittering").status_code == 404
    client.cookies.clear()
    assert client.get(f"/p/{org.slug}/rettigheter/kvittering").status_code == 404


# The form ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "not-an-address"},
        {"type": "delete_everything"},
        {"name": ""},
        {"message": "x" * 5001},
        {"name": "a" * 201},
        {"name": "Kari\x00Nordmann"},
    ],
)
def test_it_rejects_a_malformed_form(client, org, overrides, mailbox):
    response = client.post(f"/p/{org.slug}/rettigheter", form_data(**overrides), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 400
    assert not Request.objects.exists() and not mailbox.messages


def test_it_rejects_an_oversized_form(client, org, mailbox):
    response = client.post(f"/p/{org.slug}/rettigheter", form_data(message="x" * 20_000))
    assert response.status_code == 413
    assert not Request.objects.exists()


def test_it_rejects_a_form_for_an_unknown_organisation(client, db):
    assert client.get("/p/nobody/rettigheter").status_code == 404
    assert client.post("/p/nobody/rettigheter", form_data()).status_code == 404


def test_the_honeypot_stores_and_sends_nothing_but_looks_fine(client, org, mailbox):
    response = client.post(f"/p/{org.slug}/rettigheter", form_data(website="http://spam.example"))
    assert response.status_code == 302
    receipt = client.get(response["Location"])
    assert receipt.status_code == 200 and "PV-" in receipt.content.decode()
    assert not Request.objects.exists() and not mailbox.messages


def test_it_limits_the_rate_per_ip_address(client, org, mailbox):
    codes = [
        client.post(f"/p/{org.slug}/rettigheter", form_data(email=f"p{i}@example.org"), REMOTE_ADDR="192.0.2.1")
        .status_code
        for i in range(6)
    ]
    assert codes == [302] * 5 + [429]
    assert Request.objects.count() == 5


def test_it_limits_the_rate_per_address(client, org, mailbox):
    codes = [
        client.post(f"/p/{org.slug}/rettigheter", form_data(), REMOTE_ADDR=f"192.0.2.{i + 10}").status_code
        for i in range(4)
    ]
    assert codes == [302] * 3 + [429]


def test_the_form_works_in_english(client, org, mailbox):
    page = client.get(f"/p/{org.slug}/rights")
    assert page.status_code == 200 and 'lang="en"' in page.content.decode()
    response = client.post(f"/p/{org.slug}/rights", form_data(type="erasure"))
    assert response["Location"] == f"/p/{org.slug}/rights/receipt"
    mailbox.wait_for(1)
    text, _ = mailbox.bodies(0)
    assert "We have received your request for erasure" in text and "/rights/verify/" in text
    assert Request.objects.get().language == "en"


# Nothing before verification ----------------------------------------------------------------


def test_an_unverified_requester_never_sees_data(client, members, org, saved_register, login, submit):
    req, link = submit(org)
    assert req.state == State.AWAITING_VERIFICATION and not req.tasks.exists()
    page = client.get(link)  # the confirmation page shows the reference, not the request
    for secret in ("Kari", "kari@example.org", "K-1001"):
        assert secret not in page.content.decode()
    with pytest.raises(services.RightsError):
        services.request_complete(req=req, user=members["privacy_officer"])
    staff = login(members["privacy_officer"])
    staff.post(f"/o/{org.slug}/requests/{req.reference}/do/complete/")
    req.refresh_from_db()
    assert req.state == State.AWAITING_VERIFICATION and not req.packages.exists()
    # Even a package built behind the workflow's back cannot be downloaded.
    _package, token = services.package_issue(req=req)
    url = f"/p/{org.slug}/rettigheter/last-ned/{token}"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert ExportPackage.objects.get(request=req).downloaded_at is None


def test_tasks_cannot_be_closed_before_verification(members, org, saved_register):
    req = services.request_submit(org=org, type="erasure", name="Ola", channel="letter",
                                  received_at=dt.datetime(2026, 3, 2, 9, tzinfo=OSLO), send_link=False)
    assert req.due_on == dt.date(2026, 4, 7)  # 2 April is Maundy Thursday
    services.tasks_create(req=req)
    task = req.tasks.first()
    with pytest.raises(services.RightsError):
        services.task_complete(task=task, user=members["privacy_officer"], note="x", evidence="y")


def test_a_download_link_expires_and_the_file_is_deleted(client, org, members, saved_register, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    req = services.request_submit(org=org, type="access", name="Ola", channel="phone", send_link=False)
    services.request_verify_manually(req=req, note="Ringte tilbake på kjent nummer", user=members["privacy_officer"])
    package, token = services.package_issue(req=req)
    path = tmp_path / package.path
    assert path.exists() and b"PK" not in path.read_bytes()[:10]  # encrypted at rest
    from personvern.rights.jobs import rights_expire_exports

    with time_machine.travel(dt.datetime.now(tz=OSLO) + dt.timedelta(days=15)):
        assert client.post(f"/p/{org.slug}/rettigheter/last-ned/{token}").status_code == 410
        assert "deleted 1" in rights_expire_exports()
    assert not path.exists()
    package.refresh_from_db()
    assert package.deleted_at is not None


# The law's conditions ------------------------------------------------------------------------


def _verified(org, members, **kw):
    req = services.request_submit(org=org, type=kw.pop("type", "access"), name="Ola", email="ola@example.org",
                                  channel="email", send_link=False, **kw)
    return services.request_verify_manually(req=req, note="Kjent kunde, svarte fra registrert adresse",
                                            user=members["privacy_officer"])


def test_it_refuses_an_extension_after_the_first_month(members, org, mailbox):
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, tzinfo=OSLO), tick=True):
        req = _verified(org, members)
    with time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=OSLO), tick=True):
        with pytest.raises(services.RightsError, match="09.04.2026"):
            services.request_extend(req=req, user=members["privacy_officer"], reasons="Komplisert")
    req.refresh_from_db()
    assert req.state != State.EXTENDED and req.due_on == dt.date(2026, 4, 9)


def test_it_refuses_an_extension_without_reasons_or_twice(members, org, mailbox):
    req = _verified(org, members)
    with pytest.raises(services.RightsError):
        services.request_extend(req=req, user=members["privacy_officer"], reasons=" ")
    services.request_extend(req=req, user=members["privacy_officer"], reasons="Mange systemer", months=1)
    with pytest.raises(services.RightsError):
        services.request_extend(req=req, user=members["privacy_officer"], reasons="Enda flere")


def test_a_refusal_gives_reasons_and_the_complaint_routes(members, org, mailbox):
    req = _verified(org, members)
    with pytest.raises(services.RightsError):
        services.request_refuse(req=req, user=members["privacy_officer"], ground="other", reasons="")
    with pytest.raises(services.RightsError):  # Art. 12(5): the controller must show it
        services.request_refuse(req=req, user=members["privacy_officer"], ground="excessive", reasons="Gjentatt")
    services.request_refuse(req=req, user=members["privacy_officer"], ground="excessive", reasons="Gjentatt",
                            excessive_justification="Fjerde like krav på to uker: PV-1, PV-2, PV-3")
    mailbox.wait_for(1)
    text, _ = mailbox.bodies(-1)
    assert "Gjentatt" in text and "Postboks 458 Sentrum, 0105 Oslo" in text and "domstolene" in text
    req.refresh_from_db()
    assert req.state == State.REFUSED and req.answered_on_time


def test_a_fee_needs_a_justification(members, org):
    req = _verified(org, members)
    with pytest.raises(services.RightsError):
        services.request_charge_fee(req=req, user=members["privacy_officer"], fee_nok=200, ground="excessive",
                                    justification="")


def test_a_task_done_by_hand_needs_a_note_and_evidence(members, org, saved_register):
    req = _verified(org, members)
    task = req.tasks.first()
    with pytest.raises(services.RightsError):
        services.task_complete(task=task, user=members["privacy_officer"], note="", evidence="x")
    with pytest.raises(services.RightsError):
        services.task_complete(task=task, user=members["privacy_officer"], note="Søkt", evidence="")
    services.task_complete(task=task, user=members["privacy_officer"], note="Ingen treff", status="not_applicable")


def test_the_answer_letter_is_filled_from_the_register(members, org, saved_register):
    req = _verified(org, members, language="en")
    letter = services.answer_preview(req)
    register = saved_register.register()
    activity = register.activities[0]
    assert "Article 15" in letter.body and req.reference in letter.subject
    assert activity.name.get("en") in letter.body
    assert "Datatilsynet" in letter.body and "courts" in letter.body


def test_a_direct_marketing_objection_is_never_refused(members, org, saved_register, client, mailbox):
    response = client.post(f"/p/{org.slug}/rettigheter", form_data(type="objection", direct_marketing="on"))
    assert response.status_code == 302
    req = Request.objects.get()
    assert req.direct_marketing and req.is_verified  # it takes effect on receipt (Art. 21(3))
    with pytest.raises(services.RightsError, match="21"):
        services.request_refuse(req=req, user=members["privacy_officer"], ground="other", reasons="Vi vil fortsette")
    task = req.tasks.first()
    assert any("sperrelisten" in item["text"] for item in task.checklist)


def test_tasks_follow_what_the_right_covers(members, org, saved_register):
    """Portability covers consent and contract (Art. 20); withdrawal covers consent; access covers all."""
    from personvern.rights.services import relevant_activities

    register = saved_register.register()
    access = _verified(org, members, type="access")
    portability = _verified(org, members, type="portability")
    assert {a.id for a in relevant_activities(register, access)} == {a.id for a in register.activities}
    chosen = relevant_activities(register, portability)
    bases = [{str(b.basis) for b in a.legal_bases} for a in chosen]
    if any(b & {"a", "b"} for b in ({str(x.basis) for x in a.legal_bases} for a in register.activities)):
        assert all(b & {"a", "b"} for b in bases)
    systems = {s for a in chosen for s in a.systems}
    assert {t.system_id for t in portability.tasks.all()} == systems


def test_tasks_can_be_created_once_the_register_exists(members, org, login, client):
    from personvern.core.manifest import load_register
    from personvern.registry.services import register_save
    from conftest import EXAMPLES

    req = _verified(org, members)
    assert not req.tasks.exists()
    register_save(org=org, register=load_register(EXAMPLES / "bagges.yaml"), message="later")
    staff = login(members["privacy_officer"])
    assert staff.post(f"/o/{org.slug}/requests/{req.reference}/do/tasks/").status_code == 302
    assert req.tasks.count() > 0
