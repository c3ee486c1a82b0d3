"""Fixtures for the rights tests: submit the public form and read the link out of the mail."""

from __future__ import annotations

import pytest

from rights.helpers import LINK_RE, form_data, path_of


@pytest.fixture
def submit(client, mailbox):
    """Post the public form for `org`; return (request, path of the verification link from the mail)."""

    def do(org, ip="198.51.100.7", **overrides):
        from personvern.rights.models import Request

        before = len(mailbox.messages)
        response = client.post(f"/p/{org.slug}/rettigheter", form_data(**overrides), REMOTE_ADDR=ip)
        assert response.status_code == 302, response.content[:500]
        mailbox.wait_for(before + 1)
        text, _ = mailbox.bodies(before)
        return Request.objects.filter(organisation=org).latest("id"), path_of(LINK_RE.search(text).group(0))

    return do
