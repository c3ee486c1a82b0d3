from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from personvern.accounts.access import org_view
from personvern.connectors.discover import discover
from personvern.connectors.engine import ConnectorError
from personvern.audit.service import record
from personvern.registry.services import current_register

from . import services
from .forms import ConnectionForm
from .models import Connection, RetentionRun
from .policy import explain


def _systems(org) -> list[tuple[str, str]]:
    register = current_register(org)
    return [(s.id, s.name) for s in register.systems] if register else []


@org_view("view")
def connection_list(request):
    return render(
        request,
        "datasources/list.html",
        {
            "connections": request.org.connections.all(),
            "runs": request.org.retention_runs.all()[:20],
            "can_manage": request.membership.can("manage_connections"),
        },
    )


@org_view("manage_connections")
def connection_new(request):
    form = ConnectionForm(request.POST or None, systems=_systems(request.org))
    if request.method == "POST" and form.is_valid():
        if request.org.connections.filter(slug=form.cleaned_data["slug"]).exists():
            form.add_error("slug", _("En tilkobling med denne ID-en finnes allerede."))
        else:
            connection = form.save(commit=False)
            connection.organisation = request.org
            connection.save()
            record("connection.created", request=request, obj=connection, data={"slug": connection.slug})
            return redirect("datasources:detail", request.org.slug, connection.slug)
    return render(request, "datasources/form.html", {"form": form}, status=400 if form.errors else 200)


@org_view("view")
def connection_detail(request, slug: str):
    connection = get_object_or_404(Connection, organisation=request.org, slug=slug)
    can_manage = request.membership.can("manage_connections")
    form = ConnectionForm(instance=connection, systems=_systems(request.org))
    problems: list[str] = []
    datamap_text = connection.datamap
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "settings":
            form = ConnectionForm(request.POST, instance=connection, systems=_systems(request.org))
            if form.is_valid():
                form.save()
                record("connection.updated", request=request, obj=connection)
                messages.success(request, _("Lagret."))
                return redirect("datasources:detail", request.org.slug, connection.slug)
        elif action == "datamap":
            datamap_text = request.POST.get("datamap", "")  # its size is checked with the rest
            problems = services.datamap_problems(connection, datamap_text)
            if not problems:
                connection.datamap = datamap_text
                connection.save(update_fields=["datamap", "updated"])
                record("connection.datamap_saved", request=request, obj=connection)
                messages.success(request, _("Datakartet er lagret og stemmer med databasen."))
                return redirect("datasources:detail", request.org.slug, connection.slug)
        elif action == "discover":
            try:
                result = discover(services.connection_engine(connection), sample_size=100)
            except ConnectorError as exc:
                problems = [explain(exc)]
            else:
                datamap_text = result.yaml()
                record("connection.discovered", request=request, obj=connection, data={"columns": len(result.proposed_columns())})
                messages.info(request, _("Forslag fra oppdagelsen: se gjennom og lagre. Ingen verdier er lagret."))
        elif action == "test":
            ok, message = services.connection_test(connection=connection, request=request)
            (messages.success if ok else messages.error)(request, message)
            return redirect("datasources:detail", request.org.slug, connection.slug)
    return render(
        request,
        "datasources/detail.html",
        {"connection": connection, "form": form, "datamap_text": datamap_text, "problems": problems, "can_manage": can_manage},
        status=400 if problems or form.errors else 200,
    )


@org_view("manage_connections")
@require_POST
def retention_run_now(request):
    dry_run = request.POST.get("dry_run") == "1"
    run = services.retention_run(org=request.org, dry_run=dry_run, trigger="manual", request=request)
    return redirect("datasources:run", request.org.slug, run.pk)


@org_view("view")
def retention_run_detail(request, pk: int):
    run = get_object_or_404(RetentionRun, organisation=request.org, pk=pk)
    return render(request, "datasources/run.html", {"run": run})
