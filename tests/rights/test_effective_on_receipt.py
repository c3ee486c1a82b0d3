"""A withdrawal of consent (Art. 7(3)) and an objection to direct marketing (Art. 21(3)) take effect when
received: no confirmation link to wait for, the tasks that stop the processing start at once."""

from __future__ import annotations

import pytest

from rights.helpers import LINK_RE, form_data


@pytest.mark.parametrize("overrides", [{"type": "withdraw_consent"}, {"type": "objection", "direct_marketing": "on"}],
                         ids=["withdrawal", "marketing-objection"])
def test_it_takes_effect_on_receipt_without_a_link(client, org, saved_register, mailbox, overrides):
    from personvern.rights.models import Request

    assert client.post(f"/p/{org.slug}/rettigheter", form_data(**overrides)).status_code == 302
    page = client.get(f"/p/{org.slug}/rettigheter/kvittering").content.decode()
    assert 'data-testid="effective"' in page and "Du trenger ikke bekrefte noe" in page
    assert "Åpne lenken for å bekrefte" not in page
    req = Request.objects.get()
    assert req.is_verified and req.verification_method == "receipt" and req.tasks.exists()
    assert "effective_on_receipt" in req.events.values_list("kind", flat=True)
    mailbox.wait_for(1)
    text, _ = mailbox.bodies(0)
    assert "Du trenger ikke bekrefte noe" in " ".join(text.split()) and not LINK_RE.search(text)


def test_an_objection_to_other_processing_still_waits_for_the_identity_check(client, org, saved_register, mailbox):
    from personvern.rights.models import Request

    assert client.post(f"/p/{org.slug}/rettigheter", form_data(type="objection")).status_code == 302
    req = Request.objects.get()
    assert not req.is_verified and not req.tasks.exists()
    mailbox.wait_for(1)
    assert LINK_RE.search(mailbox.bodies(0)[0])


def test_the_receipt_letter_in_english_cites_the_article(org):
    from personvern.rights import letters, services

    req = services.request_submit(org=org, type="withdraw_consent", name="Ola", email="", channel="phone",
                                  language="en")
    body = " ".join(letters.receipt_letter(req, "en").body.split())
    assert "You need not confirm anything: the withdrawal applies" in body and "GDPR Article 7(3)" in body
