"""Consent workflows: what the banner shows, who may post to the ledger, newsletter opt-in."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from personvern.audit.service import record
from personvern.core.headers import alias_host, host_problem, one_line, origin
from personvern.core.manifest import Register
from personvern.registry.services import current_register

from .ledger import truncate_ip
from .models import OPTIONAL_CATEGORIES, EmailConsentEvent, NewsletterList, Site, Subscriber
from .texts import BANNER, BANNER_KEYS, BANNER_TEXT_VERSION, CATEGORIES, duration_text

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------
# The banner: categories, cookie table, version hash, allowed origins
# --------------------------------------------------------------------------


def register_origins(register: Register | None) -> frozenset[str]:
    """Origins of the organisation's registered websites and their aliases.

    They go into headers (CORS, CSP frame-ancestors). The register refuses a website or
    alias that is not a valid address when it is saved; one stored before that is left
    out here, and logged, so it never becomes a header or a server error.
    """
    origins: set[str] = set()
    for site in register.controller.websites if register else []:
        candidates = [site.url] + [f"{scheme}://{alias_host(a)}" for a in site.aliases for scheme in ("https", "http")]
        for url in candidates:
            found = origin(url)
            if found:
                origins.add(found)
            else:
                log.warning("register of %r: website or alias %r is not a valid address; left out",
                            register.controller.legal_name, url)
    return frozenset(origins)


def cookie_table(register: Register | None) -> dict[str, list]:
    """{category: [cookie, ...]} for necessary + the optional categories in use.

    Cookies without a category are listed as necessary (the admin page warns).
    """
    table: dict[str, list] = {"necessary": []}
    for cookie in register.cookies if register else []:
        cat = cookie.category.value if cookie.category else "necessary"
        table.setdefault(cat, []).append(cookie)
    return {c: table[c] for c in ("necessary", *OPTIONAL_CATEGORIES) if c in table}


def version_hash(register: Register | None) -> str:
    """12 hex digits over the cookie set, the notice and the banner wording.

    A change to any of these asks every visitor again.
    """
    cookies = sorted(
        (c.model_dump(mode="json", exclude_none=True) for c in (register.cookies if register else [])),
        key=lambda c: json.dumps(c, sort_keys=True),
    )
    notice = register.notice.model_dump(mode="json", exclude_none=True, exclude={"intro"}) if register else {}
    text = json.dumps({"cookies": cookies, "notice": notice, "banner": BANNER_TEXT_VERSION}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _provider(register: Register, provider: str | None) -> str:
    recipient = register.recipient(provider) if provider else None
    return recipient.name if recipient else (provider or "")


def banner_config(site: Site, register: Register | None, *, base_url: str) -> dict:
    """The JSON the banner script is given (short keys keep it small)."""
    table = cookie_table(register)
    cats = []
    for cat, cookies in table.items():
        rows = [
            [
                c.name,
                _provider(register, c.provider),
                c.purpose.nb if c.purpose else "",
                c.purpose.en or "" if c.purpose else "",
                duration_text(c.expiry, "nb"),
                duration_text(c.expiry, "en"),
            ]
            for c in cookies
        ]
        cats.append([cat, rows])
    # The banner reads its texts by position (BANNER_KEYS order, then the category names).
    texts = {
        lang: [BANNER[lang][k] for k in BANNER_KEYS] + [[list(CATEGORIES[c][lang]) for c, _ in cats]]
        for lang in ("nb", "en")
    }
    return {
        "k": site.key,
        "a": f"{base_url}/api/consent",
        "r": f"{base_url}/c/{site.key}/receipt/",
        "n": f"{base_url}/p/{site.organisation.slug}/personvern",
        "v": version_hash(register),
        "l": site.lifetime_days,
        "b": site.reopen_button,
        "c": cats,
        "t": texts,
    }


@dataclass(frozen=True)
class SiteInfo:
    id: int
    key: str
    origins: frozenset[str]
    categories: frozenset[str]
    version: str
    lifetime_days: int
    cookie_domain: str


_cache: dict[str, tuple[float, SiteInfo | None]] = {}
_cache_lock = threading.Lock()
CACHE_SECONDS = 30.0


def _cookie_domain(site: Site) -> str:
    """The site's cookie domain for the Set-Cookie header; one saved before the form checked it
    and that is no domain name is left out (logged)."""
    domain = site.cookie_domain.strip()
    if domain and (host_problem(domain) or ":" in domain):
        log.warning("consent site %s: cookie domain %r is not a domain name; no cookie is set", site.key, domain)
        return ""
    return domain


def site_info(key: str) -> SiteInfo | None:
    """What the ledger API needs about a site, cached in the process for 30 s."""
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and hit[0] > now:
        return hit[1]
    site = Site.objects.select_related("organisation").filter(key=key).first()
    info = None
    if site is not None:
        register = current_register(site.organisation)
        info = SiteInfo(
            id=site.id,
            key=site.key,
            origins=register_origins(register),
            categories=frozenset(c for c in cookie_table(register) if c != "necessary"),
            version=version_hash(register),
            lifetime_days=site.lifetime_days,
            cookie_domain=_cookie_domain(site),
        )
    with _cache_lock:
        _cache[key] = (now + CACHE_SECONDS, info)
    return info


def forget_all() -> None:
    """Drop every cached site (after a register change, in tests)."""
    from .public_views import _scripts

    with _cache_lock:
        _cache.clear()
        _scripts.clear()


def forget_site(key: str) -> None:
    """Drop this process's cached view of the site (other processes refresh within 30 s)."""
    from .public_views import _scripts

    with _cache_lock:
        _cache.pop(key, None)
        for cached in [k for k in _scripts if k[0] == key]:
            _scripts.pop(cached, None)


