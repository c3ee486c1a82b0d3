import re

from django.contrib.auth import get_user_model

from personvern.accounts.models import Membership, Organisation, Role


def test_an_owner_adds_a_new_person_who_sets_a_password_by_the_mailed_link(client, members, login, mailbox, django_capture_on_commit_callbacks):
    login(members["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/alpha/members/", {"email": "ny@example.no", "role": "editor"})
    assert response.status_code == 302
    assert Membership.objects.get(user__email="ny@example.no").role == Role.EDITOR
    text, _ = mailbox.bodies()
    link = re.search(r"http://\S+/accounts/password/set/\S+/", text).group(0)
    path = link.split("8000", 1)[-1] if "8000" in link else "/" + link.split("/", 3)[3]
    client.logout()
    form = client.get(path, follow=True)
    assert form.status_code == 200
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "a long new password 42", "new_password2": "a long new password 42"})
    assert response.status_code == 302
    assert client.post("/accounts/login/", {"username": "ny@example.no", "password": "a long new password 42"}).status_code == 302


def test_an_editor_cannot_add_members(client, members, login):
    login(members["editor"])
    assert client.post("/o/alpha/members/", {"email": "x@example.no", "role": "owner"}).status_code == 403
    assert not get_user_model().objects.filter(email="x@example.no").exists()


def test_the_last_owner_cannot_be_removed_or_demoted(client, members, login):
    login(members["owner"])
    owner = Membership.objects.get(user=members["owner"])
    client.post(f"/o/alpha/members/{owner.pk}/", {"action": "remove"})
    client.post(f"/o/alpha/members/{owner.pk}/", {"role": "viewer"})
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_an_owner_changes_a_role_and_it_is_audited(client, members, login):
    from personvern.audit.models import AuditEvent

    login(members["owner"])
    viewer = Membership.objects.get(user=members["viewer"])
    client.post(f"/o/alpha/members/{viewer.pk}/", {"role": "editor"})
    viewer.refresh_from_db()
    assert viewer.role == Role.EDITOR
    assert AuditEvent.objects.filter(action="member.role_changed", object_id=str(viewer.pk)).exists()


def test_a_member_of_another_org_cannot_be_changed_through_this_org(client, members, login):
    login(members["outsider"])
    alpha_viewer = Membership.objects.get(user=members["viewer"])
    assert client.post(f"/o/beta/members/{alpha_viewer.pk}/", {"role": "owner"}).status_code == 404


def test_a_member_allowed_to_create_an_organisation_becomes_its_owner(client, members, login, settings):
    settings.PERSONVERN_ORG_CREATION = "members"
    login(members["viewer"])
    response = client.post("/accounts/orgs/new/", {"name": "Gamma Regnskap AS"})
    org = Organisation.objects.get(name="Gamma Regnskap AS")
    assert response.status_code == 302 and org.slug == "gamma-regnskap-as"
    assert Membership.objects.get(organisation=org).role == Role.OWNER
