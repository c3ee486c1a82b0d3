"""Public pages: the request form, the receipt, the identity link and the download link.

Links from e-mail open a page with a button (POST): mail scanners that follow
links must not use up a single-use link.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from personvern.accounts.models import Organisation, TokenBucket

from . import services
from .export import zip_response
from .forms import HONEYPOT, PublicRequestForm
from .models import Request

MAX_FORM_BYTES = 16 * 1024
RECEIPT_SESSION_KEY = "rights_receipt"


def _ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "")[:45]


def _org(slug: str) -> Organisation:
    return get_object_or_404(Organisation, slug=slug)


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _allowed(request, email: str, org: Organisation) -> bool:
    """5 requests an hour per IP address, 3 a day per e-mail address and organisation."""
    ip_ok = TokenBucket.authorize(f"rights-ip:{_ip(request)}", 5, timedelta(hours=1))
    digest = hashlib.sha256(f"{org.pk}:{email.strip().lower()}".encode()).hexdigest()
    return ip_ok and TokenBucket.authorize(f"rights-mail:{digest}", 3, timedelta(days=1))


@require_http_methods(["GET", "POST"])
def request_form(request, org: str, lang: str):
    organisation = _org(org)
    with translation.override(lang):
        if request.method == "POST":
            if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_FORM_BYTES:
                return HttpResponse("Request too large", status=413, content_type="text/plain")
            form = PublicRequestForm(request.POST)
            if request.POST.get(HONEYPOT):
                # A bot: answer as if all went well, store and send nothing.
                request.session[RECEIPT_SESSION_KEY] = {"org": organisation.slug, "ref": "", "mailed": True}
                return redirect(f"rights_public:receipt_{lang}", org=organisation.slug)
            if form.is_valid():
                data = form.cleaned_data
                if not _allowed(request, data["email"], organisation):
                    return render(request, "rights/public_form.html",
                                  {"form": form, "organisation": organisation, "lang": lang, "limited": True},
                                  status=429)
                req = services.request_submit(
                    org=organisation,
                    type=data["type"],
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    customer_number=data["customer_number"],
                    message=data["message"],
                    direct_marketing=data["direct_marketing"],
                    language=lang,
                    ip=_ip(request),
                    base_url=_base_url(request),
                )
                request.session[RECEIPT_SESSION_KEY] = {"org": organisation.slug, "ref": req.reference,
                                                        "mailed": req.mail_sent}
                return redirect(f"rights_public:receipt_{lang}", org=organisation.slug)
            status = 400
        else:
            form = PublicRequestForm(initial={"type": request.GET.get("type", "access")})
            status = 200
        return render(request, "rights/public_form.html",
                      {"form": form, "organisation": organisation, "lang": lang}, status=status)


def receipt(request, org: str, lang: str):
    """Shows the reference only to the browser that sent the request (nothing else about it)."""
    organisation = _org(org)
    seen = request.session.get(RECEIPT_SESSION_KEY) or {}
    if seen.get("org") != organisation.slug:
        raise Http404
    req = Request.objects.filter(organisation=organisation, reference=seen.get("ref") or "-").first()
    with translation.override(lang):
        return render(request, "rights/public_receipt.html",
                      {"organisation": organisation, "lang": lang,
                       "reference": seen.get("ref") or _fake_reference(request), "req": req,
                       "mailed": seen.get("mailed", True)})


def _fake_reference(request) -> str:
    """For the honeypot: a reference-shaped string so bots learn nothing."""
    digest = hashlib.sha256((request.session.session_key or "x").encode()).hexdigest().upper()
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    body = "".join(alphabet[int(digest[i:i + 2], 16) % 32] for i in range(0, 16, 2))
    return f"PV-{body[:4]}-{body[4:]}"


TOKEN_MESSAGES = {
    "invalid": ("Lenken er ugyldig.", "The link is not valid."),
    "expired": ("Lenken er utløpt.", "The link has expired."),
    "used": ("Lenken er allerede brukt.", "The link has already been used."),
}


def _token_error(request, organisation, lang, reason: str, status: int):
    return render(request, "rights/public_link_error.html",
                  {"organisation": organisation, "lang": lang, "reason": reason,
                   "text": TOKEN_MESSAGES[reason][1 if lang == "en" else 0]}, status=status)


def _link_page(request, org: str, lang: str, use, peek):
    """GET shows a page with a button (peek); POST uses the single-use link (use)."""
    organisation = _org(org)
    with translation.override(lang):
        try:
            return (use if request.method == "POST" else peek)(organisation)
        except services.TokenError as exc:
            return _token_error(request, organisation, lang, exc.reason, 404 if exc.reason == "invalid" else 410)


@require_http_methods(["GET", "POST"])
def verify(request, org: str, lang: str, token: str):
    def use(organisation):
        req = services.request_verify(org=organisation, token=token, ip=_ip(request))
        return render(request, "rights/public_verified.html",
                      {"organisation": organisation, "lang": lang, "reference": req.reference})

    def peek(organisation):
        req = services.request_from_token(org=organisation, token=token)
        return render(request, "rights/public_verify.html",
                      {"organisation": organisation, "lang": lang, "reference": req.reference})

    return _link_page(request, org, lang, use, peek)


@require_http_methods(["GET", "POST"])
def download(request, org: str, lang: str, token: str):
    def use(organisation):
        package, content = services.package_download(org=organisation, token=token, ip=_ip(request))
        return zip_response(package.request.reference, content)

    def peek(organisation):
        package = services.package_from_token(org=organisation, token=token)
        return render(request, "rights/public_download.html",
                      {"organisation": organisation, "lang": lang, "package": package,
                       "reference": package.request.reference})

    return _link_page(request, org, lang, use, peek)
