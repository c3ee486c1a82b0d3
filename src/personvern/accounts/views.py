from datetime import timedelta

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from personvern.audit.service import record
from personvern.core.headers import control_problem

from .access import may_create_organisation, to_second_factor
from .models import Membership, TokenBucket


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _attempted(username: str) -> dict:
    """Who a failed login was for, as the audit trail may keep it: an account's id, never the
    text typed (the trail is kept for good, and people type passwords into the name field)."""
    match = (get_user_model().objects.filter(Q(username__iexact=username) | Q(email__iexact=username))
             .values_list("pk", flat=True).first())
    return {"user_id": match} if match else {"known_user": False}


def _safe_next(request, default="accounts:orgs"):
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def login_view(request):
    error = None
    if request.method == "POST":
        username = (request.POST.get("username") or "").strip()[:200]
        password = request.POST.get("password") or ""
        ip = client_ip(request)
        allowed = TokenBucket.authorize(f"login-ip:{ip}", 20, timedelta(minutes=15)) and TokenBucket.authorize(
            f"login-user:{username.lower()}", 10, timedelta(minutes=15)
        )
        if not allowed:
            error = _("For mange innloggingsforsøk. Vent et kvarter og prøv igjen.")
            record("login.throttled", request=request, data=_attempted(username))
        else:
            user = authenticate(request, username=username, password=password)
            if user is None:
                error = _("Feil brukernavn eller passord.")
                record("login.failed", request=request, data=_attempted(username))
            else:
                login(request, user)
                record("login.succeeded", request=request, actor=user)
                if any(devices_for_user(user, confirmed=True)):
                    return to_second_factor(_safe_next(request, "/"))
                return redirect(_safe_next(request))
    return render(request, "accounts/login.html", {"error": error, "next": request.GET.get("next", "")}, status=400 if error else 200)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@login_required
def two_factor(request):
    """Verify this session with TOTP, or set TOTP up when the user has none."""
    user = request.user
    confirmed = list(devices_for_user(user, confirmed=True))
    device = confirmed[0] if confirmed else None
    if device is None:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="TOTP", confirmed=False
        )
    error = None
    if request.method == "POST":
        token = (request.POST.get("token") or "").replace(" ", "")[:10]
        if not TokenBucket.authorize(f"otp:{user.pk}", 10, timedelta(minutes=15)):
            error = _("For mange forsøk. Vent et kvarter og prøv igjen.")
        elif device.verify_token(token):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record("two_factor.enabled", request=request)
            otp_login(request, device)
            messages.success(request, _("Tofaktorautentisering er bekreftet."))
            return redirect(_safe_next(request))
        else:
            error = _("Koden stemmer ikke. Prøv igjen med en ny kode fra appen.")
    qr_svg = None
    if not device.confirmed:
        qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return render(
        request,
        "accounts/two_factor.html",
        {"device": device, "qr_svg": qr_svg, "error": error, "next": _safe_next(request, "")},
    )


@login_required
def org_list(request):
    memberships = Membership.objects.filter(user=request.user).select_related("organisation")
    has_two_factor = any(devices_for_user(request.user, confirmed=True))
    return render(request, "accounts/orgs.html", {"memberships": memberships, "has_two_factor": has_two_factor,
                                                  "may_create": may_create_organisation(request.user)})


@login_required
def org_create(request):
    from .services import organisation_create

    if not may_create_organisation(request.user):
        return render(request, "accounts/org_new.html", {"refused": True}, status=403)
    if not request.user.is_verified():  # whoever creates one becomes its owner, and owners use two factors
        return to_second_factor(request.path)
    error = None
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()
        if not 2 <= len(name) <= 200:
            error = _("Skriv organisasjonens navn (2–200 tegn).")
        elif control_problem(name):  # the name is in the subject of reminder mails
            error = _("Skriv navnet på én linje, uten linjeskift eller andre kontrolltegn.")
        else:
            org = organisation_create(name=name, user=request.user, request=request)
            return redirect("registry:overview", org.slug)
    return render(request, "accounts/org_new.html", {"error": error}, status=400 if error else 200)
