"""Load the catalogue of domains, enterprise roles and online services (access/data/catalogue.json)."""

import json
from pathlib import Path

from django.db import migrations

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "catalogue.json"


def load_catalogue(apps, schema_editor):
    Domain = apps.get_model("access", "Domain")
    RoleType = apps.get_model("access", "RoleType")
    OnlineService = apps.get_model("access", "OnlineService")
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    domains = {}
    for entry in data["domains"]:
        domains[entry["code"]], _ = Domain.objects.update_or_create(code=entry["code"], defaults={"names": entry["names"]})
    services = {}
    for entry in data["services"]:
        services[entry["code"]], _ = OnlineService.objects.update_or_create(
            code=entry["code"],
            defaults={
                "names": entry["names"],
                "delegatable": entry["delegatable"],
                "automatic_for": entry.get("automatic_for", []),
            },
        )
    for entry in data["roles"]:
        role, _ = RoleType.objects.update_or_create(
            code=entry["code"], defaults={"names": entry["names"], "domain": domains[entry["domain"]]}
        )
        role.services.set([services[code] for code in entry["services"]])


def unload_catalogue(apps, schema_editor):
    for model in ("RoleType", "OnlineService", "Domain"):
        apps.get_model("access", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0001_access_model")]

    operations = [migrations.RunPython(load_catalogue, unload_catalogue)]