def site_create(*, org, url: str, request=None) -> Site:
    site = Site.objects.create(organisation=org, url=url)
    record("consent.site_created", request=request, organisation=org, obj=site, data={"key": site.key})
    return site


def site_update(*, site: Site, fields: dict, request=None) -> Site:
    for name, value in fields.items():
        setattr(site, name, value)
    site.save(update_fields=list(fields))
    forget_site(site.key)
    record("consent.site_updated", request=request, organisation=site.organisation, obj=site,
           data={"fields": sorted(fields)})
    return site


# --------------------------------------------------------------------------
# Newsletter: double opt-in, signed unsubscribe links, withdrawal webhook
# --------------------------------------------------------------------------

UNSUBSCRIBE_SALT = "personvern.consent.unsubscribe"
CONFIRM_WITHIN = timedelta(days=7)  # a confirmation link works this long
UNCONFIRMED_KEPT = timedelta(days=30)  # then an unconfirmed address is deleted


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unsubscribe_token(subscriber: Subscriber) -> str:
    return signing.dumps([subscriber.pk, subscriber.newsletter_id], salt=UNSUBSCRIBE_SALT, compress=True)


def subscriber_from_token(token: str) -> Subscriber | None:
    try:
        pk, list_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Subscriber.objects.select_related("newsletter__organisation").filter(pk=pk, newsletter_id=list_id).first()


def unsubscribe_headers(subscriber: Subscriber, base_url: str) -> dict[str, str]:
    """Headers for every e-mail sent to the subscriber (RFC 2369 and RFC 8058 one-click)."""
    url = f"{base_url}/c/n/u/{unsubscribe_token(subscriber)}"
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _event(subscriber: Subscriber, kind: str, *, method: str, ip: str) -> EmailConsentEvent:
    newsletter = subscriber.newsletter
    lang = subscriber.language
    return EmailConsentEvent.objects.create(
        newsletter=newsletter,
        subscriber=subscriber,
        kind=kind,
        wording=newsletter.wording(lang),
        wording_version=newsletter.wording_version(lang),
        language=lang,
        method=method,
        ip=truncate_ip(ip),
    )


CONFIRM_MAIL = {
    "nb": (
        "Bekreft påmeldingen til {name}",
        "Hei!\n\nNoen (forhåpentligvis du) meldte denne adressen på «{name}» med denne teksten:\n\n«{wording}»\n\n"
        "Bekreft påmeldingen her:\n{confirm}\n\nHvis det ikke var deg, kan du se bort fra denne e-posten. "
        "Da blir du ikke meldt på.\n\nMeld deg av når som helst: {unsubscribe}\n\nHilsen {org}\n",
    ),
    "en": (
        "Confirm your subscription to {name}",
        "Hello!\n\nSomeone (hopefully you) subscribed this address to \"{name}\" with this wording:\n\n"
        "\"{wording}\"\n\nConfirm the subscription here:\n{confirm}\n\nIf it was not you, ignore this e-mail "
        "and you will not be subscribed.\n\nUnsubscribe at any time: {unsubscribe}\n\nRegards, {org}\n",
    ),
}


