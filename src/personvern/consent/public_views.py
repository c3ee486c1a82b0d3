"""Public endpoints: the banner script, the ledger API, receipts, newsletter opt-in."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from personvern.accounts.models import TokenBucket
from personvern.registry.services import current_register

from . import api, services
from .ledger import CONSENT_ID_RE, truncate_ip
from .models import ConsentRecord, NewsletterList, Site, Subscriber

STATIC = Path(__file__).resolve().parent / "static" / "consent"


# banner.js's own functions and variables that are never a property or an object key,
# shortened to _a, _b, ... outside string literals (never after a "."). A name added here
# must not be a global, a property name used without "." (an object key) or a word in a
# regex literal; the browser tests run the shortened script.
SHORT_NAMES = (
    "preview", "reopen", "opener", "applied", "grants", "apply", "forget", "decide", "send", "choice", "click",
    "table", "info", "show", "close", "start", "parse", "valid", "read", "fresh", "focus", "need", "yes", "bits",
    "back", "rows", "nonce", "gcm", "esc", "rid", "has", "cats", "cur", "box", "gpc", "ls",
)
_SHORT = {name: "_" + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[i] for i, name in enumerate(SHORT_NAMES)}
_SHORT_RE = re.compile(r"(?<![\w$.])(" + "|".join(SHORT_NAMES) + r")(?![\w$])")  # not after ".": a property


def _shorten(m: re.Match) -> str:
    text, start, end = m.string, m.start(), m.end()
    if start and text[start - 1] in "{," and text[end:end + 1] == ":":
        return m.group(1)  # an object key ({name: or ,name:), not the variable
    return _SHORT[m.group(1)]


def minify_js(source: str) -> str:
    """Drop comments, indentation and blanks around punctuation, shorten SHORT_NAMES, leave strings alone.

    Enough for banner.js, which keeps its regex literals free of blanks and quotes.
    """
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    out = []
    for i, part in enumerate(re.split(r"(\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*')", source)):
        if i % 2:  # a string literal
            out.append(part)
            continue
        part = "\n".join(line.strip() for line in part.split("\n"))
        part = re.sub(r"\n+", "\n", part)
        part = re.sub(r"[ \t]*([{}()\[\];,=:+\-*<>!&|?])[ \t]*", r"\1", part)
        # join lines where no semicolon can be inserted: after ; { , and after } before a word or }
        part = re.sub(r"([;{,])\n|(\})\n(?=[\w$}])", r"\1\2", part)
        out.append(_SHORT_RE.sub(_shorten, part))
    return "".join(out).strip()


@lru_cache(maxsize=1)
def banner_source() -> tuple[str, str]:
    """(js, css), minified."""
    js = minify_js((STATIC / "banner.js").read_text())
    css = re.sub(r"/\*.*?\*/", "", (STATIC / "banner.css").read_text(), flags=re.S)
    css = "".join(line.strip() for line in css.splitlines())
    return js, css


def base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def script_for(config: dict) -> str:
    js, css = banner_source()
    data = json.dumps(dict(config, s=css), ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return f"/* personvern consent banner */\n(function(w,d,C){{\n{js}\n}})(window,document,{data});\n"


_scripts: dict[tuple[str, str], tuple[float, str | None]] = {}


def _script(key: str, root: str) -> str | None:
    """The site's banner script, built at most every 30 s per process (it parses the register)."""
    hit = _scripts.get((key, root))
    if hit and hit[0] > time.monotonic():
        return hit[1]
    site = Site.objects.select_related("organisation").filter(key=key).first()
    text = None
    if site is not None:
        text = script_for(services.banner_config(site, current_register(site.organisation), base_url=root))
    if len(_scripts) > 10_000:
        _scripts.clear()
    _scripts[(key, root)] = (time.monotonic() + services.CACHE_SECONDS, text)
    return text


