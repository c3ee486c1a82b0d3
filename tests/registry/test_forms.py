"""The forms derived from the schema: every field renders, and an unchanged form saves nothing."""

from __future__ import annotations

import re
import typing

import pytest
from conftest import EXAMPLES
from django.http import QueryDict
from pydantic import BaseModel

from personvern.core import manifest as m
from personvern.registry.forms import Errors, model_nodes, parse_model, spec_for
from personvern.registry.models import RegisterVersion
from personvern.registry.services import current_version, register_save, version_diff
from personvern.registry.views import _sections
from registry.conftest import as_post, form_pairs


def models_in(model: type[BaseModel], seen=None) -> set[type[BaseModel]]:
    seen = set() if seen is None else seen
    seen.add(model)
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel) and tp not in seen:
                models_in(tp, seen)
            stack.extend(typing.get_args(tp))
    return seen


@pytest.mark.parametrize("model", sorted(models_in(m.Register), key=lambda x: x.__name__), ids=lambda x: x.__name__)
def test_every_field_of_the_schema_has_an_input(model):
    for name in model.model_fields:
        spec = spec_for(model, name)
        assert spec.kind in {"text", "textarea", "number", "date", "checkbox", "tristate", "select", "lines",
                             "checkboxes", "text_pair", "lines_pair", "model", "rows"}, (model, name)
        if spec.kind in ("model", "rows"):
            assert spec.model is not None


def test_kinds_follow_the_types():
    assert spec_for(m.Activity, "retention").kind == "model"
    assert spec_for(m.Activity, "legal_bases").kind == "rows"
    assert spec_for(m.Activity, "channels").choices == tuple(c.value for c in m.Channel)
    assert spec_for(m.Activity, "systems").ref == "systems"
    assert spec_for(m.Activity, "responsible_role").ref == "roles"
    assert spec_for(m.Activity, "data_subjects").kind == "lines_pair"
    assert spec_for(m.Activity, "name").kind == "text_pair"
    assert spec_for(m.Dpa, "in_place").kind == "tristate"
    assert spec_for(m.Dpa, "date").kind == "date"
    assert spec_for(m.System, "count").kind == "number"
    assert spec_for(m.Website, "aliases").kind == "lines"
    assert spec_for(m.Cookie, "party").choices == ("first", "third")
    assert spec_for(m.Cookie, "expiry").kind == "text"  # Duration | "session"


def test_a_field_added_to_the_schema_renders_and_parses_by_itself():
    class Controller(m.Controller):
        vat_registered: bool = False
        nickname: m.Text | None = None

    nodes = model_nodes(Controller, {"legal_name": "A", "nickname": {"nb": "Kallenavn", "en": "Nick"}},
                        "controller", Errors(), {})
    by_name = {n.name: n for n in nodes}
    assert by_name["controller.vat_registered"].kind == "checkbox"
    assert by_name["controller.nickname"].value == "Kallenavn"
    assert by_name["controller.nickname"].label == "Nickname"
    post = QueryDict(mutable=True)
    post.update({"controller.legal_name": "A", "controller.vat_registered": "on", "controller.nickname.nb": "K"})
    data, _filled = parse_model(Controller, post, "controller")
    controller = Controller.model_validate(data)
    assert controller.vat_registered is True and controller.nickname.nb == "K" and controller.nickname.en is None


def test_lines_of_bokmal_and_english_pair_up_by_line():
    post = QueryDict(mutable=True)
    post.update({"activities[0].data_categories.nb": "navn\r\n\r\ne-post\n", "activities[0].data_categories.en": "name\n\n"})
    data, _filled = parse_model(m.Activity, post, "activities[0]")
    assert data["data_categories"] == [{"nb": "navn", "en": "name"}, "e-post"]


def test_errors_go_to_their_field_and_the_rest_is_left_for_the_top():
    errors = Errors({"controller.legal_name": ["required"], "controller.notes.nb": ["too short"],
                     "activities[0].responsible_role": ['no role with id "x"']})
    nodes = {n.name: n for n in model_nodes(m.Controller, {}, "controller", errors, {})}
    assert nodes["controller.legal_name"].errors == ["required"]
    assert nodes["controller.notes"].errors == ["nb: too short"]
    assert nodes["controller.legal_name"].describedby == "f-controller-legal_name-errors"
    assert errors.rest() == [("activities[0].responsible_role", 'no role with id "x"')]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_form_of_every_example_saves_unchanged(client, org, members, login, example):
    """Render each section and activity of the example, post it back untouched: no new version."""
    reg = m.load_register(EXAMPLES / example)
    register_save(org=org, register=reg, message="example")
    c = login(members["editor"])
    urls = [f"/o/alpha/register/edit/{name}/" for name, _label in _sections()]
    urls += [f"/o/alpha/register/activities/{a.id}/" for a in reg.activities]
    for url in urls:
        response = c.post(url, as_post(form_pairs(c.get(url).content.decode())))
        assert response.status_code == 302, f"{url} did not save: {response.content.decode()[:2000]}"
        version = current_version(org)
        first = RegisterVersion.objects.get(organisation=org, number=1)
        assert version.number == 1, f"{url} changed the register:\n" + "\n".join(version_diff(first, version))


