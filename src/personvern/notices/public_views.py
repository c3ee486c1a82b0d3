"""Public notice pages: /p/<org>/personvern (nb) and /p/<org>/privacy (en), earlier versions with a
diff, an iframe page and a JSON endpoint.

Everything shown comes from the published snapshot (rendered by core.notice, every register value
escaped) or is escaped by the template. Responses carry a Content-Security-Policy that allows no
script at all, and only the page's own inline styles (by hash).
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from personvern.accounts.models import Organisation, TokenBucket

from . import services
from .models import PublishedNotice

RATE = (120, timedelta(minutes=1))  # requests per IP address
_STYLE_RE = re.compile(r"<style>(.*?)</style>", re.S)

# Words of the public pages (not in gettext: the page's language is the notice's, not the visitor's).
WORDS = {
    "nb": {
        "other": "In English", "versions": "Tidligere versjoner", "version": "Versjon", "published": "publisert",
        "current": "gjeldende", "none": "Denne virksomheten har ikke publisert en personvernerklæring her ennå.",
        "none_title": "Ingen personvernerklæring", "limited": "For mange forespørsler. Prøv igjen om litt.",
        "changes": "Endringer fra versjon", "first": "Første publiserte versjon.", "back": "Gjeldende erklæring",
        "added": "Lagt til", "removed": "Fjernet", "fingerprint": "SHA-256", "diff_title": "Hva som er endret",
        "all_versions": "Alle versjoner", "text": "Hele teksten i denne versjonen",
    },
    "en": {
        "other": "På norsk", "versions": "Earlier versions", "version": "Version", "published": "published",
        "current": "current", "none": "This organisation has not published a privacy notice here yet.",
        "none_title": "No privacy notice", "limited": "Too many requests. Please try again shortly.",
        "changes": "Changes from version", "first": "First published version.", "back": "Current notice",
        "added": "Added", "removed": "Removed", "fingerprint": "SHA-256", "diff_title": "What has changed",
        "all_versions": "All versions", "text": "The full text of this version",
    },
}


def _ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "")[:45]


def _limited(request) -> bool:
    return not TokenBucket.authorize(f"notice-ip:{_ip(request)}", *RATE)


def _csp(html: str, *, frame_ancestors: str = "'none'") -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in dict.fromkeys(_STYLE_RE.findall(html))
    )
    return (f"default-src 'none'; script-src 'none'; style-src {hashes or chr(39) + 'none' + chr(39)}; "
            f"img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors {frame_ancestors}")


def _secure(response: HttpResponse, *, frame_ancestors: str = "'none'") -> HttpResponse:
    response["Content-Security-Policy"] = _csp(response.content.decode(), frame_ancestors=frame_ancestors)
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _links(org: Organisation, lang: str) -> dict:
    other = "nb" if lang == "en" else "en"
    return {
        "other_url": reverse(f"notices_public:notice_{other}", kwargs={"org": org.slug}),
        "other_lang": other,
        "versions_url": reverse(f"notices_public:versions_{lang}", kwargs={"org": org.slug}),
        "current_url": reverse(f"notices_public:notice_{lang}", kwargs={"org": org.slug}),
    }


def _missing(request, org, lang: str, frame_ancestors: str = "'none'") -> HttpResponse:
    response = render(request, "notices/public_missing.html",
                      {"organisation": org, "lang": lang, "w": WORDS[lang]}, status=404)
    return _secure(response, frame_ancestors=frame_ancestors)


def public(view):
    """GET only, rate-limited per IP address; the view gets the Organisation instead of its slug."""

    @require_GET
    @wraps(view)
    def wrapper(request, org: str, lang: str, **kwargs):
        if _limited(request):
            return HttpResponse(WORDS[lang]["limited"], status=429, content_type="text/plain; charset=utf-8")
        return view(request, get_object_or_404(Organisation, slug=org), lang, **kwargs)

    return wrapper


@public
def notice_page(request, organisation: Organisation, lang: str):
    notice = services.current_notice(organisation)
    if notice is None:
        return _missing(request, organisation, lang)
    response = render(request, "notices/public_notice.html", {
        "organisation": organisation, "notice": notice, "lang": lang, "w": WORDS[lang],
        "notice_html": notice.html(lang), **_links(organisation, lang),
    })
    return _secure(response)


@xframe_options_exempt
@public
def notice_embed(request, organisation: Organisation, lang: str):
    """The notice alone, for an <iframe> on the organisation's own site."""
    notice = services.current_notice(organisation)
    if notice is None:
        return _missing(request, organisation, lang, frame_ancestors="*")
    response = render(request, "notices/public_embed.html", {
        "organisation": organisation, "notice": notice, "lang": lang, "notice_html": notice.html(lang),
    })
    return _secure(response, frame_ancestors="*")


@public
def notice_json(request, organisation: Organisation, lang: str):
    notice = services.current_notice(organisation)
    if notice is None:
        response = JsonResponse({"error": "no notice published"}, status=404)
    else:
        response = JsonResponse(services.notice_json(notice, lang, f"{request.scheme}://{request.get_host()}"),
                                json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    return response


@public
def version_list(request, organisation: Organisation, lang: str):
    notices = list(services.notice_versions(organisation))
    if not notices:
        return _missing(request, organisation, lang)
    response = render(request, "notices/public_versions.html", {
        "organisation": organisation, "notices": notices, "lang": lang, "w": WORDS[lang],
        **_links(organisation, lang),
    })
    return _secure(response)


@public
def version_page(request, organisation: Organisation, lang: str, number: int):
    notice: PublishedNotice | None = services.notice_at(organisation, number)
    if notice is None:
        return _missing(request, organisation, lang)
    previous = services.previous_notice(notice)
    response = render(request, "notices/public_version.html", {
        "organisation": organisation, "notice": notice, "previous": previous, "lang": lang, "w": WORDS[lang],
        "diff": services.notice_diff(previous, notice, lang), "notice_html": notice.html(lang),
        **_links(organisation, lang),
    })
    return _secure(response)
