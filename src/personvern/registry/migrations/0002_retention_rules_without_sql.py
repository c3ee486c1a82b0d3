"""Registers stored before retention rules were structured may hold SQL in a rule. Simple
conditions are read as structured conditions when the register loads; a rule whose SQL
cannot be read that way would stop the register from loading at all. Each organisation
whose current version holds such a rule gets a new version without it, and the version's
message names the rule and its SQL so it can be written again as conditions."""

import hashlib

import yaml
from django.db import migrations

from personvern.core.manifest import _Dumper, _NoDatesLoader, drop_sql_rules


def forwards(apps, schema_editor):
    RegisterVersion = apps.get_model("registry", "RegisterVersion")
    organisations = RegisterVersion.objects.values_list("organisation", flat=True).distinct()
    for organisation in organisations:
        current = RegisterVersion.objects.filter(organisation=organisation).order_by("-number").first()
        if "enforcement" not in current.yaml:
            continue
        try:
            data = yaml.load(current.yaml, Loader=_NoDatesLoader)
        except yaml.YAMLError:
            continue
        removed = drop_sql_rules(data)
        if not removed:
            continue
        text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
        message = "Oppbevaringsregler med SQL som ikke kan leses som vilkår er fjernet; skriv dem inn på nytt: " + " | ".join(removed)
        RegisterVersion.objects.create(
            organisation_id=organisation,
            number=current.number + 1,
            yaml=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            message=message[:297] + "..." if len(message) > 300 else message,
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
