"""Where the notice promises an answer sooner than the law's month, the inbox tracks the promise too."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def _register(org, response_time: str):
    from personvern.core.manifest import loads_register
    from personvern.registry.services import register_save

    register_save(org=org, register=loads_register(
        f"controller: {{legal_name: Alpha AS, email: post@alpha.no}}\nrights: {{response_time: {response_time}}}\n"),
        message="test")


def _submit(org, day: dt.date, name: str):
    from personvern.rights import services

    return services.request_submit(org=org, type="access", name=name, email="", channel="phone",
                                   received_at=dt.datetime.combine(day, dt.time(12), OSLO))


def test_a_shorter_promise_is_kept_beside_the_legal_deadline_and_sorts_the_inbox(members, org, login):
    before = _submit(org, dt.date(2026, 2, 20), "Uten løfte")  # no register yet: no promise
    _register(org, "P14D")
    promised = _submit(org, dt.date(2026, 3, 2), "Med løfte")
    assert before.promised_on is None
    assert promised.promised_on == dt.date(2026, 3, 16) < promised.due_on

    page = login(members["privacy_officer"]).get(f"/o/{org.slug}/requests/").content.decode()
    assert page.index(promised.reference) < page.index(before.reference)  # 16 March before 20 March
    assert 'data-testid="promised"' in page and "lovet 16.03" in page
    detail = login(members["privacy_officer"]).get(f"/o/{org.slug}/requests/{promised.reference}/").content.decode()
    assert "16.03.2026" in detail and 'data-testid="promised"' in detail


def test_the_law_s_month_or_a_longer_promise_gives_no_promise(members, org):
    _register(org, "P1M")
    assert _submit(org, dt.date(2026, 3, 2), "A").promised_on is None
