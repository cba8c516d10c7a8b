"""What a provisioning client does is journaled as done on behalf of the manager who holds its
token, with the client's name and address: on the journal's page and in its export."""

import csv
import io
from dataclasses import replace

import pytest
from django.urls import reverse

from access import services
from access.models import AuditEvent
from tests.factories import actor_of

pytestmark = pytest.mark.django_db


def provisioning_actor(world):
    return replace(actor_of(world, world.main), via={"provisioning": "Workday"}, ip="192.0.2.7")


def test_a_write_of_a_provisioning_client_names_the_client_and_the_manager(world, login):
    services.person_block_everywhere(provisioning_actor(world), world.member, reason="Left the company")
    event = AuditEvent.objects.get(action="enterprise_blocked")
    assert (event.actor, event.after["via"], event.ip_address) == (world.main, {"provisioning": "Workday"}, "192.0.2.7")

    page = login(world.main).get(reverse("access:journal", args=[world.enterprise.pk])).content.decode()
    assert "via the provisioning client “Workday”, on behalf of Marie Main" in page


def test_the_export_names_the_client_and_the_manager(world, login):
    services.person_block_everywhere(provisioning_actor(world), world.member, reason="Left the company")
    services.membership_block(actor_of(world, world.main), world.pension_membership, reason="On the pages")
    response = login(world.main).get(reverse("access:journal_export", args=[world.enterprise.pk]))
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    by = {row[1]: row[2] for row in rows[1:]}
    assert by == {
        "blocked for all groups, via the provisioning client “Workday”, on behalf of Marie Main": "Marie Main",
        "blocked for the group": "Marie Main",
    }


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("fr", "via le client de provisionnement «\u202fWorkday\u202f», pour le compte de Marie Main"),
        ("nl", "via de provisioningclient “Workday”, namens Marie Main"),
        ("de", "über den Provisionierungs-Client „Workday“ im Auftrag von Marie Main"),
    ],
)
def test_the_journal_says_it_in_the_readers_language(world, login, language, said):
    services.person_block_everywhere(provisioning_actor(world), world.member, reason="Left the company")
    client = login(world.main)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    page = client.get(reverse("access:journal", args=[world.enterprise.pk])).content.decode()
    assert said in page