def banner_script(request, key: str):
    text = _script(key[:20], base_url(request))
    if text is None:
        return HttpResponse("/* unknown site */", status=404, content_type="text/javascript; charset=utf-8")
    response = HttpResponse(text, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --------------------------------------------------------------------------
# The ledger API
# --------------------------------------------------------------------------


def health(request):
    """A trivial answer from the same server (load balancers, and the benchmark's reference)."""
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def consent_api(request):
    """Store one banner decision. The body is JSON sent as text/plain (no preflight).

    The work is in `api.handle`, which `personvern.consent.wsgi` also serves without
    Django's middleware.
    """
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS":
        return api.preflight(origin, request.GET.get("site", ""))
    return api.response(api.handle(api.ApiRequest(
        body=request.read(api.MAX_BODY + 1),
        origin=origin,
        own=base_url(request),
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        gpc=request.headers.get("Sec-GPC") == "1",
        secure=request.is_secure(),
    )))


def receipt(request, key: str, consent_id: str):
    """The visitor's own record: every decision stored under their consent id."""
    site = get_object_or_404(Site.objects.select_related("organisation"), key=key)
    if not CONSENT_ID_RE.match(consent_id):
        raise Http404
    records = list(ConsentRecord.objects.filter(site=site, consent_id=consent_id).order_by("at")[:200])
    lang = request.GET.get("lang") if request.GET.get("lang") in ("nb", "en") else translation.get_language()
    with translation.override(lang):
        response = render(request, "consent/receipt.html", {"site": site, "consent_id": consent_id,
                                                            "records": records, "lang": lang})
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------
# Newsletter double opt-in
# --------------------------------------------------------------------------


def _lang(request) -> str:
    wanted = request.POST.get("lang") or request.GET.get("lang") or translation.get_language() or "nb"
    return "en" if wanted.startswith("en") else "nb"


def _valid_email(email: str) -> bool:
    """An address as RFC 5321 writes it (Django's validator): no quotes, brackets or blanks."""
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def _frame_ancestors(response, newsletter: NewsletterList):
    origins = services.register_origins(current_register(newsletter.organisation))
    response["Content-Security-Policy"] = "frame-ancestors 'self' " + " ".join(sorted(origins))
    return response


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def newsletter_form(request, key: str):
    """The embeddable form (GET) and the endpoint any form on the site may post to (POST)."""
    newsletter = get_object_or_404(NewsletterList.objects.select_related("organisation"), key=key)
    lang = _lang(request)
    error = None
    status = 200
    with translation.override(lang):
        if request.method == "POST":
            email = (request.POST.get("email") or "").strip()[:254]
            ip = request.META.get("REMOTE_ADDR", "")
            if request.POST.get("website"):  # honeypot: people leave it empty
                return render(request, "consent/newsletter_sent.html", {"newsletter": newsletter})
            if not _valid_email(email):
                error, status = translation.gettext("Skriv en gyldig e-postadresse."), 400
            elif request.POST.get("consent") != "yes":
                error, status = translation.gettext("Kryss av for at du samtykker."), 400
            elif request.POST.get("version") != newsletter.wording_version(lang):
                error, status = translation.gettext("Teksten er endret siden du åpnet skjemaet. Les den og prøv igjen."), 400
            elif not (
                TokenBucket.authorize(f"nl-ip:{truncate_ip(ip)}", 20, timedelta(hours=1))
                and TokenBucket.authorize(f"nl-email:{email.lower()}", 3, timedelta(hours=1))
            ):
                error, status = translation.gettext("For mange forsøk. Prøv igjen senere."), 429
            else:
                services.subscriber_subscribe(newsletter=newsletter, email=email, language=lang, ip=ip,
                                              base_url=base_url(request))
                response = render(request, "consent/newsletter_sent.html", {"newsletter": newsletter})
                return _frame_ancestors(response, newsletter)
        response = render(
            request,
            "consent/newsletter_form.html",
            {"newsletter": newsletter, "wording": newsletter.wording(lang), "version": newsletter.wording_version(lang),
             "lang": lang, "error": error, "email": request.POST.get("email", "")[:254]},
            status=status,
        )
    return _frame_ancestors(response, newsletter)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def newsletter_confirm(request, token: str):
    """GET shows a button (mail scanners follow links); POST confirms, once."""
    subscriber = Subscriber.objects.select_related("newsletter").filter(
        token_hash=services.hash_token(token), status=Subscriber.Status.PENDING,
        changed__gte=timezone.now() - services.CONFIRM_WITHIN,
    ).first()
    lang = subscriber.language if subscriber else _lang(request)
    with translation.override(lang):
        if request.method == "POST":
            subscriber = services.subscriber_confirm(token=token, ip=request.META.get("REMOTE_ADDR", ""))
            return render(request, "consent/newsletter_confirm.html", {"subscriber": subscriber, "done": True},
                          status=200 if subscriber else 404)
        wording = subscriber.newsletter.wording(lang) if subscriber else ""
        return render(request, "consent/newsletter_confirm.html",
                      {"subscriber": subscriber, "done": False, "wording": wording}, status=200 if subscriber else 404)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def newsletter_unsubscribe(request, token: str):
    """The signed link in every e-mail: preferences page (GET), unsubscribe (POST, incl. RFC 8058 one-click)."""
    subscriber = services.subscriber_from_token(token)
    if subscriber is None:
        raise Http404
    done = False
    with translation.override(subscriber.language):
        if request.method == "POST":
            one_click = request.POST.get("List-Unsubscribe") == "One-Click"
            services.subscriber_withdraw(subscriber=subscriber, method="one_click" if one_click else "link",
                                         ip=request.META.get("REMOTE_ADDR", ""))
            subscriber.refresh_from_db()
            done = True
            if one_click:
                return HttpResponse("unsubscribed", content_type="text/plain")
        response = render(request, "consent/newsletter_unsubscribe.html", {"subscriber": subscriber, "done": done})
    response["Referrer-Policy"] = "no-referrer"
    return response
