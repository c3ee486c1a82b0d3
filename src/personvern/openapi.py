"""The public JSON API's OpenAPI description: openapi.yaml beside this file (written by
hand, kept true by tests/test_openapi.py), served as JSON at /api/openapi.json."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from django.http import JsonResponse
from django.views.decorators.http import require_GET

SPEC_FILE = Path(__file__).with_name("openapi.yaml")


@cache
def spec() -> dict:
    return yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))  # our own file, not input


@require_GET
def openapi_json(request):
    response = JsonResponse(spec(), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response
