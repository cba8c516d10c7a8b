"""SCIM Users (docs/provisioning.md §3): a person of the enterprise, as the manager whose token it
is sees them; created with a national register number, changed, blocked and let go through the
access model's services, and journaled on that manager's behalf."""

import pytest

from access.models import AuditEvent, EnterpriseBlock, Membership, Person
from provisioning.models import ProvisionedUser
from provisioning.resources import PERSON_SCHEMA, USER_SCHEMA
from tests import factories
from tests.provisioning.conftest import client_of, patch_body, user_body, via_provisioning

pytestmark = pytest.mark.django_db


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [resource["id"] for resource in response.json()["Resources"]]


def test_the_users_are_the_people_of_the_managers_groups(world, scim_as):
    acme = [str(p.pk) for p in (world.member, world.pension_member, world.tax_member)]
    assert ids(scim_as(world.main).get("/Users")) == acme
    assert ids(scim_as(world.access_manager).get("/Users")) == acme[:2]  # employer and pension fund
    assert ids(scim_as(world.group_manager).get("/Users")) == acme[:1]  # employer
    assert ids(scim_as(world.other_enterprise_manager, world.other_enterprise).get("/Users")) == [
        str(world.other_member.pk)
    ]


def test_a_user_reads_as_scim_with_its_number_in_the_portals_extension(world, scim_as):
    response = scim_as(world.main).get(f"/Users/{world.member.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"
    user = response.json()
    assert user["schemas"] == [USER_SCHEMA, PERSON_SCHEMA]
    assert user["userName"] == f"person-{world.member.pk}"  # the portal's name until the HR system gives one
    assert user["name"] == {"givenName": "Mats", "familyName": "Member"}
    assert user["active"] is True
    assert user[PERSON_SCHEMA] == {"nationalRegisterNumber": world.member.niss}
    assert user["meta"]["location"] == f"http://testserver/scim/v2/Users/{world.member.pk}"
    assert response["ETag"] == user["meta"]["version"]
    assert user["meta"]["version"].startswith('W/"')


def test_another_enterprises_user_and_an_id_that_is_no_one_are_not_found(world, scim_as):
    scim = scim_as(world.main)
    for user_id in (world.other_member.pk, world.outsider.pk, 99_999_999, "abc", "1e3", "٣"):
        response = scim.get(f"/Users/{user_id}")
        assert response.status_code == 404, user_id
        assert response.json() == {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "404",
            "detail": "No such User.",
        }


def test_a_new_person_is_created_with_the_names_given_and_journaled_on_the_managers_behalf(world, scim_as):
    niss = factories.niss()
    response = scim_as(world.group_manager).post("/Users", user_body(niss))
    assert response.status_code == 201, response.content
    created = response.json()
    person = Person.objects.get(niss=niss)
    assert created["id"] == str(person.pk)
    assert response["Location"] == f"http://testserver/scim/v2/Users/{person.pk}"
    assert (person.given_name, person.surname, person.email) == ("Nora", "Newcomer", "nora@acme.be")
    assert created["userName"] == "nora@acme.be"
    record = ProvisionedUser.objects.get(person=person)
    assert (record.enterprise, record.created_by, record.user_name) == (
        world.enterprise,
        world.group_manager,
        "nora@acme.be",
    )
    event = AuditEvent.objects.get(action="user_provisioned")
    assert (event.actor, event.target_person, client_of(event)) == (world.group_manager, person, "HR system")
    assert event.after == {
        "via": {"provisioning": "HR system"},
        "user_name": "nora@acme.be",
        "external_id": "",
        "given_name": "Nora",
        "surname": "Newcomer",
        "emails": ["nora@acme.be"],
    }
    # In no group yet: the manager who provisioned them sees them, another Group Manager does not.
    assert str(person.pk) in ids(scim_as(world.group_manager).get("/Users"))
    assert str(person.pk) in ids(scim_as(world.main).get("/Users"))
    other_gm = factories.person("other_gm")
    factories.designate(world.enterprise, other_gm, "group_manager", group=world.groups["taxpayer"])
    assert str(person.pk) not in ids(scim_as(other_gm).get("/Users"))


def test_a_person_already_in_a_group_is_provisioned_as_they_are(world, scim_as):
    """The HR system's record of a person the portal knows: their own names do not change."""
    body = user_body(world.member.niss, "mats@acme.be", name={"givenName": "Matthias", "familyName": "Member"})
    response = scim_as(world.main).post("/Users", body)
    assert response.status_code == 201, response.content
    assert response.json()["id"] == str(world.member.pk)
    assert response.json()["name"] == {"givenName": "Matthias", "familyName": "Member"}
    world.member.refresh_from_db()
    assert world.member.given_name == "Mats"


def test_a_second_creation_and_a_user_name_taken_are_conflicts(world, scim_as):
    scim = scim_as(world.main)
    assert scim.post("/Users", user_body(factories.niss(), "Nora@Acme.be")).status_code == 201
    again = scim.post("/Users", user_body(Person.objects.get(given_name="Nora").niss, "other@acme.be"))
    assert again.status_code == 409
    assert again.json()["scimType"] == "uniqueness"
    taken = scim.post("/Users", user_body(factories.niss(), "nora@ACME.be"))
    assert (taken.status_code, taken.json()["scimType"]) == (409, "uniqueness")
    portals = scim.post("/Users", user_body(factories.niss(), f"person-{world.member.pk}"))
    assert (portals.status_code, portals.json()["scimType"]) == (409, "uniqueness")
    assert ProvisionedUser.objects.count() == 1


def test_a_number_with_wrong_check_digits_is_refused_without_being_repeated(world, scim_as, caplog):
    niss = factories.niss()
    wrong = niss[:9] + f"{(int(niss[9:]) + 1) % 100:02d}"
    response = scim_as(world.main).post("/Users", user_body(wrong))
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert response.json()["detail"] == "This national register number is not valid: its check digits do not match."
    assert wrong not in response.content.decode()
    assert wrong not in caplog.text
    formatted = scim_as(world.main).post("/Users", user_body("85.07.30-033.28"))
    assert formatted.status_code == 400
    assert "85.07.30" not in formatted.content.decode() and "8507" not in formatted.content.decode()
    assert not Person.objects.filter(given_name="Nora").exists()


def test_a_person_the_portal_does_not_know_needs_names(world, scim_as):
    body = user_body(factories.niss())
    del body["name"]
    response = scim_as(world.main).post("/Users", body)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert "name" in response.json()["detail"]


def test_a_person_above_the_manager_is_refused_with_the_policys_reason(world, scim_as):
    response = scim_as(world.group_manager).post("/Users", user_body(world.co_main.niss))
    assert response.status_code == 403
    assert response.json()["detail"] == "This person's standing in the enterprise is equal to or above yours."
    # A user of groups the manager does not manage only.
    response = scim_as(world.group_manager).post("/Users", user_body(world.tax_member.niss))
    assert (response.status_code, response.json()["detail"]) == (
        403,
        "This person belongs to groups that you do not manage.",
    )
    assert not ProvisionedUser.objects.exists()


def test_active_false_blocks_for_all_groups_and_true_lifts_it(world, scim_as):
    scim = scim_as(world.group_manager)
    response = scim.patch(f"/Users/{world.member.pk}", patch_body({"op": "replace", "path": "active", "value": False}))
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    block = EnterpriseBlock.objects.get(person=world.member, lifted_at__isnull=True)
    assert block.blocked_by == world.group_manager
    # In the enterprise's language (Acme's is French).
    assert block.reason == "Désactivé par le système RH (client de provisionnement «\u202fHR system\u202f»)."
    response = scim.patch(f"/Users/{world.member.pk}", patch_body({"op": "replace", "value": {"active": True}}))
    assert response.json()["active"] is True
    assert not EnterpriseBlock.objects.filter(person=world.member, lifted_at__isnull=True).exists()
    assert list(via_provisioning().values_list("action", flat=True).order_by("pk")) == [
        "enterprise_blocked",
        "enterprise_unblocked",
    ]


def test_a_block_is_told_in_the_enterprises_language(world, scim_as):
    world.enterprise.preferred_language = "nl"
    world.enterprise.save(update_fields=["preferred_language"])
    scim_as(world.main).patch(
        f"/Users/{world.member.pk}", patch_body({"op": "replace", "path": "active", "value": False})
    )
    reason = EnterpriseBlock.objects.get(person=world.member).reason
    assert reason == "Gedeactiveerd door het HR-systeem (provisioningclient “HR system”)."


def test_names_and_addresses_change_the_enterprises_record_only(world, scim_as):
    scim = scim_as(world.main)
    response = scim.patch(
        f"/Users/{world.member.pk}",
        patch_body(
            {"op": "replace", "path": "name.givenName", "value": "Matt"},
            {"op": "add", "path": "emails", "value": [{"value": "matt@acme.be", "primary": True}]},
            {"op": "replace", "path": "userName", "value": "matt"},
            {"op": "add", "path": "externalId", "value": "E-1042"},
        ),
    )
    assert response.status_code == 200, response.content
    user = response.json()
    assert (user["userName"], user["externalId"], user["name"]["givenName"]) == ("matt", "E-1042", "Matt")
    assert user["emails"] == [{"value": "matt@acme.be", "primary": True}]
    world.member.refresh_from_db()
    assert (world.member.given_name, world.member.email) == ("Mats", "")
    event = AuditEvent.objects.get(action="user_provisioned")
    assert event.after["user_name"] == "matt" and client_of(event) == "HR system"


def test_the_number_never_changes(world, scim_as):
    scim = scim_as(world.main)
    response = scim.patch(
        f"/Users/{world.member.pk}",
        patch_body({"op": "replace", "path": f"{PERSON_SCHEMA}:nationalRegisterNumber", "value": factories.niss()}),
    )
    assert (response.status_code, response.json()["scimType"]) == (400, "mutability")
    user = scim.get(f"/Users/{world.member.pk}").json()
    user[PERSON_SCHEMA]["nationalRegisterNumber"] = factories.niss()
    response = scim.put(f"/Users/{world.member.pk}", user)
    assert (response.status_code, response.json()["scimType"]) == (400, "mutability")
    assert not AuditEvent.objects.exists()


def test_put_replaces_what_the_hr_system_says(world, scim_as):
    scim = scim_as(world.main)
    user = scim.get(f"/Users/{world.member.pk}").json()
    user["userName"] = "mats.member"
    user["active"] = False
    del user["meta"]
    response = scim.put(f"/Users/{world.member.pk}", user)
    assert response.status_code == 200, response.content
    assert (response.json()["userName"], response.json()["active"]) == ("mats.member", False)
    assert EnterpriseBlock.objects.filter(person=world.member).exists()


def test_delete_lets_the_person_go_from_the_managers_groups(world, scim_as):
    scim = scim_as(world.main)
    factories.member(world.member, world.groups["taxpayer"])
    scim.patch(f"/Users/{world.member.pk}", patch_body({"op": "replace", "path": "userName", "value": "mats"}))
    response = scim.delete(f"/Users/{world.member.pk}")
    assert response.status_code == 204
    assert not Membership.objects.filter(person=world.member, removed_at__isnull=True).exists()
    assert ProvisionedUser.objects.get(person=world.member).removed_at is not None
    assert scim.get(f"/Users/{world.member.pk}").status_code == 404
    actions = list(via_provisioning().values_list("action", flat=True).order_by("pk"))
    assert actions == ["user_provisioned", "membership_deleted", "membership_deleted", "user_deprovisioned"]
    reasons = set(AuditEvent.objects.filter(action="membership_deleted").values_list("reason", flat=True))
    assert reasons == {"Retiré par le système RH (client de provisionnement «\u202fHR system\u202f»)."}


def test_a_group_manager_lets_go_only_from_their_group(world, scim_as):
    factories.member(world.member, world.groups["taxpayer"])
    assert scim_as(world.group_manager).delete(f"/Users/{world.member.pk}").status_code == 204
    current = Membership.objects.filter(person=world.member, removed_at__isnull=True)
    assert [m.group for m in current] == [world.groups["taxpayer"]]


def test_nobody_lets_go_of_themselves_or_a_superior(world, scim_as):
    factories.member(world.group_manager, world.groups["employer"])
    response = scim_as(world.group_manager).delete(f"/Users/{world.group_manager.pk}")
    assert (response.status_code, response.json()["detail"]) == (403, "You cannot act on your own access.")
    assert Membership.objects.filter(person=world.group_manager, removed_at__isnull=True).exists()
    assert not AuditEvent.objects.exists()


def test_a_person_provisioned_again_is_as_active_as_the_hr_system_says(world, scim_as):
    """Let go while blocked, then hired again: the block is the portal's until the HR system says."""
    scim = scim_as(world.main)
    niss = factories.niss()
    user_id = scim.post("/Users", user_body(niss, active=False)).json()["id"]
    assert scim.delete(f"/Users/{user_id}").status_code == 204
    assert EnterpriseBlock.objects.filter(person_id=user_id, lifted_at__isnull=True).exists()
    again = scim.post("/Users", user_body(niss, active=True))
    assert again.status_code == 201
    assert again.json()["active"] is True
    assert not EnterpriseBlock.objects.filter(person_id=user_id, lifted_at__isnull=True).exists()
