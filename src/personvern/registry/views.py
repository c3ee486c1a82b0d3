"""The register's pages under /o/<org>/register/: overview, editing, history, YAML in and out.

Forms come from the schema (`forms.py`); every save validates the whole register
with `core.manifest.validate_data` and goes through `register_save_from`, which
refuses an edit whose base version is no longer current.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from personvern.accounts.access import org_view
from personvern.core.manifest import (
    Activity,
    Register,
    RegisterError,
    Text,
    loads_register_bytes,
    register_to_data,
    validate_data,
)

from .forms import (
    DELETE_FIELD,
    ROWS_FIELD,
    Errors,
    choice_label,
    fields_of,
    label_for,
    model_nodes,
    node_for,
    parse_field,
    parse_model,
    spec_for,
)
from .services import (
    RetentionRulesLocked,
    StaleVersion,
    current_version,
    previous_version,
    register_save_from,
    version_at,
    version_diff,
)

HISTORY_PAGE = 50


def _retention_locked() -> str:
    return _("Endringen gjelder reglene som sletter rader i tilkoblede databaser (håndheving av oppbevaringstiden). "
             "Bare en personvernansvarlig eller en eier kan endre dem; ingenting er lagret.")


# --------------------------------------------------------------------------
# Overview
# --------------------------------------------------------------------------


def _t(text) -> str:
    return text.get("en" if get_language() == "en" else "nb") if text is not None else ""


def _retention(r) -> str:
    if r is None:
        return ""
    parts = [r.period or "", choice_label(r.rule) if r.rule else "", r.law or "", _t(r.description)]
    return " · ".join(str(p) for p in parts if p)


def _summary(reg: Register) -> dict:
    def names(ids, find):
        return [(_t(x.name) if isinstance(x.name, Text) else x.name) if (x := find(i)) else i for i in ids]

    activities = []
    for a in reg.activities:
        role = reg.role(a.responsible_role) if a.responsible_role else None
        activities.append({
            "id": a.id,
            "name": _t(a.name),
            "purpose": _t(a.purpose),
            "bases": [" · ".join(p for p in (str(choice_label(b.basis)), b.law or "") if p) for b in a.legal_bases],
            "retention": _retention(a.retention),
            "role": _t(role.name) if role else (a.responsible_role or ""),
            "systems": names(a.systems, reg.system),
            "recipients": names(a.recipients, reg.recipient),
        })
    dpa_label = {True: _("ja"), False: _("nei"), None: _("ikke oppgitt")}
    tables = [
        ("roles", _("Roller"), [_("Rolle"), _("Ansvar"), _("Innehaver")],
         [(_t(r.name), r.id, [_t(r.responsibility), r.holder]) for r in reg.roles]),
        ("systems", _("Systemer"), [_("System"), _("Leverandør"), _("Antall")],
         [(s.name, s.id, [names([s.vendor], reg.recipient)[0] if s.vendor else "", s.count]) for s in reg.systems]),
        ("recipients", _("Databehandlere og andre mottakere"),
         [_("Mottaker"), _("Rolle"), _("Land"), _("Databehandleravtale"), _("Overføringsgrunnlag")],
         [(r.name, r.id, [choice_label(r.role), r.country, dpa_label[r.dpa.in_place if r.dpa else None],
                          choice_label(r.transfer.mechanism) if r.transfer else ""]) for r in reg.recipients]),
        ("cookies", _("Informasjonskapsler"), [_("Navn"), _("Tilbyder"), _("Kategori"), _("Formål"), _("Utløper")],
         [(c.name, choice_label(c.party) if c.party else "",
           [c.provider, choice_label(c.category) if c.category else "", _t(c.purpose),
            choice_label(c.expiry) if c.expiry else ""]) for c in reg.cookies]),
    ]
    return {
        "activities": activities,
        "tables": [{"id": key, "title": title, "headers": headers, "rows": rows, "edit": label_for(key)}
                   for key, title, headers, rows in tables],
    }


def _sections() -> list[tuple[str, str]]:
    """(name, label) of every top-level section edited on one page (activities have one page each)."""
    return [(name, label_for(name)) for name in fields_of(Register) if name != "activities"]


def _note_sql_conditions(request, version) -> None:
    """Say where the stored register still writes a retention condition as SQL text."""
    for path, sql in version.sql_conditions() if version and request.method == "GET" else []:
        messages.warning(request, _(
            "Oppbevaringsregelen %(path)s har vilkåret «%(sql)s» skrevet som SQL. Det er lest som vilkår med kolonne, "
            "sammenligning og verdi, og blir aldri kjørt som SQL. Lagre aktiviteten for å lagre den nye formen."
        ) % {"path": path.removesuffix(".condition"), "sql": sql})


@org_view("view")
def overview(request):
    version = current_version(request.org)
    register = version.register() if version else None
    _note_sql_conditions(request, version)
    return render(request, "registry/overview.html", {
        "version": version,
        "register": register,
        "problems": version.problems() if version else [],
        "summary": _summary(register) if register else None,
        "sections": _sections(),
        "can_edit": request.membership.can("edit_register"),
    })


# --------------------------------------------------------------------------
# Editing: one generic view over a part of the register
# --------------------------------------------------------------------------


@dataclass
class Part:
    """A part of the register edited on one page: a top-level section or one activity."""

    title: str
    path: str
    read: Callable[[dict], Any]
    write: Callable[[dict, bool, Any], None]  # (data, present, value): changes data in place
    model: type | None = None  # when set, the page shows the model's fields directly

    def nodes(self, value, errors: Errors, data: dict):
        if self.model is not None:
            return model_nodes(self.model, value or {}, self.path, errors, data)
        return [node_for(Register, self.path, value, "", errors, data)]

    def parse(self, post) -> tuple[bool, Any]:
        if self.model is not None:
            return True, parse_model(self.model, post, self.path)[0]
        present, value, _filled = parse_field(Register, self.path, post, "")
        return present, value


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _current_data(org):
    version = current_version(org)
    return version, (register_to_data(version.register()) if version else {})


def _problems(exc: RegisterError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in exc.problems:
        out.setdefault(p.path, []).append(p.message)
    return out


def _save(request, *, base, data: dict, message: str, problems: dict) -> tuple[bool, StaleVersion | None]:
    """Validate the whole register and save it from `base`; (saved, stale)."""
    try:
        register = validate_data(data, "register")
    except RegisterError as exc:
        problems.update(_problems(exc))
        return False, None
    try:
        saved = register_save_from(org=request.org, base=base, register=register, user=request.user,
                                   message=message, request=request,
                                   may_change_retention_rules=request.membership.can("manage_connections"))
    except StaleVersion as exc:
        return False, exc
    except RetentionRulesLocked:
        problems.setdefault("", []).append(_retention_locked())
        return False, None
    if saved.number == base:
        messages.info(request, _("Ingen endringer å lagre."))
    else:
        messages.success(request, _("Lagret som versjon %(n)s.") % {"n": saved.number})
    return True, None


def _edit(request, part: Part, *, done: str, extra: dict | None = None):
    version, data = _current_data(request.org)
    current = version.number if version else 0
    value, problems, stale, new_data = part.read(data), {}, None, data
    base = current
    if request.method == "POST":
        present, value = part.parse(request.POST)
        base = _int(request.POST.get("base"))
        new_data = copy.deepcopy(data)
        part.write(new_data, present, value)
        message = request.POST.get("message", "").strip() or _("Endret: %(part)s") % {"part": part.title}
        if base != current:
            stale = StaleVersion(base or 0, current)
        else:
            saved, stale = _save(request, base=base, data=new_data, message=message, problems=problems)
            if saved:
                return redirect(done)
    errors = Errors(problems)
    nodes = part.nodes(value, errors, new_data)
    return render(request, "registry/edit.html", {
        "part": part,
        "nodes": nodes,
        "other_errors": errors.rest(),
        "has_errors": bool(problems),
        "stale": stale,
        "base": base if base is not None else current,
        "version": version,
        "rows_field": ROWS_FIELD,
        "delete_field": DELETE_FIELD,
        **(extra or {}),
    })


def _overview_url(request, anchor: str = "") -> str:
    return reverse("registry:overview", args=[request.org.slug]) + (f"#{anchor}" if anchor else "")


@org_view("edit_register")
def edit_section(request, section: str):
    if section not in dict(_sections()):
        raise Http404

    def write(data, present, value):
        if present:
            data[section] = value
        else:
            data.pop(section, None)

    spec = spec_for(Register, section)
    part = Part(label_for(section), section, lambda data: data.get(section), write,
                model=spec.model if spec.kind == "model" else None)
    return _edit(request, part, done=_overview_url(request, section))


def _activity_index(data: dict, activity: str) -> int:
    for i, item in enumerate(data.get("activities") or []):
        if isinstance(item, dict) and item.get("id") == activity:
            return i
    raise Http404


def _activity_part(title: str, index: int, append: bool) -> Part:
    def read(data):
        return {} if append else data["activities"][index]

    def write(data, present, value):
        activities = data.setdefault("activities", [])
        if append:
            activities.append(value)
        else:
            activities[index] = value

    return Part(title, f"activities[{index}]", read, write, model=Activity)


@org_view("edit_register")
def edit_activity(request, activity: str):
    version, data = _current_data(request.org)
    index = _activity_index(data, activity)
    _note_sql_conditions(request, version)
    title = _("Behandlingsaktivitet: %(id)s") % {"id": activity}
    return _edit(request, _activity_part(title, index, append=False), done=_overview_url(request, "activities"),
                 extra={"activity": activity})


@org_view("edit_register")
def add_activity(request):
    _version, data = _current_data(request.org)
    index = len(data.get("activities") or [])
    return _edit(request, _activity_part(_("Ny behandlingsaktivitet"), index, append=True),
                 done=_overview_url(request, "activities"))


@org_view("edit_register")
def delete_activity(request, activity: str):
    version, data = _current_data(request.org)
    index = _activity_index(data, activity)
    problems: dict[str, list[str]] = {}
    stale = None
    if request.method == "POST":
        base = _int(request.POST.get("base"))
        new_data = copy.deepcopy(data)
        del new_data["activities"][index]
        if base != version.number:
            stale = StaleVersion(base or 0, version.number)
        else:
            message = _("Slettet behandlingsaktivitet %(id)s") % {"id": activity}
            saved, stale = _save(request, base=base, data=new_data, message=message, problems=problems)
            if saved:
                return redirect(_overview_url(request, "activities"))
    return render(request, "registry/delete_activity.html", {
        "activity": activity,
        "name": _t(Text.model_validate(data["activities"][index]["name"])),
        "version": version,
        "problems": Errors(problems).rest(),
        "stale": stale,
    })


# --------------------------------------------------------------------------
# History and YAML
# --------------------------------------------------------------------------


@org_view("view")
def history(request):
    versions = request.org.register_versions.select_related("created_by").order_by("-number")
    page = Paginator(versions.defer("yaml"), HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(request, "registry/history.html", {
        "versions": page, "page": page, "can_edit": request.membership.can("edit_register"),
    })


def _diff_lines(lines: list[str]) -> list[tuple[str, str]]:
    out = []
    for line in lines:
        if line.startswith(("+++", "---")):
            kind = "head"
            line = line.replace("(tom)", _("(ingen)"))  # version_diff's name for "no version before"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = ""
        out.append((kind, line))
    return out


@org_view("view")
def version_detail(request, number: int):
    version = version_at(request.org, number)
    if version is None:
        raise Http404
    previous = previous_version(version)
    lines = _diff_lines(version_diff(previous, version))
    return render(request, "registry/version.html", {
        "v": version,
        "previous": previous,
        "lines": lines,
        "added": sum(1 for kind, _line in lines if kind == "add"),
        "removed": sum(1 for kind, _line in lines if kind == "del"),
        "is_current": current_version(request.org).number == version.number,
        "can_edit": request.membership.can("edit_register"),
    })


def _yaml_response(org, version) -> HttpResponse:
    response = HttpResponse(version.yaml, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{org.slug}-v{version.number}.yaml"'
    return response


@org_view("view")
def download(request):
    version = current_version(request.org)
    if version is None:
        raise Http404
    return _yaml_response(request.org, version)


@org_view("view")
def download_version(request, number: int):
    version = version_at(request.org, number)
    if version is None:
        raise Http404
    return _yaml_response(request.org, version)


def _read_upload(file) -> tuple[Register | None, list, str]:
    """(register, problems, error) from an uploaded file; the register only when it is valid."""
    if file is None:
        return None, [], _("Velg en YAML-fil.")
    limits = settings.INPUT_LIMITS
    if file.size > limits.register_bytes:
        return None, [], _("Filen er for stor (største tillatte størrelse er %(kb)s kB).") % {"kb": limits.register_bytes // 1024}
    try:
        return loads_register_bytes(file.read(limits.register_bytes + 1), os.path.basename(file.name)[:100], limits), [], ""
    except RegisterError as exc:
        return None, exc.problems, ""


@org_view("edit_register")
def upload(request):
    version = current_version(request.org)
    current = version.number if version else 0
    context: dict = {"version": version, "base": current, "max_kb": settings.INPUT_LIMITS.register_bytes // 1024}
    if request.method != "POST":
        return render(request, "registry/upload.html", context)
    base = _int(request.POST.get("base"))
    file = request.FILES.get("file")
    filename = os.path.basename(file.name)[:100] if file else ""
    context["filename"] = filename
    if base != current:
        context["stale"] = StaleVersion(base or 0, current)
        return render(request, "registry/upload.html", context)
    register, context["problems"], context["error"] = _read_upload(file)
    if register is None:
        return render(request, "registry/upload.html", context)
    message = request.POST.get("message", "").strip() or _("Lastet opp %(file)s") % {"file": filename}
    try:
        saved = register_save_from(org=request.org, base=base, register=register, user=request.user,
                                   message=message, request=request,
                                   may_change_retention_rules=request.membership.can("manage_connections"))
    except StaleVersion as exc:
        context["stale"] = exc
        return render(request, "registry/upload.html", context)
    except RetentionRulesLocked:
        context["error"] = _retention_locked()
        return render(request, "registry/upload.html", context)
    if saved.number == current:
        messages.info(request, _("Filen er lik gjeldende versjon; ingenting er endret."))
    else:
        messages.success(request, _("Lagret som versjon %(n)s.") % {"n": saved.number})
    return redirect("registry:history", request.org.slug)
