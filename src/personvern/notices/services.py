"""Previewing, linting and publishing the notice. Views and commands call these."""

from __future__ import annotations

import datetime as dt
import difflib
import re

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from personvern.audit.service import record
from personvern.core import notice as core_notice
from personvern.core.fixes import published
from personvern.core.manifest import Register
from personvern.registry.services import current_version

from .models import PublishedNotice

LANGS = ("nb", "en")
# The rights request form on this platform, used when the register names no e-mail or form.
REQUEST_FORM = {"nb": "rights_public:form_nb", "en": "rights_public:form_en"}


class NothingToPublish(Exception):
    """The organisation has no register yet."""


class LintErrors(Exception):
    """The linter found errors and no override reason was given."""

    def __init__(self, findings: list):
        self.findings = findings
        super().__init__(f"{len(findings)} lint error(s)")


def request_url(org, lang: str, base_url: str = "") -> str:
    return base_url + reverse(REQUEST_FORM[lang], kwargs={"org": org.slug})


def notice_lint(register: Register, lang: str = "nb") -> list | None:
    """The linter's findings, or None while the linter (personvern.core.rules) is not installed."""
    try:
        from personvern.core.rules import lint
    except ImportError:
        return None
    return list(lint(register, lang))


def errors_of(findings: list | None) -> list:
    return [f for f in (findings or []) if str(getattr(f, "severity", "")).lower().endswith("error")]


def warnings_of(findings: list | None) -> list:
    return [f for f in (findings or []) if str(getattr(f, "severity", "")).lower().endswith("warning")]


def notice_render(*, org, register: Register, lang: str, base_url: str = "", as_of: dt.date | None = None,
                  heading_level: int = 1) -> str:
    """The notice fragment (<style> + <article>) as it would be published; `heading_level` places its
    headings inside another page (the preview)."""
    doc = core_notice.build(register, lang, request_url=request_url(org, lang, base_url),
                            as_of=as_of or timezone.localdate())
    return core_notice.notice_html(doc, heading_level=heading_level)


def _renderings(org, register: Register, base_url: str, as_of: dt.date) -> dict:
    out = {}
    for lang in LANGS:
        doc = core_notice.build(register, lang, request_url=request_url(org, lang, base_url), as_of=as_of)
        out[f"html_{lang}"] = core_notice.notice_html(doc)
        out[f"md_{lang}"] = core_notice.notice_markdown(doc)
        out[f"title_{lang}"] = doc.title[:300]
        out["last_changed"] = doc.last_changed
    return out


def current_notice(org) -> PublishedNotice | None:
    return org.published_notices.order_by("-number").first()


def notice_publish(*, org, user=None, override_reason: str | None = None, request=None,
                   base_url: str = "") -> PublishedNotice:
    """Publish the current register's notice as the next immutable version.

    Raises NothingToPublish without a register, LintErrors when the linter finds errors and no
    override reason is given. Unchanged content (same renderings as the current version) is not
    published again: the current version is returned.
    """
    version = current_version(org)
    if version is None:
        raise NothingToPublish
    register = version.register()
    findings = notice_lint(register, "nb")
    errors = errors_of(findings)
    reason = (override_reason or "").strip()
    if errors and not reason:
        raise LintErrors(errors)
    if request is not None and not base_url:
        base_url = f"{request.scheme}://{request.get_host()}"
    # A text the linter found to state something wrong (repealed law, an old address) is left out, never published.
    register, _left_out = published(register, findings or [])
    with transaction.atomic():
        last = PublishedNotice.objects.select_for_update().filter(organisation=org).order_by("-number").first()
        if last is not None:
            same = _renderings(org, register, base_url, last.last_changed or timezone.localdate())
            digest = PublishedNotice.content_digest(same["html_nb"], same["html_en"], same["md_nb"], same["md_en"])
            if digest == last.sha256:
                return last
        parts = _renderings(org, register, base_url, timezone.localdate())
        notice = PublishedNotice.objects.create(
            organisation=org,
            number=(last.number + 1) if last else 1,
            register_version=version,
            register_number=version.number,
            register_sha256=version.sha256,
            sha256=PublishedNotice.content_digest(parts["html_nb"], parts["html_en"], parts["md_nb"], parts["md_en"]),
            published_by=user if (user is not None and user.is_authenticated) else None,
            lint_errors=len(errors),
            lint_warnings=len(warnings_of(findings)),
            override_reason=reason if errors else "",
            **parts,
        )
        if errors:
            record("notice.lint_overridden", request=request, actor=user, organisation=org, obj=notice,
                   data={"number": notice.number, "errors": len(errors),
                         "rules": sorted({str(getattr(f, "rule_id", "")) for f in errors}),
                         "reason": reason[:1000]})
        record("notice.published", request=request, actor=user, organisation=org, obj=notice,
               data={"number": notice.number, "sha256": notice.sha256, "register_number": version.number,
                     "register_sha256": version.sha256, "lint_errors": len(errors),
                     "lint_warnings": notice.lint_warnings, "lint_ran": findings is not None})
    return notice


def notice_versions(org):
    return org.published_notices.select_related("published_by").order_by("-number")


def notice_at(org, number: int) -> PublishedNotice | None:
    return org.published_notices.filter(number=number).first()


def previous_notice(notice: PublishedNotice) -> PublishedNotice | None:
    return (PublishedNotice.objects.filter(organisation_id=notice.organisation_id, number__lt=notice.number)
            .order_by("-number").first())


def notice_diff(old: PublishedNotice | None, new: PublishedNotice, lang: str) -> list[tuple[str, str]]:
    """A readable diff of two versions' text: [(kind, line)], kind in ' ', '+', '-', '@' (a gap)."""
    return line_diff(_diff_lines(old.markdown(lang)) if old else [], _diff_lines(new.markdown(lang)))


def line_diff(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    """[(kind, line)] with two lines of context, kind in ' ', '+', '-', '@' (a gap): what _diff.html shows."""
    out: list[tuple[str, str]] = []
    for group in difflib.SequenceMatcher(None, before, after, autojunk=False).get_grouped_opcodes(2):
        if out:
            out.append(("@", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [(" ", x) for x in before[i1:i2]]
            if tag in ("replace", "delete"):
                out += [("-", x) for x in before[i1:i2]]
            if tag in ("replace", "insert"):
                out += [("+", x) for x in after[j1:j2]]
    return out


def _diff_lines(md: str) -> list[str]:
    """Markdown as the lines a reader compares: markup removed, blank lines dropped."""
    lines = []
    for line in md.splitlines():
        line = line.strip()
        if not line or re.fullmatch(r"\|?(-+\|)+", line):
            continue
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
        line = re.sub(r"\\(.)", r"\1", line.replace("**", ""))
        line = line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        lines.append(line)
    return lines


def notice_json(notice: PublishedNotice, lang: str, base_url: str = "") -> dict:
    org = notice.organisation
    name = "notices_public:notice_en" if lang == "en" else "notices_public:notice_nb"
    return {
        "organisation": org.slug,
        "lang": lang,
        "version": notice.number,
        "title": notice.title(lang),
        "published": notice.published_at.isoformat(),
        "last_changed": notice.last_changed.isoformat() if notice.last_changed else None,
        "sha256": notice.sha256,
        "register_version": notice.register_number,
        "url": base_url + reverse(name, kwargs={"org": org.slug}),
        "html": notice.html(lang),
        "markdown": notice.markdown(lang),
    }
