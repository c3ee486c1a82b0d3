"""Organisation pages under /o/<org>/consent/: sites, banner settings, ledger, newsletters."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseForbidden, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from personvern.accounts.access import org_view
from personvern.audit.service import record
from personvern.core.headers import control_problem, host_problem
from personvern.core.spreadsheet import csv_writer
from personvern.registry.services import current_register

from . import services
from .models import OPTIONAL_CATEGORIES, ConsentRecord, EmailConsentEvent, NewsletterList, Site, Subscriber
from .public_views import base_url, script_for
from .services import unsubscribe_headers


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["lifetime_days", "ledger_retention_days", "reopen_button", "cookie_domain"]

    def clean_cookie_domain(self):
        value = self.cleaned_data["cookie_domain"].strip().lower().lstrip(".")
        if value and (host_problem(value) or ":" in value):  # it goes into the Set-Cookie header
            raise forms.ValidationError(gettext_lazy("Skriv et domenenavn, f.eks. example.no."))
        return value

    def clean_lifetime_days(self):
        value = self.cleaned_data["lifetime_days"]
        if not 1 <= value <= 395:
            raise forms.ValidationError(gettext_lazy("Velg mellom 1 og 395 dager (13 måneder)."))
        return value


class NewsletterForm(forms.ModelForm):
    webhook_url = forms.URLField(
        required=False, assume_scheme="https", label=NewsletterList._meta.get_field("webhook_url").verbose_name,
        help_text=NewsletterList._meta.get_field("webhook_url").help_text,
    )

    class Meta:
        model = NewsletterList
        fields = ["name", "wording_nb", "wording_en", "webhook_url"]
        widgets = {"wording_nb": forms.Textarea(attrs={"rows": 3}), "wording_en": forms.Textarea(attrs={"rows": 3})}

    def clean_name(self):
        name = self.cleaned_data["name"]
        if control_problem(name):  # the name is in the subject of the confirmation mail
            raise forms.ValidationError(gettext_lazy("Skriv navnet på én linje, uten linjeskift eller andre kontrolltegn."))
        return name


def _can(request, capability: str) -> bool:
    return request.membership.can(capability)


@org_view("view")
def index(request):
    org = request.org
    register = current_register(org)
    sites = list(org.consent_sites.all())
    taken = {s.url for s in sites}
    free = [w.url for w in (register.controller.websites if register else []) if w.url not in taken]
    list_form = NewsletterForm()
    if request.method == "POST":
        if not _can(request, "publish"):
            return HttpResponseForbidden()
        if request.POST.get("action") == "add_site" and request.POST.get("url") in free:
            site = services.site_create(org=org, url=request.POST["url"], request=request)
            messages.success(request, _("Nettstedet er lagt til."))
            return redirect("consent:site", org.slug, site.pk)
        if request.POST.get("action") == "add_list":
            form = list_form = NewsletterForm(request.POST)  # shown again with its errors
            if form.is_valid():
                newsletter = form.save(commit=False)
                newsletter.organisation = org
                newsletter.save()
                record("consent.newsletter_created", request=request, obj=newsletter)
                return redirect("consent:newsletter", org.slug, newsletter.pk)
        messages.error(request, _("Kunne ikke lagre. Sjekk feltene."))
    uncategorised = [c.name for c in (register.cookies if register else []) if c.category is None]
    query = (request.GET.get("q") or "").strip()[:40]
    found = (ConsentRecord.objects.filter(site__organisation=org, consent_id=query).select_related("site")
             .order_by("at")[:200] if query else None)
    return render(request, "consent/index.html", {
        "query": query, "found": found,
        "sites": sites, "free": free, "lists": org.newsletter_lists.all(), "list_form": list_form,
        "uncategorised": uncategorised, "can_edit": _can(request, "publish"),
    })


def _site(request, pk: int) -> Site:
    return get_object_or_404(Site.objects.select_related("organisation"), pk=pk, organisation=request.org)


@org_view("view")
def site_detail(request, pk: int):
    site = _site(request, pk)
    form = SiteForm(instance=site)
    if request.method == "POST":
        if not _can(request, "publish"):
            return HttpResponseForbidden()
        form = SiteForm(request.POST, instance=Site.objects.get(pk=site.pk))
        if form.is_valid():
            services.site_update(site=site, fields={f: form.cleaned_data[f] for f in form.changed_data},
                                 request=request)
            messages.success(request, _("Innstillingene er lagret."))
            return redirect("consent:site", request.org.slug, site.pk)
    register = current_register(request.org)
    table = services.cookie_table(register)
    categories = [c for c in table if c != "necessary"]
    stats = services.daily_stats(site)
    query = (request.GET.get("q") or "").strip()[:40]
    records = site.records.all()
    if query:
        records = records.filter(consent_id=query)
    return render(request, "consent/site.html", {
        "site": site, "form": form, "snippet": services.snippet(site, base_url(request), nonce="NONCE"),
        "stub": services.STUB, "categories": categories, "version": services.version_hash(register),
        "legend": [(c, services.CHART_COLOURS[c]) for c in categories],
        "table": table, "stats_rows": [(s["day"], s["total"], [s[c] for c in categories]) for s in stats if s["total"]], "chart": services.chart_svg(stats, categories),
        "query": query, "records": records[:100], "total": site.records.count(),
        "can_edit": _can(request, "publish"), "can_export": _can(request, "handle_requests"),
    })


@org_view("view")
def site_preview(request, pk: int):
    """The banner as visitors see it, on a blank page (nothing is stored)."""
    site = _site(request, pk)
    lang = "en" if request.GET.get("lang") == "en" else "nb"
    config = services.banner_config(site, current_register(request.org), base_url=base_url(request))
    return render(request, "consent/preview.html", {"site": site, "lang": lang, "script": script_for(config)})


class _Echo:
    def write(self, value):
        return value


def _csv_response(filename: str, header: list[str], rows):
    writer = csv_writer(_Echo())

    def stream():
        yield "\ufeff"
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@org_view("handle_requests")
def site_export(request, pk: int):
    site = _site(request, pk)
    records = ConsentRecord.objects.filter(site=site).order_by("at", "id")
    record("consent.ledger_exported", request=request, obj=site, data={"rows": records.count()})
    rows = (
        [r.at.isoformat(), r.consent_id, r.record_id, *(int(getattr(r, c)) for c in OPTIONAL_CATEGORIES), r.method,
         r.version, r.language, r.ip]
        for r in records.iterator(chunk_size=2000)
    )
    header = ["at", "consent_id", "record_id", *OPTIONAL_CATEGORIES, "method", "version", "language", "ip"]
    return _csv_response(f"consent-ledger-{site.key}.csv", header, rows)


def _newsletter(request, pk: int) -> NewsletterList:
    return get_object_or_404(NewsletterList, pk=pk, organisation=request.org)


@org_view("view")
def newsletter_detail(request, pk: int):
    newsletter = _newsletter(request, pk)
    form = NewsletterForm(instance=newsletter)
    if request.method == "POST":
        if not _can(request, "publish"):
            return HttpResponseForbidden()
        form = NewsletterForm(request.POST, instance=newsletter)
        if form.is_valid():
            form.save()
            record("consent.newsletter_updated", request=request, obj=newsletter, data={"fields": form.changed_data})
            messages.success(request, _("Lagret."))
            return redirect("consent:newsletter", request.org.slug, newsletter.pk)
    counts = {s: newsletter.subscribers.filter(status=s).count() for s in Subscriber.Status.values}
    url = f"{base_url(request)}/c/n/{newsletter.key}/"
    return render(request, "consent/newsletter.html", {
        "newsletter": newsletter, "form": form, "counts": counts, "form_url": url,
        "embed": f'<iframe src="{url}" title="{newsletter.name}" width="100%" height="420" style="border:0"></iframe>',
        "events": newsletter.events.select_related("subscriber").order_by("-at", "-id")[:50],
        "can_edit": _can(request, "publish"), "can_export": _can(request, "handle_requests"),
    })


@org_view("handle_requests")
def newsletter_subscribers_export(request, pk: int):
    """Current state per address, with each address's signed unsubscribe link for the mailing tool."""
    newsletter = _newsletter(request, pk)
    subscribers = newsletter.subscribers.all()
    record("consent.subscribers_exported", request=request, obj=newsletter, data={"rows": subscribers.count()})
    root = base_url(request)

    def row(s: Subscriber) -> list[str]:
        headers = unsubscribe_headers(s, root)  # the same headers as personvern's own mail
        return [s.email, s.status, s.language, s.changed.isoformat(), headers["List-Unsubscribe"].strip("<>"),
                headers["List-Unsubscribe"], headers["List-Unsubscribe-Post"]]

    rows = (row(s) for s in subscribers.iterator(chunk_size=2000))
    return _csv_response(f"subscribers-{newsletter.key}.csv",
                         ["email", "status", "language", "changed", "unsubscribe_url", "list_unsubscribe",
                          "list_unsubscribe_post"], rows)


@org_view("handle_requests")
def newsletter_events_export(request, pk: int):
    newsletter = _newsletter(request, pk)
    events = EmailConsentEvent.objects.filter(newsletter=newsletter).select_related("subscriber").order_by("at", "id")
    record("consent.newsletter_ledger_exported", request=request, obj=newsletter, data={"rows": events.count()})
    rows = (
        [e.at.isoformat(), e.subscriber.email, e.kind, e.method, e.language, e.wording_version, e.wording, e.ip]
        for e in events.iterator(chunk_size=2000)
    )
    return _csv_response(f"newsletter-ledger-{newsletter.key}.csv",
                         ["at", "email", "event", "method", "language", "wording_version", "wording", "ip"], rows)
