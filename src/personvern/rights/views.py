"""Organisation pages under /o/<org>/requests/: inbox, registration by staff, the request page."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from personvern.accounts.access import org_view
from personvern.core import inputs
from personvern.registry.services import current_register

from . import services
from .export import zip_response
from .forms import ExtendForm, FeeForm, NoteForm, RefuseForm, RowsForm, StaffRequestForm, TaskForm
from .models import Request, RequestType, Task



def _get(request, ref: str) -> Request:
    """The organisation's request by reference; another organisation's reference is a 404."""
    return get_object_or_404(Request.objects.select_related("organisation"), organisation=request.org, reference=ref)


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


@org_view("handle_requests")
def inbox(request):
    show_all = request.GET.get("all") == "1"
    today = timezone.localdate()
    rows = [
        {"req": r, "days_left": r.days_left(today), "overdue": -r.days_left(today),
         "open_tasks": sum(1 for t in r.tasks.all() if t.status == Task.Status.OPEN),
         "tasks": len(r.tasks.all())}
        for r in services.inbox(request.org, include_closed=show_all)
    ]
    return render(request, "rights/inbox.html", {
        "rows": rows, "show_all": show_all, "figure": services.on_time_figure(request.org, today),
        "form": StaffRequestForm(initial={"received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                                          "language": "nb"}),
    })


@org_view("handle_requests")
def register_request(request):
    """A request received by letter, phone, e-mail or in person."""
    form = StaffRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            req = services.request_submit(
                org=request.org, type=d["type"], name=d["name"], email=d["email"], phone=d["phone"],
                customer_number=d["customer_number"], message=d["message"], language=d["language"],
                direct_marketing=d["direct_marketing"],
                channel=d["channel"], received_at=d["received_at"], user=request.user, request=request,
                base_url=_base_url(request), send_link=d["send_link"] and bool(d["email"]),
            )
        except services.RightsError as exc:
            form.add_error(None, exc.translated())
        else:
            messages.success(request, _("Forespørselen er registrert: %(ref)s") % {"ref": req.reference})
            return redirect("rights:detail", org=request.org.slug, ref=req.reference)
    return render(request, "rights/register.html", {"form": form}, status=400 if request.method == "POST" else 200)


@org_view("handle_requests")
def detail(request, ref: str):
    req = _get(request, ref)
    register = current_register(request.org)
    letter = None
    if req.is_open and req.is_verified:
        letter = services.answer_preview(req, download_url="[lenke]" if req.type in services.EXPORT_TYPES and req.email else "")
    rows = {}
    for part in req.export_rows.all():
        rows[part.system_id] = rows.get(part.system_id, 0) + part.count
    connected = set(request.org.connections.exclude(system_id="").values_list("system_id", flat=True))
    automatic = req.type in services.AUTOMATIC_TYPES
    tasks = [
        {"task": t, "rows": rows.get(t.system_id, 0), "form": TaskForm(prefix=f"t{t.pk}"), "connected": automatic and t.system_id in connected}
        for t in req.tasks.all()
    ]
    events = list(req.events.select_related("actor"))
    mails = [e.kind for e in events if e.kind in ("mail_failed", "verification_sent")]
    return render(request, "rights/detail.html", {
        "req": req, "tasks": tasks, "events": events, "letter": letter,
        "mail_failed": bool(mails) and mails[-1] == "mail_failed",
        "has_register": register is not None, "export_type": req.type in services.EXPORT_TYPES,
        "days_left": req.days_left(), "packages": req.packages.order_by("-created_at"),
        "note_form": NoteForm(), "extend_form": ExtendForm(), "refuse_form": RefuseForm(), "fee_form": FeeForm(),
        "rows_form": RowsForm(), "types": RequestType,
    })


def _tasks(req: Request):
    """Create the tasks later (e.g. the register was saved after the request was verified)."""
    if not req.is_verified or not req.is_open:
        raise services.RightsError(gettext_noop("Identiteten må bekreftes før noe gjøres."))
    return services.tasks_create(req=req)


ACTIONS = {
    "verify_manual": (NoteForm, lambda req, d, r: services.request_verify_manually(
        req=req, note=d["note"], user=r.user, request=r)),
    "send_link": (None, lambda req, d, r: services.request_send_verification(
        req=req, user=r.user, request=r, base_url=_base_url(r))),
    "tasks": (None, lambda req, d, r: _tasks(req)),
    "wait": (NoteForm, lambda req, d, r: services.request_wait(req=req, note=d["note"], user=r.user, request=r)),
    "resume": (None, lambda req, d, r: services.request_resume(req=req, user=r.user, request=r)),
    "extend": (ExtendForm, lambda req, d, r: services.request_extend(
        req=req, reasons=d["reasons"], months=d["months"], user=r.user, request=r,
        send=bool(req.email), notified_at=None if req.email else d.get("notified_at"))),
    "refuse": (RefuseForm, lambda req, d, r: services.request_refuse(
        req=req, ground=d["ground"], reasons=d["reasons"], excessive_justification=d["excessive_justification"],
        provision=d["provision"], provision_text=d["provision_text"], user=r.user, request=r)),
    "fee": (FeeForm, lambda req, d, r: services.request_charge_fee(
        req=req, fee_nok=d["fee_nok"], ground=d["ground"], justification=d["justification"], user=r.user,
        request=r)),
    "complete": (None, lambda req, d, r: services.request_complete(
        req=req, user=r.user, request=r, base_url=_base_url(r))),
}


@org_view("handle_requests")
@require_POST
def action(request, ref: str, name: str):
    req = _get(request, ref)
    if name not in ACTIONS:
        raise Http404
    form_class, run = ACTIONS[name]
    data = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("rights:detail", org=request.org.slug, ref=req.reference)
        data = form.cleaned_data
    try:
        run(req, data, request)
    except services.RightsError as exc:
        messages.error(request, exc.translated())
    else:
        messages.success(request, _("Lagret."))
    return redirect("rights:detail", org=request.org.slug, ref=req.reference)


@org_view("handle_requests")
@require_POST
def task_update(request, ref: str, task: int):
    req = _get(request, ref)
    obj = get_object_or_404(Task, pk=task, request=req)
    if request.POST.get("reopen"):
        try:
            services.task_reopen(task=obj, user=request.user, request=request)
        except services.RightsError as exc:
            messages.error(request, exc.translated())
        return redirect("rights:detail", org=request.org.slug, ref=req.reference)
    form = TaskForm(request.POST, prefix=f"t{obj.pk}")
    if form.is_valid():
        checked = [int(v) for v in request.POST.getlist(f"t{obj.pk}-check") if v.isdigit()]
        try:
            services.task_complete(task=obj, user=request.user, request=request, checked=checked, **form.cleaned_data)
        except services.RightsError as exc:
            messages.error(request, exc.translated())
        else:
            messages.success(request, _("Oppgaven er lukket."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("rights:detail", org=request.org.slug, ref=req.reference)


@org_view("handle_requests")
@require_POST
def task_connector(request, ref: str, task: int):
    """Carry out the task in the system's connected database (personvern.datasources)."""
    from personvern.connectors.engine import ConnectorError
    from personvern.datasources.policy import explain
    from personvern.datasources.services import task_start_connector

    req = _get(request, ref)
    obj = get_object_or_404(Task, pk=task, request=req, status=Task.Status.OPEN)
    confirm_large = request.POST.get("confirm_large") == "1"  # staff checked the plan of a large erasure
    try:
        note = task_start_connector(task=obj, user=request.user, request=request, confirm_large=confirm_large)
        (messages.success if obj.status != Task.Status.OPEN else messages.info if obj.outcome.get("running") else messages.warning)(request, note)
    except services.RightsError as exc:
        messages.error(request, exc.translated())
    except ConnectorError as exc:
        messages.error(request, explain(exc))
    return redirect("rights:detail", org=request.org.slug, ref=req.reference)


