"""Rows added by hand to a rights request go through the input guard: a hostile file is a
located error on the page, never a 500, and adds nothing."""

from __future__ import annotations

import io

from personvern.rights.export import rows_by_system
from rights.helpers import verified

HOSTILE = {
    "rows.json": (b"[" * 2000 + b"]" * 2000, "line 1, column 33: nested deeper than 32 levels"),  # answered 500
    "nul.json": (b'[{"navn": "Kari\\u0000"}]', "[0].navn: contains a NUL character"),
    "surrogate.json": (b'[{"navn": "\\udc00"}]', "[0].navn: contains a lone surrogate"),
    "number.json": (b'[{"n": ' + b"7" * 5000 + b"}]", "a number longer than 40 characters"),
    "nul.csv": (b"navn\r\nKari\x00\r\n", "line 2, column 5: contains a NUL character"),
    "latin1.csv": (b"navn\r\nK\xe5re\r\n", "not UTF-8 text (byte 0xe5)"),
}


def test_a_hostile_rows_file_is_refused_with_its_place(client, org, members, saved_register, login):
    req = verified(org, members)  # set up once: the cases below share it
    task = req.tasks.first()
    login(members["privacy_officer"])
    for name, (content, message) in HOSTILE.items():
        upload = io.BytesIO(content)
        upload.name = name
        response = client.post(f"/o/{org.slug}/requests/{req.reference}/tasks/{task.pk}/rows/", {"file": upload},
                               follow=True)
        assert response.status_code == 200, name
        page = response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
        assert "Kunne ikke lese filen" in page and message in page, name
        assert not rows_by_system(req), name
