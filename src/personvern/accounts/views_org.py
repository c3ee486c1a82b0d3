"""Organisation-scoped account pages: members and roles (owners only)."""

from django.contrib import messages
from django.core.validators import validate_email
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import org_view
from .models import Membership, Role
from .services import MembershipError, member_add, member_change_role, member_remove


@org_view("view")
def members(request):
    errors = {}
    if request.method == "POST":
        if not request.membership.can("manage_members"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        email = (request.POST.get("email") or "").strip()[:254]
        role = request.POST.get("role")
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Skriv en gyldig e-postadresse.")
        if role not in Role.values:
            errors["role"] = _("Velg en rolle.")
        if not errors:
            try:
                member_add(org=request.org, email=email, role=role, request=request)
                messages.success(request, _("%(email)s er lagt til.") % {"email": email})
                return redirect("accounts_org:members", request.org.slug)
            except MembershipError as exc:
                errors["email"] = str(exc)
    memberships = Membership.objects.filter(organisation=request.org).select_related("user").order_by("user__username")
    return render(
        request,
        "accounts/members.html",
        {"memberships": memberships, "roles": Role.choices, "errors": errors, "can_manage": request.membership.can("manage_members")},
        status=400 if errors else 200,
    )


@org_view("manage_members")
@require_POST
def member_update(request, pk: int):
    membership = get_object_or_404(Membership, pk=pk, organisation=request.org)
    try:
        if request.POST.get("action") == "remove":
            member_remove(membership=membership, request=request)
        elif request.POST.get("role") in Role.values:
            member_change_role(membership=membership, role=request.POST["role"], request=request)
    except MembershipError as exc:
        messages.error(request, str(exc))
    return redirect("accounts_org:members", request.org.slug)