def subscriber_subscribe(*, newsletter: NewsletterList, email: str, language: str, ip: str,
                         base_url: str) -> Subscriber:
    """Record the request and enqueue the confirmation mail (single-use link).

    Answers the same whether or not the address is known, so the form reveals nothing.
    """
    email = email.strip()
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.select_for_update().get_or_create(
            newsletter=newsletter, email__iexact=email, defaults={"email": email, "language": language}
        )
        if subscriber.status == Subscriber.Status.CONFIRMED:
            return subscriber
        subscriber.status = Subscriber.Status.PENDING
        subscriber.language = language
        subscriber.token_hash = ""  # the task makes the link; an older link stops working
        subscriber.changed = timezone.now()
        subscriber.save(update_fields=["status", "language", "token_hash", "changed"])
        _event(subscriber, EmailConsentEvent.Kind.REQUESTED, method="form", ip=ip)
        record("consent.newsletter_requested", organisation=newsletter.organisation, obj=subscriber,
               ip=truncate_ip(ip), data={"list": newsletter.pk})
        from .tasks import send_confirmation_mail

        transaction.on_commit(lambda: send_confirmation_mail.enqueue(subscriber_id=subscriber.pk, base_url=base_url))
    return subscriber


def send_confirmation(subscriber: Subscriber, base_url: str) -> None:
    """Make the single-use link (only its hash is stored) and mail it."""
    token = secrets.token_urlsafe(32)
    Subscriber.objects.filter(pk=subscriber.pk).update(token_hash=hash_token(token))
    newsletter = subscriber.newsletter
    lang = subscriber.language
    subject, body = CONFIRM_MAIL[lang]
    headers = unsubscribe_headers(subscriber, base_url)
    values = {
        "name": newsletter.name,
        "wording": newsletter.wording(lang),
        "confirm": f"{base_url}/c/n/confirm/{token}",
        "unsubscribe": headers["List-Unsubscribe"].strip("<>"),
        "org": newsletter.organisation.name,
    }
    message = EmailMultiAlternatives(  # a list name saved before names were checked is cleaned, not a failure
        one_line(subject.format(**values)), body.format(**values), to=[subscriber.email], headers=headers
    )
    message.send()


def subscriber_confirm(*, token: str, ip: str) -> Subscriber | None:
    """Use the confirmation link (once). None when the link is unknown or used."""
    if not token:
        return None
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update()
            .select_related("newsletter__organisation")
            .filter(token_hash=hash_token(token), status=Subscriber.Status.PENDING,
                    changed__gte=timezone.now() - CONFIRM_WITHIN)
            .first()
        )
        if subscriber is None:
            return None
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.token_hash = ""
        subscriber.changed = timezone.now()
        subscriber.save(update_fields=["status", "token_hash", "changed"])
        _event(subscriber, EmailConsentEvent.Kind.CONFIRMED, method="link", ip=ip)
        record("consent.newsletter_confirmed", organisation=subscriber.newsletter.organisation, obj=subscriber,
               ip=truncate_ip(ip), data={"list": subscriber.newsletter_id})
        _notify(subscriber, "confirmed")
    return subscriber


