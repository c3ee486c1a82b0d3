"""Organisation pages under /o/<org>/notice/: preview beside the register, publish, versions, embed."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from personvern.accounts.access import org_view
from personvern.core.fixes import published
from personvern.core.manifest import dump_register
from personvern.registry.services import StaleVersion, current_version, register_apply_fixes, register_fixes

from . import services
from .forms import PublishForm


def _lang(request) -> str:
    return "en" if request.GET.get("lang") == "en" else "nb"


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _lint_context(register) -> dict:
    """The linter's findings in the language of the page."""
    lang = "en" if (translation.get_language() or "").startswith("en") else "nb"
    findings = services.notice_lint(register, lang) if register is not None else None
    return {
        "lint_available": findings is not None,
        "findings": findings or [],
        "lint_errors": services.errors_of(findings),
    }


@org_view("view")
def preview(request):
    lang = _lang(request)
    version = current_version(request.org)
    register = version.register() if version else None
    context = _lint_context(register)
    left_out: list = []
    if register is not None:  # the preview shows what publishing would print
        printed, left_out = published(register, context["findings"])
    html = services.notice_render(org=request.org, register=printed, lang=lang, base_url=_base_url(request),
                                  heading_level=3) if register else ""
    return render(request, "notices/preview.html", {
        "version": version, "lang": lang, "notice_html": html, "current": services.current_notice(request.org),
        "form": PublishForm(), "can_publish": request.membership.can("publish"),
        "can_fix": request.membership.can("edit_register"),
        "fixable": sum(1 for f in context["findings"] if f.fix), "left_out": left_out, **context,
    })


@org_view("publish")
@require_POST
def publish(request):
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Skjemaet er ikke gyldig."))
        return redirect("notices:preview", org=request.org.slug)
    try:
        before = services.current_notice(request.org)
        notice = services.notice_publish(org=request.org, user=request.user, request=request,
                                         override_reason=form.cleaned_data["override_reason"])
    except services.NothingToPublish:
        messages.error(request, _("Det finnes ingen protokoll å lage erklæring fra ennå."))
        return redirect("notices:preview", org=request.org.slug)
    except services.LintErrors as exc:
        version = current_version(request.org)
        register = version.register()
        return render(request, "notices/preview.html", {
            "version": version, "lang": "nb", "current": services.current_notice(request.org),
            "notice_html": services.notice_render(org=request.org, register=register, lang="nb",
                                                  base_url=_base_url(request), heading_level=3),
            "form": form, "can_publish": True, "override_needed": True, **_lint_context(register),
            "blocked": len(exc.findings),
        }, status=400)
    if before is not None and notice.pk == before.pk:
        messages.info(request, _("Erklæringen er uendret siden versjon %(n)s; ingen ny versjon ble publisert.")
                      % {"n": notice.number})
    else:
        messages.success(request, _("Versjon %(n)s av erklæringen er publisert.") % {"n": notice.number})
    return redirect("notices:versions", org=request.org.slug)


@org_view("view")
def versions(request):
    return render(request, "notices/versions.html", {"versions": services.notice_versions(request.org)})


@org_view("view")
def version_detail(request, number: int):
    notice = services.notice_at(request.org, number)
    if notice is None:
        raise Http404
    lang = _lang(request)
    previous = services.previous_notice(notice)
    return render(request, "notices/version.html", {
        "notice": notice, "previous": previous, "lang": lang,
        "diff": services.notice_diff(previous, notice, lang), "notice_html": notice.html(lang),
    })


@org_view("view")
def embed(request):
    base = _base_url(request)
    slug = request.org.slug
    current = services.current_notice(request.org)
    urls = {
        lang: {
            "page": base + reverse(f"notices_public:notice_{lang}", kwargs={"org": slug}),
            "embed": base + reverse(f"notices_public:embed_{lang}", kwargs={"org": slug}),
            "json": base + reverse(f"notices_public:json_{lang}", kwargs={"org": slug}),
            "versions": base + reverse(f"notices_public:versions_{lang}", kwargs={"org": slug}),
        }
        for lang in services.LANGS
    }
    return render(request, "notices/embed.html", {"current": current, "urls": urls})


@org_view("edit_register")
def fixes(request):
    """The linter's mechanical fixes as one change to review; saved as a new register version."""
    if request.method == "POST":
        try:
            saved = register_apply_fixes(org=request.org, base=int(request.POST.get("base") or 0),
                                         user=request.user, request=request)
        except (StaleVersion, ValueError):
            messages.error(request, _("Protokollen er endret siden du så på rettelsene. Se over dem igjen."))
            return redirect("notices:fixes", org=request.org.slug)
        if saved is not None:
            messages.success(request, _("Rettelsene er lagret som protokollversjon %(n)s.") % {"n": saved.number})
        return redirect("notices:preview", org=request.org.slug)
    version, fixed, applied = register_fixes(request.org)
    diff = services.line_diff(version.yaml.splitlines(), dump_register(fixed).splitlines()) if applied else []
    return render(request, "notices/fixes.html", {"version": version, "applied": applied, "diff": diff})
