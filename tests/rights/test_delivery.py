"""What the app records must be what happened: a letter the mail server did not take is not an
answer, a refusal is late after the first month (Art. 12(4)), every change of state is in the audit
trail, and the copies of the person's data do not outlive the download link."""

from __future__ import annotations

import datetime as dt
import socket
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from personvern.audit.models import AuditEvent
from personvern.rights import services
from personvern.rights.jobs import send_reminders
from personvern.rights.models import ExportPackage, ExportRows, Reminder, State
from rights.helpers import DOWNLOAD_RE, path_of, verified

OSLO = ZoneInfo("Europe/Oslo")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


def closed_port() -> int:
    """A local port nothing listens on: the SMTP server is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_down(settings, mailbox):
    live = settings.EMAIL_PORT
    settings.EMAIL_PORT = closed_port()
    yield lambda: setattr(settings, "EMAIL_PORT", live)


def _close_tasks(req, user):
    for task in req.tasks.all():
        services.task_complete(task=task, user=user, note="Søkt", evidence="Søk i admin")


# A letter that did not go out is not recorded -------------------------------------------------


def test_an_extension_is_not_recorded_when_the_notice_cannot_be_sent(members, org, smtp_down, mailbox):
    req = verified(org, members)
    with pytest.raises(services.RightsError, match="kunne ikke sendes"):
        services.request_extend(req=req, user=members["privacy_officer"], reasons="Mange systemer")
    assert req.state == State.VERIFIED and req.extension_months == 0  # the caller's object is reloaded
    req.refresh_from_db()
    assert req.state == State.VERIFIED and req.due_on == req.first_due_on and req.extension_notified_at is None
    assert not AuditEvent.objects.filter(action="rights.request_extended").exists()

    smtp_down()  # the server is back: now the notice goes, and the extension counts
    services.request_extend(req=req, user=members["privacy_officer"], reasons="Mange systemer")
    mailbox.wait_for(1)
    assert "Mange systemer" in mailbox.bodies(-1)[0]
    req.refresh_from_db()
    assert req.state == State.EXTENDED and req.extension_months == 2


def test_an_answer_that_cannot_be_sent_leaves_no_answer_and_no_file(
    members, org, saved_register, smtp_down, mailbox, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    req = verified(org, members)
    services.export_add_rows(req, "visma-business", [{"kundenr": "K-7"}])
    _close_tasks(req, members["privacy_officer"])
    with pytest.raises(services.RightsError):
        services.request_complete(req=req, user=members["privacy_officer"])
    req.refresh_from_db()
    assert req.state == State.IN_PROGRESS and req.answered_at is None and not req.answer_text
    package = ExportPackage.objects.get(request=req)
    assert package.deleted_at is not None and not package.token_hash
    assert not any((tmp_path / "rights" / "exports").iterdir())  # the encrypted file is gone too
    assert ExportRows.objects.filter(request=req).exists()  # kept: the answer has yet to go

    smtp_down()
    services.request_complete(req=req, user=members["privacy_officer"])
    mailbox.wait_for(1)
    assert "/rettigheter/last-ned/" in mailbox.bodies(-1)[0]
    assert ExportPackage.objects.filter(request=req, deleted_at__isnull=True).count() == 1


def test_a_refusal_that_cannot_be_sent_is_not_recorded(members, org, smtp_down):
    req = verified(org, members)
    with pytest.raises(services.RightsError):
        services.request_refuse(req=req, user=members["privacy_officer"], ground="no_data", reasons="Ingen treff")
    req.refresh_from_db()
    assert req.is_open and req.answered_at is None


def test_a_reminder_the_mail_server_did_not_take_is_sent_on_the_next_run(members, org, smtp_down, mailbox):
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=True):
        req = verified(org, members)
    with time_machine.travel(at(2026, 4, 2, 8, 0), tick=True):
        assert send_reminders() == 0
        assert not Reminder.objects.exists()
        smtp_down()
        assert send_reminders() == 1
        assert send_reminders() == 0
    mailbox.wait_for(1)
    assert req.reference in mailbox.messages[-1]["Subject"]


# Art. 12(4): a refusal within one month of receipt, extension or not ---------------------------------


def test_a_refusal_after_the_first_month_is_late_even_when_the_time_was_extended(members, org, mailbox):
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=True):
        late = verified(org, members)
        in_time = verified(org, members)
        services.request_extend(req=late, user=members["privacy_officer"], reasons="Mange systemer")
        services.request_extend(req=in_time, user=members["privacy_officer"], reasons="Mange systemer")
    with time_machine.travel(at(2026, 4, 9, 15, 0), tick=True):  # the first deadline itself
        services.request_refuse(req=in_time, user=members["privacy_officer"], ground="no_data", reasons="Ingen treff")
    with time_machine.travel(at(2026, 5, 4, 10, 0), tick=True):  # within the extension, after the first month
        services.request_refuse(req=late, user=members["privacy_officer"], ground="no_data", reasons="Ingen treff")
    late.refresh_from_db()
    in_time.refresh_from_db()
    assert late.due_on == dt.date(2026, 6, 9) and late.answer_due_on == dt.date(2026, 4, 9)
    assert (in_time.answered_on_time, late.answered_on_time) == (True, False)
    figure = services.on_time_figure(org, dt.date(2026, 5, 4))
    assert (figure.answered, figure.on_time, figure.percent) == (2, 1, 50)
    audit = AuditEvent.objects.get(action="rights.request_refused", object_id=str(late.pk))
    assert audit.data["on_time"] is False


def test_a_completed_answer_within_the_extension_is_on_time(members, org, saved_register, mailbox):
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=True):
        req = verified(org, members, type="erasure")
        services.request_extend(req=req, user=members["privacy_officer"], reasons="Mange systemer")
    with time_machine.travel(at(2026, 5, 4, 10, 0), tick=True):
        _close_tasks(req, members["privacy_officer"])
        services.request_complete(req=req, user=members["privacy_officer"])
    req.refresh_from_db()
    assert req.answered_on_time is True


# Every change of state is in the audit trail -------------------------------------------------------

KIND_TO_ACTION = {
    "submitted": "request_submitted", "verification_sent": "verification_sent", "verified": "request_verified",
    "tasks_created": "tasks_created", "task_completed": "task_completed", "task_reopened": "task_reopened",
    "waiting": "request_waiting", "resumed": "request_resumed", "extended": "request_extended",
    "fee": "request_fee", "refused": "request_refused", "completed": "request_completed",
    "export_created": "export_created", "export_downloaded": "export_downloaded", "export_expired": "export_expired",
}


def _history(req) -> tuple[list, list]:
    events = [(KIND_TO_ACTION[e.kind], e.state) for e in req.events.all()]
    audit = [
        (a.action.removeprefix("rights."), a.data["state"])
        for a in AuditEvent.objects.filter(object_id=str(req.pk), action__startswith="rights.").order_by("seq")
        if a.action.removeprefix("rights.") in KIND_TO_ACTION.values()
    ]
    return events, audit


def test_every_change_of_state_is_in_the_audit_trail(client, members, org, saved_register, mailbox, login):
    user = members["privacy_officer"]
    staff = login(user)
    req = services.request_submit(org=org, type="access", name="Ola", email="ola@example.org", channel="form")
    services.request_send_verification(req=req)
    services.request_verify_manually(req=req, note="Ringte tilbake", user=user)
    task = req.tasks.first()
    services.task_complete(task=task, user=user, note="Søkt", evidence="SQL")
    services.task_reopen(task=task, user=user)
    url = f"/o/{org.slug}/requests/{req.reference}/do/"
    assert staff.post(url + "wait/", {"note": "Hvilken konto?"}).status_code == 302
    assert staff.post(url + "resume/").status_code == 302
    assert staff.post(url + "extend/", {"reasons": "Mange systemer", "months": "1"}).status_code == 302
    refused = verified(org, members)
    services.request_charge_fee(req=refused, user=user, fee_nok=300, ground="repetitive",
                                justification="Femte like krav på en måned")
    services.request_refuse(req=refused, user=user, ground="excessive", reasons="Gjentatt",
                            excessive_justification="PV-1, PV-2, PV-3, PV-4")
    _close_tasks(req, user)
    services.request_complete(req=req, user=user)

    for r in (req, refused):
        events, audit = _history(r)
        assert events == audit
    events, _ = _history(req)
    assert [a for a, _ in events] == [
        "request_submitted", "verification_sent", "verification_sent", "request_verified", "tasks_created",
        "task_completed", "task_reopened", "request_waiting", "request_resumed", "request_extended",
        *["task_completed"] * req.tasks.count(), "export_created", "request_completed",
    ]
    states = [s for _, s in events]
    for state in (State.AWAITING_VERIFICATION, State.VERIFIED, State.IN_PROGRESS, State.WAITING_ON_REQUESTER,
                  State.EXTENDED, State.COMPLETED):
        assert state in states
    assert State.REFUSED in [s for _, s in _history(refused)[0]]


# The copies of the person's data ------------------------------------------------------------------


def _answered_with_rows(org, members, tmp_path, settings, mailbox):
    """An access request answered by e-mail; returns it and the download path read out of the mail."""
    settings.MEDIA_ROOT = tmp_path
    req = verified(org, members)
    services.export_add_rows(req, "visma-business", [{"kundenr": "K-1", "navn": "Ola Nordmann"}])
    _close_tasks(req, members["privacy_officer"])
    services.request_complete(req=req, user=members["privacy_officer"])
    mailbox.wait_for(1)
    return req, path_of(DOWNLOAD_RE.search(mailbox.bodies(-1)[0]).group(0))


def test_the_rows_are_deleted_once_the_package_is_downloaded(
    client, members, org, saved_register, tmp_path, settings, mailbox
):
    req, download = _answered_with_rows(org, members, tmp_path, settings, mailbox)
    assert ExportRows.objects.filter(request=req).exists()  # until the link is used
    assert client.post(download).status_code == 200
    assert not ExportRows.objects.filter(request=req).exists()
    assert AuditEvent.objects.filter(action="rights.export_rows_deleted", object_id=str(req.pk)).exists()


def test_the_rows_are_deleted_when_the_link_expires_unused(members, org, saved_register, tmp_path, settings, mailbox):
    req, _download = _answered_with_rows(org, members, tmp_path, settings, mailbox)
    with time_machine.travel(dt.datetime.now(tz=OSLO) + dt.timedelta(days=13)):
        assert services.packages_expire() == 0
        assert ExportRows.objects.filter(request=req).exists()
    with time_machine.travel(dt.datetime.now(tz=OSLO) + dt.timedelta(days=15)):
        assert services.packages_expire() == 1
    assert not ExportRows.objects.filter(request=req).exists()
    assert not any((tmp_path / "rights" / "exports").iterdir())
    assert "export_expired" in [e.kind for e in req.events.all()]


def test_the_rows_are_deleted_when_the_request_is_refused(members, org, saved_register, mailbox):
    req = verified(org, members)
    services.export_add_rows(req, "visma-business", [{"kundenr": "K-1"}])
    services.request_refuse(req=req, user=members["privacy_officer"], ground="exception", reasons="Unntak",
                            provision="legal_claims")
    assert not ExportRows.objects.filter(request=req).exists()


def test_the_rows_of_an_erasure_are_not_kept_after_the_answer(members, org, saved_register, mailbox):
    req = verified(org, members, type="erasure")
    services.export_add_rows(req, "visma-business", [{"kundenr": "K-1"}], source="connector:proof")
    _close_tasks(req, members["privacy_officer"])
    services.request_complete(req=req, user=members["privacy_officer"])
    assert not ExportRows.objects.filter(request=req).exists()


def test_a_hung_mail_server_gives_up_after_the_timeout_and_records_nothing(members, org, mailbox, settings):
    import time

    req = verified(org, members)
    with socket.socket() as silent:  # accepts the connection, never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = silent.getsockname()[1], 1
        started = time.monotonic()
        with pytest.raises(services.RightsError):
            services.request_extend(req=req, user=members["privacy_officer"], reasons="Mange systemer")
        assert time.monotonic() - started < 5
    req.refresh_from_db()
    assert req.extension_months == 0


def test_a_download_link_is_no_use_forged_or_under_another_organisation(
    client, members, org, other_org, saved_register, tmp_path, settings, mailbox
):
    req, download = _answered_with_rows(org, members, tmp_path, settings, mailbox)
    forged = download[:-4] + ("AAAA" if not download.endswith("AAAA") else "BBBB")
    for path in (forged, download.replace(f"/p/{org.slug}/", f"/p/{other_org.slug}/")):
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404
    package = req.packages.get()
    assert package.downloaded_at is None and package.deleted_at is None  # still there for its owner
    assert client.post(download).status_code == 200
    assert client.post(download).status_code == 410  # and once only


def test_a_request_without_e_mail_gets_its_package_through_staff_once(
    members, org, saved_register, login, tmp_path, settings, mailbox
):
    import io
    import zipfile

    settings.MEDIA_ROOT = tmp_path
    user = members["privacy_officer"]
    req = services.request_submit(org=org, type="access", name="Ola Nordmann", channel="letter", send_link=False)
    services.request_verify_manually(req=req, note="Brev med kopi av legitimasjon", user=user)
    services.export_add_rows(req, "visma-business", [{"kundenr": "K-9", "navn": "Ola Nordmann"}])
    _close_tasks(req, user)
    services.request_complete(req=req, user=user)
    req.refresh_from_db()
    assert "følger med dette brevet" in req.answer_text and "[lenke]" not in req.answer_text
    assert not mailbox.messages
    package = req.packages.get()

    staff = login(user)
    detail = staff.get(f"/o/{org.slug}/requests/{req.reference}/").content.decode()
    url = f"/o/{org.slug}/requests/{req.reference}/packages/{package.pk}/"
    assert url in detail
    response = staff.post(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    rows = zipfile.ZipFile(io.BytesIO(response.content)).read("visma-business/data.json").decode()
    assert "K-9" in rows
    again = staff.post(url, follow=True)
    assert "allerede hentet" in again.content.decode()
    assert not ExportRows.objects.filter(request=req).exists()
    audit = AuditEvent.objects.filter(action="rights.export_downloaded", object_id=str(req.pk)).get()
    assert audit.data["by"] == "staff" and audit.actor == user


def test_staff_cannot_take_the_package_of_a_requester_with_e_mail(
    members, org, saved_register, tmp_path, settings, mailbox
):
    req, _download = _answered_with_rows(org, members, tmp_path, settings, mailbox)
    package = req.packages.get()
    with pytest.raises(services.RightsError):
        services.package_hand_over(req=req, package_id=package.pk, user=members["privacy_officer"])
    package.refresh_from_db()
    assert package.downloaded_at is None and package.deleted_at is None


def test_a_request_without_e_mail_is_extended_with_the_date_the_requester_was_told(members, org, login):
    user = members["privacy_officer"]
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=True):
        req = services.request_submit(org=org, type="access", name="Ola", channel="phone", send_link=False)
        services.request_verify_manually(req=req, note="Ringte tilbake", user=user)
    staff = login(user)
    url = f"/o/{org.slug}/requests/{req.reference}/do/extend/"
    with time_machine.travel(at(2026, 4, 20, 10, 0), tick=True):
        staff.post(url, {"reasons": "Mange systemer", "months": "2"})  # no date: refused
        req.refresh_from_db()
        assert req.extension_months == 0
        staff.post(url, {"reasons": "Mange systemer", "months": "2", "notified_at": "2026-04-10T09:00"})  # too late
        req.refresh_from_db()
        assert req.extension_months == 0
        staff.post(url, {"reasons": "Mange systemer", "months": "2", "notified_at": "2026-04-08T14:00"})
    req.refresh_from_db()
    assert req.state == State.EXTENDED and req.due_on == dt.date(2026, 6, 9)
    assert timezone.localtime(req.extension_notified_at).date() == dt.date(2026, 4, 8)
    audit = AuditEvent.objects.get(action="rights.request_extended", object_id=str(req.pk))
    assert audit.data["notified"] == "recorded"
