"""SCIM Groups (docs/provisioning.md §3): the enterprise's permission groups the manager manages;
members are memberships, and the portal's extension lists the online services granted to each
member and those the group lets managers grant. Changes go through the access model's services,
within the grant ceiling."""

import pytest

from access.models import AuditEvent, Grant, Membership
from provisioning.models import ProvisionedUser
from provisioning.resources import PERMISSIONS_SCHEMA
from tests import factories
from tests.provisioning.conftest import client_of, patch_body, user_body, via_provisioning

pytestmark = pytest.mark.django_db

GRANTS = f"{PERMISSIONS_SCHEMA}:grants"


def current(person, group) -> Membership | None:
    return Membership.objects.filter(person=person, group=group, removed_at__isnull=True).first()


def services_of(membership) -> set[str]:
    return set(
        Grant.objects.filter(membership=membership, revoked_at__isnull=True).values_list("service__code", flat=True)
    )


def test_the_groups_are_those_the_manager_manages(world, scim_as):
    def names(scim):
        response = scim.get("/Groups")
        assert response.status_code == 200
        return [group["displayName"] for group in response.json()["Resources"]]

    assert names(scim_as(world.main)) == ["Employer", "Pension-fund manager", "Corporate taxpayer"]
    assert names(scim_as(world.access_manager)) == ["Employer", "Pension-fund manager"]
    assert names(scim_as(world.group_manager)) == ["Employer"]


def test_a_group_reads_with_its_members_and_their_services(world, scim_as):
    response = scim_as(world.group_manager).get(f"/Groups/{world.groups['employer'].pk}")
    group = response.json()
    assert group["members"] == [
        {
            "value": str(world.member.pk),
            "$ref": f"http://testserver/scim/v2/Users/{world.member.pk}",
            "display": "Mats Member",
            "type": "User",
        }
    ]
    permissions = group[PERMISSIONS_SCHEMA]
    assert permissions["grants"] == [{"value": str(world.member.pk), "service": "dimona"}]
    assert permissions["role"] == "employer"
    assert "dimona" in permissions["grantableServices"]
    assert "ebox" not in permissions["grantableServices"]  # automatic, never granted
    assert response["ETag"] == group["meta"]["version"]


def test_another_domains_group_and_another_enterprises_are_not_found(world, scim_as):
    scim = scim_as(world.group_manager)
    for group in (world.groups["pension_fund"], world.groups["taxpayer"], world.other_groups["employer"]):
        assert scim.get(f"/Groups/{group.pk}").status_code == 404
        response = scim.patch(f"/Groups/{group.pk}", patch_body({"op": "remove", "path": "members"}))
        assert response.status_code == 404
    assert not AuditEvent.objects.exists()


def provisioned(world, scim, niss: str | None = None) -> str:
    response = scim.post("/Users", user_body(niss or factories.niss(), f"n{ProvisionedUser.objects.count()}@acme.be"))
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_adding_a_member_with_services_makes_a_membership_and_grants(world, scim_as):
    scim = scim_as(world.group_manager)
    user_id = provisioned(world, scim)
    group = world.groups["employer"]
    response = scim.patch(
        f"/Groups/{group.pk}",
        patch_body(
            {"op": "add", "path": "members", "value": [{"value": user_id}]},
            {"op": "add", "path": GRANTS, "value": [{"value": user_id, "service": "dmfa"}]},
        ),
    )
    assert response.status_code == 200, response.content
    membership = current(user_id, group)
    assert membership is not None and services_of(membership) == {"dmfa"}
    assert membership.created_by == world.group_manager
    events = via_provisioning().order_by("pk")
    assert [(e.action, e.actor, client_of(e)) for e in events][1:] == [
        ("user_created", world.group_manager, "HR system"),
        ("service_granted", world.group_manager, "HR system"),
    ]
    assert {"value": user_id, "service": "dmfa"} in response.json()[PERMISSIONS_SCHEMA]["grants"]


@pytest.mark.parametrize(
    ("service", "why"),
    [
        ("myminfin", "not offered by the employer group"),
        ("ebox", "offered but not delegatable"),
    ],
)
def test_a_service_beyond_the_ceiling_refuses_the_membership_with_the_policys_reason(world, scim_as, service, why):
    scim = scim_as(world.main)
    user_id = provisioned(world, scim)
    before = AuditEvent.objects.count()
    response = scim.patch(
        f"/Groups/{world.groups['employer'].pk}",
        patch_body(
            {"op": "add", "path": "members", "value": [{"value": user_id}]},
            {"op": "add", "path": GRANTS, "value": [{"value": user_id, "service": service}]},
        ),
    )
    assert response.status_code == 403, why
    assert response.json() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "403",
        "detail": "This online service cannot be granted in this group.",
    }
    assert current(user_id, world.groups["employer"]) is None
    assert AuditEvent.objects.count() == before


