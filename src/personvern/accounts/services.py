"""Organisations and memberships: the workflows views call."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _

from personvern.audit.service import record

from .models import Membership, Organisation, Role


class MembershipError(Exception):
    pass


def organisation_create(*, name: str, user, request=None) -> Organisation:
    base = slugify(name)[:50] or "org"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    with transaction.atomic():
        org = Organisation.objects.create(slug=slug, name=name)
        Membership.objects.create(user=user, organisation=org, role=Role.OWNER)
        record("organisation.created", request=request, actor=user, organisation=org, obj=org)
    return org


def member_add(*, org: Organisation, email: str, role: str, request=None) -> Membership:
    """Add a person by e-mail; a new account gets a link to choose its password."""
    User = get_user_model()
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User.objects.create_user(username=email, email=email)
            user.set_unusable_password()
            user.save()
        if Membership.objects.filter(user=user, organisation=org).exists():
            raise MembershipError(_("%(email)s er allerede medlem.") % {"email": email})
        membership = Membership.objects.create(user=user, organisation=org, role=role)
        record("member.added", request=request, organisation=org, obj=membership, data={"user": user.pk, "role": role})
        if created:
            link = "{}/accounts/password/set/{}/{}/".format(
                settings.SITE_URL, urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
            )
            body = _(
                "Du er lagt til i %(org)s i personvern.\n\nVelg passord her (lenken kan brukes én gang):\n%(link)s\n"
            ) % {"org": org.name, "link": link}
            transaction.on_commit(lambda: send_mail(_("Velkommen til personvern"), body, None, [email]))
    return membership


def member_change_role(*, membership: Membership, role: str, request=None) -> None:
    if membership.role == Role.OWNER and role != Role.OWNER:
        _require_another_owner(membership)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    record("member.role_changed", request=request, organisation=membership.organisation, obj=membership, data={"from": old, "to": role})


def member_remove(*, membership: Membership, request=None) -> None:
    if membership.role == Role.OWNER:
        _require_another_owner(membership)
    record("member.removed", request=request, organisation=membership.organisation, obj=membership, data={"user": membership.user_id})
    membership.delete()


def _require_another_owner(membership: Membership) -> None:
    others = Membership.objects.filter(organisation=membership.organisation, role=Role.OWNER).exclude(pk=membership.pk)
    if not others.exists():
        raise MembershipError(_("En organisasjon må ha minst én eier."))
