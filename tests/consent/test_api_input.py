"""POST /api/consent with hostile bodies: a 400 with a JSON error on both paths (the Django
view and the WSGI fast path), never a 500, and nothing stored."""

from __future__ import annotations

import json

import pytest

from personvern.consent.models import ConsentRecord

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz_inputs import deep_text, dump, hostile_bytes, hostile_strings, json_values

from .test_wsgi import body, call

pytestmark = pytest.mark.django_db(transaction=True)


def post_django(client, raw: bytes):
    response = client.post("/api/consent", data=raw, content_type="text/plain")
    return response.status_code, response.json()


def post_fast(_client, raw: bytes):
    status, _, content = call(body=raw)
    return status, json.loads(content)


PATHS = pytest.mark.parametrize("post", [post_django, post_fast], ids=["django", "fast-path"])


def _with(**fields):
    return lambda good: json.dumps({**good, **fields}).encode()


# name: (the body, made from a good decision; what the error says)
HOSTILE = {
    "1,020 nested brackets": (lambda good: b"[" * 1020 + b"]" * 1020, "nested deeper than 32 levels"),
    "nested in a field": (_with(choices={"x": json.loads("[" * 40 + "]" * 40)}), "nested deeper than 32 levels"),
    "lone surrogate as site": (_with(site="\ud800"), "site: contains a lone surrogate"),
    "lone surrogate as method": (_with(method="\udfff"), "method: contains a lone surrogate"),
    "lone surrogate as key": (_with(**{"\ud800": 1}), "a key contains a lone surrogate"),
    "escaped NUL": (_with(version="\x00"), "version: contains a NUL character"),
    "a 1,500 digit number": (lambda good: b'{"site": ' + b"9" * 1500 + b"}", "a number longer than 40 characters"),
    "NaN": (lambda good: b'{"site": NaN}', "NaN is not a JSON number"),
    "not UTF-8": (lambda good: b'{"site": "\xff"}', "not UTF-8"),
    "an encoded surrogate": (lambda good: b'{"site": "\xed\xa0\x80"}', "not UTF-8"),
    "not JSON": (lambda good: b"{'site': 1}", "not valid JSON"),
}


@PATHS
@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_body_is_a_located_400_on_both_paths(client, site, post, case):
    make, message = HOSTILE[case]
    status, data = post(client, make(json.loads(body(site))))
    assert status == 400, data
    assert data["ok"] is False and message in data["error"], data
    assert not ConsentRecord.objects.exists()


@PATHS
@pytest.mark.parametrize("field", ["id", "version", "cid"])
def test_a_trailing_newline_does_not_pass_as_an_id(client, site, post, field):
    good = json.loads(body(site))
    value = {"id": good["id"], "version": good["version"], "cid": "A" * 22}[field] + "\n"
    status, data = post(client, json.dumps({**good, field: value}).encode())
    if field == "cid":  # a bad cid is replaced by a new one, never stored as sent
        assert status == 201 and data["cid"] != value and "\n" not in data["cid"]
    else:
        assert status == 400 and not ConsentRecord.objects.exists()


def test_fuzzed_bodies_are_answered_below_500_on_both_paths(client, site):
    """Hypothesis, bounded: hostile text, deep nesting, and JSON values in every field."""
    good = {"site": site.key, "id": "0" * 32, "method": "custom", "version": "0123456789ab", "lang": "nb",
            "choices": {"statistics": True}}
    field_values = st.builds(lambda key, value: dump({**good, key: value}), st.sampled_from(sorted(good) + ["cid"]),
                             hostile_strings | json_values)

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(hostile_bytes, deep_text.map(str.encode), json_values.map(dump), field_values))
    def run(body):
        django = client.post("/api/consent", data=body, content_type="text/plain")
        assert django.status_code < 500, (body, django.content)
        status, _, content = call(body=body)
        assert status < 500, (body, content)

    run()