def test_an_unknown_service_is_an_invalid_value(world, scim_as):
    response = scim_as(world.main).patch(
        f"/Groups/{world.groups['employer'].pk}",
        patch_body({"op": "add", "path": GRANTS, "value": [{"value": str(world.member.pk), "service": "nothing"}]}),
    )
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")


def test_granting_and_revoking_a_members_services(world, scim_as):
    scim = scim_as(world.group_manager)
    group, member = world.groups["employer"], str(world.member.pk)
    response = scim.patch(
        f"/Groups/{group.pk}",
        patch_body(
            {"op": "add", "path": GRANTS, "value": [{"value": member, "service": "dmfa"}]},
            {"op": "remove", "path": f'{GRANTS}[value eq "{member}" and service eq "dimona"]'},
        ),
    )
    assert response.status_code == 200, response.content
    assert services_of(world.member_membership) == {"dmfa"}
    actions = list(AuditEvent.objects.values_list("action", flat=True).order_by("pk"))
    assert actions == ["service_granted", "service_revoked"]


def test_removing_a_member_removes_the_membership(world, scim_as):
    scim = scim_as(world.group_manager)
    response = scim.patch(
        f"/Groups/{world.groups['employer'].pk}",
        patch_body({"op": "remove", "path": f'members[value eq "{world.member.pk}"]'}),
    )
    assert response.status_code == 200, response.content
    assert response.json().get("members") is None
    world.member_membership.refresh_from_db()
    assert world.member_membership.removed_by == world.group_manager
    event = AuditEvent.objects.get(action="membership_deleted")
    reason = "Retiré par le système RH (client de provisionnement «\u202fHR system\u202f»)."
    assert (client_of(event), event.reason) == ("HR system", reason)


def test_put_replaces_the_members_and_their_services(world, scim_as):
    scim = scim_as(world.main)
    newcomer = provisioned(world, scim)
    group = scim.get(f"/Groups/{world.groups['employer'].pk}").json()
    group["members"] = [{"value": newcomer}]
    group[PERMISSIONS_SCHEMA]["grants"] = [{"value": newcomer, "service": "dimona"}]
    response = scim.put(f"/Groups/{world.groups['employer'].pk}", group)
    assert response.status_code == 200, response.content
    assert current(world.member, world.groups["employer"]) is None
    assert services_of(current(newcomer, world.groups["employer"])) == {"dimona"}


def test_a_member_must_be_one_of_the_users_the_token_sees(world, scim_as):
    scim = scim_as(world.group_manager)
    for user_id in (world.tax_member.pk, world.other_member.pk, 99_999_999, "x"):
        response = scim.patch(
            f"/Groups/{world.groups['employer'].pk}",
            patch_body({"op": "add", "path": "members", "value": [{"value": str(user_id)}]}),
        )
        assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue"), user_id
    assert not AuditEvent.objects.exists()


def test_a_grant_must_name_a_member(world, scim_as):
    response = scim_as(world.main).patch(
        f"/Groups/{world.groups['employer'].pk}",
        patch_body({"op": "add", "path": GRANTS, "value": [{"value": str(world.tax_member.pk), "service": "dimona"}]}),
    )
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")


def test_a_group_manager_cannot_add_themselves(world, scim_as):
    scim = scim_as(world.group_manager)
    response = scim.post("/Users", user_body(world.group_manager.niss, "greta"))
    assert (response.status_code, response.json()["detail"]) == (403, "You cannot act on your own access.")


def test_groups_come_from_the_register(world, scim_as):
    scim = scim_as(world.main)
    created = scim.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "X"})
    deleted = scim.delete(f"/Groups/{world.groups['employer'].pk}")
    renamed = scim.patch(
        f"/Groups/{world.groups['employer'].pk}", patch_body({"op": "replace", "path": "displayName", "value": "X"})
    )
    detail = "Groups come from the enterprise register: they are not created or deleted through provisioning."
    assert (created.status_code, created.json()["detail"]) == (403, detail)
    assert (deleted.status_code, deleted.json()["detail"]) == (403, detail)
    assert (renamed.status_code, renamed.json()["scimType"]) == (400, "mutability")
    assert Membership.objects.filter(group=world.groups["employer"], removed_at__isnull=True).exists()


