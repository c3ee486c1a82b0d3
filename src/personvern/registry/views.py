from django.shortcuts import render

from personvern.accounts.access import org_view

from .services import current_version


@org_view("view")
def overview(request):
    version = current_version(request.org)
    register = version.register() if version else None
    return render(request, "registry/overview.html", {"version": version, "register": register})