@org_view("handle_requests")
@require_POST
def package_hand_over(request, ref: str, package: int):
    """The package of a request without an e-mail address, for staff to deliver another way (once)."""
    req = _get(request, ref)
    try:
        obj, content = services.package_hand_over(req=req, package_id=package, user=request.user, request=request)
    except services.RightsError as exc:
        messages.error(request, exc.translated())
        return redirect("rights:detail", org=request.org.slug, ref=req.reference)
    return zip_response(req.reference, content)


def parse_rows(name: str, content: bytes) -> list[dict]:
    """Rows from an uploaded CSV or JSON file (a list of objects), through the input guard."""
    limits = settings.INPUT_LIMITS
    text = inputs.check_text(content, limits.rows_bytes)
    if name.lower().endswith(".json"):
        rows = inputs.loads_json(text, limits)
        if isinstance(rows, dict):
            rows = [rows]
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("JSON must be an object or a list of objects")
        return rows
    return [dict(r) for r in csv.DictReader(io.StringIO(text))]


@org_view("handle_requests")
@require_POST
def task_rows(request, ref: str, task: int):
    """Add the data found in a system by hand (what a connector does automatically)."""
    req = _get(request, ref)
    obj = get_object_or_404(Task, pk=task, request=req)
    form = RowsForm(request.POST, request.FILES)
    if not req.is_verified or not req.is_open:
        messages.error(request, _("Identiteten må bekreftes før noe gjøres."))
    elif form.is_valid() and form.cleaned_data["file"].size <= settings.INPUT_LIMITS.rows_bytes:
        upload = form.cleaned_data["file"]
        try:
            rows = parse_rows(upload.name, upload.read())
        except (ValueError, UnicodeDecodeError, csv.Error) as exc:
            messages.error(request, _("Kunne ikke lese filen: %(e)s") % {"e": exc})
        else:
            services.export_add_rows(req, obj.system_id, rows, source="manual")
            messages.success(request, _("%(n)s rader lagt til.") % {"n": len(rows)})
    else:
        messages.error(request, _("Velg en CSV- eller JSON-fil (høyst %(mb)s MB).")
                       % {"mb": settings.INPUT_LIMITS.rows_bytes // (1024 * 1024)})
    return redirect("rights:detail", org=request.org.slug, ref=req.reference)