def test_a_retention_rules_conditions_edit_in_the_form(client, org, members, login):
    """Conditions render with their values (one per line for in), save back unchanged, and a
    condition written in the form is stored as column, operator and value."""
    reg = m.load_register(EXAMPLES / "bagges.yaml")
    activity = next(a for a in reg.activities if a.retention and a.retention.period)
    activity.retention.enforcement = [m.EnforcementRule(
        connection="shop", table="invoices", timestamp="orders.ordered_at",
        condition=[{"column": "status", "op": "in", "value": ["closed", "paid"]}, {"column": "paid", "op": "=", "value": True},
                   {"column": "total", "op": ">=", "value": 100}, {"column": "note", "op": "is_null"}],
    )]
    register_save(org=org, register=reg, message="rules")
    c = login(members["privacy_officer"])  # the rules delete rows: editors may not change them (next test)
    url = f"/o/alpha/register/activities/{activity.id}/"
    pairs = form_pairs(c.get(url).content.decode())
    rule = f"activities[{reg.activities.index(activity)}].retention.enforcement[0]"
    assert (f"{rule}.condition[0].value", "closed\npaid") in pairs and (f"{rule}.condition[1].value", "true") in pairs
    assert c.post(url, as_post(pairs)).status_code == 302
    assert current_version(org).number == 1, "unchanged"
    changed = as_post(pairs, **{f"{rule}.condition[3].column": "cancelled_at", f"{rule}.condition[3].op": "is_not_null",
                                f"{rule}.condition[2].value": "250"})
    assert c.post(url, changed).status_code == 302
    saved = current_version(org).register().activity(activity.id).retention.enforcement[0].condition
    assert [(x.column, x.op, x.value) for x in saved[2:]] == [("total", ">=", 250), ("cancelled_at", "is_not_null", None)]
    pairs = form_pairs(c.get(url).content.decode())
    refused = c.post(url, as_post(pairs, **{f"{rule}.condition[0].column": "status) OR (1=1"}))
    assert refused.status_code == 200 and "is not a column name" in refused.content.decode()
    assert current_version(org).number == 2, "nothing saved"


def test_an_editor_edits_the_activity_but_not_what_retention_deletes(client, org, members, login):
    reg = m.load_register(EXAMPLES / "bagges.yaml")
    activity = next(a for a in reg.activities if a.retention and a.retention.period)
    activity.retention.enforcement = [m.EnforcementRule(connection="shop", table="invoices", timestamp="issued_at",
                                                        condition=[{"column": "status", "op": "=", "value": "paid"}])]
    register_save(org=org, register=reg, message="rules")
    c = login(members["editor"])
    url = f"/o/alpha/register/activities/{activity.id}/"
    pairs = form_pairs(c.get(url).content.decode())
    rule = f"activities[{reg.activities.index(activity)}].retention.enforcement[0]"
    index = reg.activities.index(activity)
    wider = c.post(url, as_post(pairs, **{f"{rule}.condition[0].value": "cancelled"}))
    assert wider.status_code == 200 and "Bare en personvernansvarlig eller en eier" in wider.content.decode()
    shorter = c.post(url, as_post(pairs, **{f"activities[{index}].retention.period": "P1D"}))
    assert shorter.status_code == 200, "the period decides what the sweep deletes too"
    assert current_version(org).number == 1, "nothing saved"
    text = as_post(pairs, **{f"activities[{index}].purpose.nb": "Et nytt formål"})
    assert c.post(url, text).status_code == 302 and current_version(org).number == 2


def test_an_old_registers_sql_condition_is_shown_as_conditions_and_saved_in_the_new_form(client, org, members, login):
    reg = m.load_register(EXAMPLES / "bagges.yaml")
    activity = next(a for a in reg.activities if a.retention and a.retention.period)
    activity.retention.enforcement = [m.EnforcementRule(connection="shop", table="orders", timestamp="ordered_at")]
    old = re.sub(r"( *)timestamp: ordered_at\n", r"\g<0>\1condition: status = 'closed' AND paid_at IS NOT NULL\n", m.dump_register(reg))
    assert "condition: status" in old
    RegisterVersion.objects.create(organisation=org, number=1, yaml=old, sha256=RegisterVersion.digest(old))
    c = login(members["editor"])
    overview = c.get("/o/alpha/register/").content.decode()
    assert "har vilkåret «status = &#x27;closed&#x27; AND paid_at IS NOT NULL» skrevet som SQL" in overview
    url = f"/o/alpha/register/activities/{activity.id}/"
    pairs = form_pairs(c.get(url).content.decode())
    rule = f"activities[{reg.activities.index(activity)}].retention.enforcement[0]"
    assert {(f"{rule}.condition[0].column", "status"), (f"{rule}.condition[0].value", "closed"), (f"{rule}.condition[1].op", "is_not_null")} <= set(pairs)
    assert c.post(url, as_post(pairs)).status_code == 302
    assert "- column: status\n" in current_version(org).yaml and current_version(org).number == 2
    assert "skrevet som SQL" not in c.get("/o/alpha/register/").content.decode()
