"""End to end: public form → mail at the real SMTP server → verify → tasks → answer with export,
then the clock moved to check the 7- and 2-day reminders and the missed-deadline alert."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from zoneinfo import ZoneInfo

import time_machine

from personvern.audit.models import AuditEvent
from personvern.jobs.periodic import run_due
from personvern.rights.models import ExportPackage, Reminder, Request, State, Task
from rights.helpers import DOWNLOAD_RE, path_of

OSLO = ZoneInfo("Europe/Oslo")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


def test_a_request_goes_from_the_form_to_the_answer_with_export(
    client, members, saved_register, login, mailbox, submit, org
):
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=True):
        req, link = submit(org)
        assert req.state == State.AWAITING_VERIFICATION
        assert (req.received_on, req.due_on) == (dt.date(2026, 3, 9), dt.date(2026, 4, 9))
        text, _ = mailbox.bodies(0)
        assert req.reference in text and "09.04.2026" in text
        assert mailbox.messages[0]["To"] == "kari@example.org"

        # The receipt page shows the reference to the browser that sent the form.
        receipt = client.get(f"/p/{org.slug}/rettigheter/kvittering")
        assert receipt.status_code == 200 and req.reference in receipt.content.decode()

        # Opening the link asks for a click (mail scanners must not use it up); the POST verifies.
        page = client.get(link)
        assert page.status_code == 200 and "Kari" not in page.content.decode()
        assert client.post(link).status_code == 200
        req.refresh_from_db()
        assert req.state == State.VERIFIED and req.verification_method == "email"
        tasks = list(req.tasks.all())
        register = saved_register.register()
        expected = {s for a in register.activities for s in a.systems}
        assert {t.system_id for t in tasks} == expected
        ga = next(t for t in tasks if t.system_id == "google-analytics")
        assert ga.assignee_role == "webredaktor" and ga.checklist and not ga.checklist[0]["done"]

    with time_machine.travel(at(2026, 3, 20, 9, 0), tick=True):
        staff = login(members["privacy_officer"])
        inbox = staff.get(f"/o/{org.slug}/requests/")
        assert inbox.status_code == 200 and req.reference in inbox.content.decode()
        detail_url = f"/o/{org.slug}/requests/{req.reference}/"
        assert staff.get(detail_url).status_code == 200

        # Rows from one system, by hand (CSV) and through the connector entry point.
        visma = next(t for t in tasks if t.system_id == "visma-business")
        upload = io.BytesIO("kundenr,navn,e-post\r\nK-1001,Kari Nordmann,kari@example.org\r\n".encode())
        upload.name = "visma.csv"
        staff.post(f"{detail_url}tasks/{visma.pk}/rows/", {"file": upload})
        from personvern.rights.export import export_add_rows

        export_add_rows(req, "visma-business", [{"ordre": 17, "sum": 499.0, "dato": dt.date(2026, 1, 2)}])

        for task in tasks:
            prefix = f"t{task.pk}"
            data = {f"{prefix}-status": "done", f"{prefix}-note": "Søkt på e-post og kundenummer",
                    f"{prefix}-evidence": "SQL-søk 2026-03-20", f"{prefix}-check": ["0", "1", "2"]}
            if task.system_id == "kameraer":
                data = {f"{prefix}-status": "not_applicable", f"{prefix}-note": "Opptak slettet etter 7 dager"}
            assert staff.post(f"{detail_url}tasks/{task.pk}/", data).status_code == 302
        assert not req.tasks.filter(status=Task.Status.OPEN).exists()
        assert req.tasks.get(system_id="google-analytics").checklist[0]["done"]

        before = len(mailbox.messages)
        assert staff.post(f"{detail_url}do/complete/").status_code == 302
        req.refresh_from_db()
        assert req.state == State.COMPLETED and req.answered_on_time
        mailbox.wait_for(before + 1)
        answer, _ = mailbox.bodies(before)
        assert "artikkel 15" in answer and "Datatilsynet" in answer and "Postboks 458 Sentrum, 0105 Oslo" in answer
        download = path_of(DOWNLOAD_RE.search(answer).group(0))

    with time_machine.travel(at(2026, 3, 21, 12, 0), tick=True):
        assert client.get(download).status_code == 200
        response = client.post(download)
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        zf = zipfile.ZipFile(io.BytesIO(response.content))
        names = set(zf.namelist())
        assert {"index.html", "information.json", "visma-business/data.json", "visma-business/data.csv"} <= names
        rows = json.loads(zf.read("visma-business/data.json"))
        assert {"kundenr": "K-1001", "navn": "Kari Nordmann", "e-post": "kari@example.org"} in rows
        assert {"ordre": 17, "sum": 499.0, "dato": "2026-01-02"} in rows
        assert "K-1001" in zf.read("visma-business/data.csv").decode()
        summary = zf.read("index.html").decode()
        assert "Kari Nordmann" in summary and "Slik behandler vi" in summary
        info = json.loads(zf.read("information.json"))
        assert info["reference"] == req.reference and info["activities"]

        # Single use: the file is gone after the download.
        assert client.post(download).status_code == 410
        package = ExportPackage.objects.get(request=req)
        assert package.downloaded_at and package.deleted_at

    # Answered: the worker sends no reminders and no missed-deadline alert for it.
    before = len(mailbox.messages)
    for moment in (at(2026, 4, 2, 8, 0), at(2026, 4, 7, 8, 0), at(2026, 4, 10, 8, 0)):
        with time_machine.travel(moment, tick=True):
            assert any(name.endswith("rights_reminders") for name in run_due())
    assert len(mailbox.messages) == before and not Reminder.objects.filter(request=req).exists()

    actions = set(AuditEvent.objects.filter(object_id=str(req.pk)).values_list("action", flat=True))
    assert {"rights.request_submitted", "rights.request_verified", "rights.task_completed",
            "rights.request_completed", "rights.export_downloaded"} <= actions
    for event in AuditEvent.objects.filter(action__startswith="rights."):
        assert "kari" not in json.dumps(event.data).lower()  # no personal data in the audit trail


def test_reminders_come_7_and_2_days_before_and_when_the_deadline_is_missed(
    members, saved_register, mailbox, submit, org, client
):
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=True):
        req, link = submit(org)
        client.post(link)
    sent = len(mailbox.messages)

    def run(moment) -> list:
        nonlocal sent
        with time_machine.travel(moment, tick=True):
            run_due()
        new = mailbox.messages[sent:]
        sent = len(mailbox.messages)
        return new

    assert run(at(2026, 3, 30, 8, 0)) == []  # 10 days left: nothing yet
    seven = run(at(2026, 4, 2, 8, 0))  # deadline 9 April: 7 days left
    assert len(seven) == 1 and "7 dager" in seven[0]["Subject"]
    assert set(seven[0]["To"].addresses[i].addr_spec for i in range(len(seven[0]["To"].addresses))) == {
        "owner@example.no", "privacy_officer@example.no"}
    assert run(at(2026, 4, 2, 14, 0)) == []  # idempotent: the same reminder is never sent twice
    two = run(at(2026, 4, 7, 8, 0))
    assert len(two) == 1 and "2 dager" in two[0]["Subject"]
    assert run(at(2026, 4, 9, 9, 0)) == []  # the deadline day itself: still in time
    missed = run(at(2026, 4, 10, 8, 0))
    assert len(missed) == 1 and "OVERSITTET" in missed[0]["Subject"]
    text = missed[0].get_body(("plain",)).get_content()
    assert req.reference in text and "artikkel 12(3)" in text and "Article 12(3)" in text  # bokmål, English below
    assert "Type: Innsyn" in text and "Type: Access" in text
    assert run(at(2026, 4, 11, 8, 0)) == []
    assert Reminder.objects.filter(request=req).count() == 3

    req.refresh_from_db()
    from personvern.rights.services import on_time_figure

    assert on_time_figure(org, dt.date(2026, 4, 10)).open_overdue == 1


def test_an_extension_moves_the_deadline_and_gets_its_own_reminders(members, saved_register, mailbox, submit, org,
                                                                   client, login):
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=True):
        req, link = submit(org)
        client.post(link)
    with time_machine.travel(at(2026, 4, 2, 8, 0), tick=True):
        run_due()
        staff = login(members["privacy_officer"])
        before = len(mailbox.messages)
        staff.post(f"/o/{org.slug}/requests/{req.reference}/do/extend/",
                   {"reasons": "Mange systemer må gjennomgås.", "months": "2"})
        req.refresh_from_db()
        assert req.state == State.EXTENDED and req.due_on == dt.date(2026, 6, 9)
        mailbox.wait_for(before + 1)
        letter = mailbox.messages[before]
        assert letter["To"] == "kari@example.org" and "Mange systemer" in letter.get_body(("plain",)).get_content()
    with time_machine.travel(at(2026, 4, 10, 8, 0), tick=True):
        before = len(mailbox.messages)
        run_due()
        assert len(mailbox.messages) == before  # the old deadline is no longer missed
    with time_machine.travel(at(2026, 6, 2, 8, 0), tick=True):
        run_due()
        assert "7 dager" in mailbox.messages[-1]["Subject"]
    assert Request.objects.get(pk=req.pk).reminders.filter(due_on=dt.date(2026, 6, 9)).count() == 1