def subscriber_withdraw(*, subscriber: Subscriber, method: str, ip: str) -> bool:
    """Unsubscribe. Returns False when there was nothing to withdraw."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().select_related("newsletter__organisation").get(
            pk=subscriber.pk
        )
        if subscriber.status == Subscriber.Status.WITHDRAWN:
            return False
        subscriber.status = Subscriber.Status.WITHDRAWN
        subscriber.token_hash = ""
        subscriber.changed = timezone.now()
        subscriber.save(update_fields=["status", "token_hash", "changed"])
        _event(subscriber, EmailConsentEvent.Kind.WITHDRAWN, method=method, ip=ip)
        record("consent.newsletter_withdrawn", organisation=subscriber.newsletter.organisation, obj=subscriber,
               ip=truncate_ip(ip), data={"list": subscriber.newsletter_id, "method": method})
        _notify(subscriber, "withdrawn")
    return True


def _notify(subscriber: Subscriber, kind: str) -> None:
    if not subscriber.newsletter.webhook_url:
        return
    from .tasks import send_webhook

    transaction.on_commit(lambda: send_webhook.enqueue(subscriber_id=subscriber.pk, kind=kind))


def webhook_payload(subscriber: Subscriber, kind: str) -> dict:
    return {
        "event": f"subscriber.{kind}",
        "list": subscriber.newsletter.key,
        "email": subscriber.email,
        "status": subscriber.status,
        "at": subscriber.changed.isoformat(),
    }


# --------------------------------------------------------------------------
# The snippet the organisation pastes into its pages
# --------------------------------------------------------------------------

# Runs before any Google tag: Consent Mode v2 defaults (all denied but security),
# and a queue so `personvern.open()` works before the banner script has loaded.
STUB = (
    "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
    "gtag('consent','default',{ad_storage:'denied',ad_user_data:'denied',ad_personalization:'denied',"
    "analytics_storage:'denied',functionality_storage:'denied',personalization_storage:'denied',"
    "security_storage:'granted',wait_for_update:500});"
    "window.personvern={stub:1,q:[],open:function(){personvern.q.push(['open'])}};"
)


def snippet(site: Site, base_url: str, nonce: str = "") -> str:
    n = f' nonce="{nonce}"' if nonce else ""
    return f"<script{n}>{STUB}</script>\n<script src=\"{base_url}/c/{site.key}.js\" async{n}></script>"


def daily_stats(site: Site, days: int = 30) -> list[dict]:
    """Decisions and acceptance per optional category per day (Europe/Oslo days)."""
    from datetime import timedelta

    from django.db.models import Count, IntegerField, Sum
    from django.db.models.functions import Cast, TruncDate

    since = timezone.localdate() - timedelta(days=days - 1)
    rows = (
        site.records.filter(at__date__gte=since)
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(
            total=Count("id"),
            **{c: Sum(Cast(c, IntegerField())) for c in OPTIONAL_CATEGORIES},
        )
        .order_by("day")
    )
    by_day = {r["day"]: r for r in rows}
    out = []
    for i in range(days):
        day = since + timedelta(days=i)
        r = by_day.get(day, {"total": 0, **{c: 0 for c in OPTIONAL_CATEGORIES}})
        entry = {"day": day, "total": r["total"]}
        for c in OPTIONAL_CATEGORIES:
            entry[c] = round(100 * (r[c] or 0) / r["total"]) if r["total"] else None
        out.append(entry)
    return out


CHART_COLOURS = {"functional": "#6a3d9a", "statistics": "#0b3d91", "marketing": "#b34700"}


def chart_svg(stats: list[dict], categories: list[str]) -> str:
    """Acceptance per category per day as an inline SVG line chart (no JavaScript)."""
    from django.utils.html import escape

    w, h, left, bottom, top = 640, 220, 40, 30, 10
    n = max(len(stats) - 1, 1)
    x = lambda i: left + i * (w - left - 10) / n  # noqa: E731
    y = lambda pct: top + (h - top - bottom) * (100 - pct) / 100  # noqa: E731
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" '
        f'aria-labelledby="chart-title"><title id="chart-title">Andel som godtar, per kategori og dag</title>'
    ]
    for pct in (0, 50, 100):
        parts.append(f'<line x1="{left}" x2="{w - 10}" y1="{y(pct)}" y2="{y(pct)}" stroke="#ccc"/>'
                     f'<text x="{left - 6}" y="{y(pct) + 4}" text-anchor="end" font-size="11">{pct} %</text>')
    for i in (0, len(stats) - 1):
        if stats:
            parts.append(f'<text x="{x(i)}" y="{h - 10}" text-anchor="middle" font-size="11">'
                         f'{stats[i]["day"].isoformat()}</text>')
    for c in categories:
        points = " ".join(f"{x(i):.1f},{y(s[c]):.1f}" for i, s in enumerate(stats) if s[c] is not None)
        if points:
            parts.append(f'<polyline fill="none" stroke="{CHART_COLOURS[c]}" stroke-width="2" points="{points}">'
                         f"<title>{escape(c)}</title></polyline>")
            parts.extend(f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="3" fill="{CHART_COLOURS[c]}"/>'
                         for p in points.split())
    parts.append("</svg>")
    return "".join(parts)