def _outcome(world, scim, body, **headers):
    """What a PATCH of the employer group does: its answer, the group's members and services
    after it, and the journal's rows (action, target); rolled back."""
    from django.db import transaction

    group = world.groups["employer"]
    with transaction.atomic():
        response = scim.patch(f"/Groups/{group.pk}", body, **headers)
        answer = response.json()
        answer.pop("meta", None)
        members = {
            str(m.person_id): services_of(m) for m in Membership.objects.filter(group=group, removed_at__isnull=True)
        }
        events = list(AuditEvent.objects.order_by("pk").values_list("action", "target_person_id", "reason"))
        transaction.set_rollback(True)
    return response.status_code, answer, members, events


def test_a_patch_of_members_and_grants_alone_does_what_a_patch_of_the_whole_group_does(world, scim_as):
    """The members' services are changed without reading the whole group when a PATCH only adds
    and removes members and grants (`If-Match: *` reads it whole): both ways give the same answer,
    the same members and services, the same journal, the errors included."""
    scim = scim_as(world.main)
    newcomer = provisioned(world, scim)
    member = str(world.member.pk)
    bodies = [
        patch_body({"op": "add", "path": "members", "value": [{"value": newcomer}]}),
        patch_body(
            {"op": "add", "path": "members", "value": [{"value": newcomer}]},
            {"op": "add", "path": GRANTS, "value": [{"value": newcomer, "service": "dmfa"}]},
            {"op": "add", "path": GRANTS, "value": [{"value": member, "service": "dmfa"}]},
        ),
        patch_body({"op": "remove", "path": f'members[value eq "{member}"]'}),
        patch_body({"op": "remove", "path": "members", "value": [{"value": member}]}),  # as Entra ID sends it
        patch_body({"op": "remove", "path": f'{GRANTS}[value eq "{member}" and service eq "dimona"]'}),
        patch_body(
            {"op": "add", "path": "members", "value": [{"value": member}]},  # already a member: nothing
            {"op": "Add", "path": "Members", "value": [{"value": newcomer}]},
            {"op": "remove", "path": f'members[value eq "{newcomer}"]'},
        ),
        # What finds nothing to act on, what is not a member, what may not be written, are the
        # whole group's errors.
        patch_body({"op": "add", "path": "members", "value": [{"value": newcomer, "display": "Nora"}]}),
        patch_body({"op": "remove", "path": f'members[value eq "{newcomer}"]'}),
        patch_body({"op": "remove", "path": f'{GRANTS}[value eq "{member}" and service eq "dmfa"]'}),
        patch_body({"op": "add", "path": GRANTS, "value": [{"value": newcomer, "service": "dimona"}]}),
        patch_body({"op": "add", "path": "members", "value": [{"value": str(world.other_member.pk)}]}),
        patch_body({"op": "add", "path": GRANTS, "value": [{"value": member, "service": "nothing"}]}),
        patch_body({"op": "add", "path": GRANTS, "value": [{"value": member, "service": "myminfin"}]}),
    ]
    for body in bodies:
        alone = _outcome(world, scim, body)
        whole = _outcome(world, scim, body, **{"If-Match": "*"})
        assert alone == whole, body
    assert _outcome(world, scim, bodies[1])[2] == {member: {"dimona", "dmfa"}, newcomer: {"dmfa"}}


def test_a_group_read_without_its_members_has_the_same_version(world, scim_as):
    scim = scim_as(world.main)
    path = f"/Groups/{world.groups['employer'].pk}"
    whole = scim.get(path)
    without = scim.get(path, {"excludedAttributes": f"members,{GRANTS}"})
    assert "members" not in without.json() and "grants" not in without.json()[PERMISSIONS_SCHEMA]
    offered = whole.json()[PERMISSIONS_SCHEMA]["grantableServices"]
    assert without.json()[PERMISSIONS_SCHEMA]["grantableServices"] == offered
    assert without["ETag"] == whole["etag"] == without.json()["meta"]["version"]
    listed = scim.get("/Groups", {"excludedAttributes": f"members,{GRANTS}"}).json()["Resources"]
    assert [group["meta"]["version"] for group in listed if group["id"] == str(world.groups["employer"].pk)] == [
        whole["ETag"]
    ]
    # A member's new name is read in the group: its version changes, read either way.
    world.member.surname = "Renamed"
    world.member.save()
    assert scim.get(path)["ETag"] == scim.get(path, {"excludedAttributes": f"members,{GRANTS}"})["ETag"]
    assert scim.get(path)["ETag"] != whole["ETag"]
