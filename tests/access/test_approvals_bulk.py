"""Four eyes on blocking or deleting many people (docs/design.md §5.15): one manager who blocked or
deleted 10 people within the hour waits for a second manager from the 11th on, whether on a page,
in an import or through SCIM."""

import pytest
from django.core.exceptions import PermissionDenied

from access import policy, selectors, services
from access.models import ApprovalRequest, AuditEvent, EnterpriseBlock, FourEyesSetting, Membership, Person
from tests import factories
from tests.provisioning.conftest import Scim, make_token, patch_body, user_body

pytestmark = pytest.mark.django_db


def members(world, count):
    return [
        factories.member(factories.person(None, "Many", f"Member{i:02d}"), world.groups["employer"])
        for i in range(count)
    ]


def block(world, membership):
    services.membership_block(factories.actor_of(world, world.group_manager), membership, reason="Left")


def test_the_eleventh_person_blocked_within_the_hour_waits(world):
    first, *rest = members(world, 11)
    for membership in [first, *rest[:-1]]:
        block(world, membership)
    last = rest[-1]

    with pytest.raises(services.AwaitsApproval) as waiting:
        block(world, last)

    last.refresh_from_db()
    assert not last.is_blocked
    request = services.held_record(waiting.value.held)
    assert (request.kind, request.requested_by, request.target) == (
        "membership_block",
        world.group_manager,
        last.person,
    )
    assert AuditEvent.objects.filter(action="approval_requested", actor=world.group_manager).count() == 1
    # Blocking again someone already counted does not wait.
    services.membership_unblock(factories.actor_of(world, world.group_manager), first)
    block(world, first)

    services.approval_approve(factories.actor_of(world, world.co_main), request)
    last.refresh_from_db()
    assert last.is_blocked
    made = AuditEvent.objects.get(action="membership_blocked", target_person=last.person)
    assert made.actor == world.group_manager
    assert made.after["via"]["approval"] == request.pk


def test_deleting_and_blocking_for_all_groups_count_together(world):
    many = members(world, 11)
    manager = factories.actor_of(world, world.main)
    for membership in many[:5]:
        services.membership_delete(manager, membership, reason="Left")
    for membership in many[5:10]:
        services.person_block_everywhere(manager, membership.person, reason="Fraud")
    with pytest.raises(services.AwaitsApproval):
        services.person_block_everywhere(manager, many[10].person, reason="Fraud")
    with pytest.raises(services.AwaitsApproval):
        services.membership_delete(manager, many[10], reason="Left")
    assert not EnterpriseBlock.objects.filter(person=many[10].person).exists()
    assert Membership.objects.get(pk=many[10].pk).removed_at is None


def test_with_four_eyes_off_the_eleventh_goes_through(world):
    FourEyesSetting.objects.create(enterprise=world.enterprise, enabled=False)
    for membership in members(world, 11):
        block(world, membership)
    assert not ApprovalRequest.objects.exists()


def test_the_requester_of_a_block_cannot_approve_it(world):
    many = members(world, 11)
    for membership in many[:10]:
        block(world, membership)
    with pytest.raises(services.AwaitsApproval) as waiting:
        services.membership_block(factories.actor_of(world, world.group_manager), many[10], reason="Left")
    request = services.held_record(waiting.value.held)
    with pytest.raises(PermissionDenied):
        services.approval_approve(factories.actor_of(world, world.group_manager), request)


def test_the_page_says_the_block_waits(world, login):
    many = members(world, 11)
    for membership in many[:10]:
        block(world, membership)
    client = login(world.group_manager)
    url = f"/e/{world.enterprise.pk}/memberships/{many[10].pk}/block/"
    response = client.post(url, {"reason": "Left"}, follow=True)
    assert "this change waits for a second manager&#x27;s approval" in response.content.decode()
    request = ApprovalRequest.objects.get()
    assert request.params["reason"] == "Left"
    approvals_page = login(world.main).get(f"/e/{world.enterprise.pk}/approvals/").content.decode()
    assert f"Block {many[10].person.full_name} for the group Employer" in approvals_page


def test_a_scim_deactivation_past_the_threshold_waits_and_says_so(world):
    many = members(world, 11)
    for membership in many[:10]:
        block(world, membership)
    scim = Scim(make_token(world.group_manager, world.enterprise))
    response = scim.patch(
        f"/Users/{many[10].person.pk}", patch_body({"op": "replace", "path": "active", "value": False})
    )
    assert response.status_code == 403, response.content
    request = ApprovalRequest.objects.get()
    assert response.json()["detail"] == (
        "This change waits for a second manager's approval. "
        f"Nothing was done: request no. {request.pk} waits on the portal's pages."
    )
    assert request.kind == "person_block_everywhere"
    assert not selectors.current_enterprise_blocks().filter(person=many[10].person).exists()
    # Sent again while it waits: the same request.
    again = scim.patch(f"/Users/{many[10].person.pk}", patch_body({"op": "replace", "path": "active", "value": False}))
    assert again.status_code == 403
    assert ApprovalRequest.objects.get().pk == request.pk


def test_the_threshold(world):
    member = selectors.standing_of(world.member.pk, world.enterprise.pk)
    nobody = selectors.standing_of(factories.person(None, "No", "Access").pk, world.enterprise.pk)
    assert not policy.past_bulk_threshold(9, member)
    assert policy.past_bulk_threshold(10, member)
    # Someone without access loses nothing: blocking them never waits.
    assert not policy.past_bulk_threshold(10, nobody)


@pytest.mark.django_db(transaction=True)
def test_a_scim_user_created_inactive_past_the_threshold_is_created_blocked(world):
    many = members(world, 10)
    for membership in many:
        block(world, membership)
    scim = Scim(make_token(world.group_manager, world.enterprise))
    body = user_body(factories.niss(), active=False)
    response = scim.post("/Users", body)
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["id"])
    assert selectors.current_enterprise_blocks().filter(enterprise=world.enterprise, person=person).exists()
    assert not ApprovalRequest.objects.exists()


def test_an_import_row_past_the_threshold_waits_and_its_verdict_says_so(world):
    """The row's step rolls back; its change waits with the import's other rows, asked for together
    once the run is over (tests/imports/test_four_eyes.py)."""
    from django.db import transaction

    from imports import running

    many = members(world, 11)
    for membership in many[:10]:
        block(world, membership)
    verdicts = []

    def step():
        with transaction.atomic():
            block(world, many[10])

    running._guarded(step, verdicts.append, "a test row")

    [verdict] = verdicts
    assert verdict.detail["reason"] == "This change waits for a second manager's approval."
    assert (verdict.detail["held"]["kind"], verdict.detail["held"]["target"]) == (
        "membership_block",
        many[10].person.pk,
    )
    assert not ApprovalRequest.objects.exists()
    many[10].refresh_from_db()
    assert not many[10].is_blocked


@pytest.mark.parametrize("how", ["patch", "patch all", "put"])
def test_a_scim_group_change_removing_an_eleventh_member_waits_and_says_so(world, how):
    many = members(world, 12)
    group = world.groups["employer"]
    scim = Scim(make_token(world.group_manager, world.enterprise))
    removed = [str(m.person.pk) for m in many[:11]]
    if how == "patch":
        body = patch_body(*({"op": "remove", "path": f'members[value eq "{pk}"]'} for pk in removed))
        response = scim.patch(f"/Groups/{group.pk}", body, **{"If-Match": "*"})
    elif how == "patch all":
        body = patch_body({"op": "remove", "path": "members"})
        response = scim.patch(f"/Groups/{group.pk}", body, **{"If-Match": "*"})
    else:
        current = scim.get(f"/Groups/{group.pk}").json()
        current["members"] = [m for m in current["members"] if m["value"] not in removed]
        response = scim.put(f"/Groups/{group.pk}", current, **{"If-Match": "*"})
    assert response.status_code == 403, response.content
    request = ApprovalRequest.objects.get()
    assert response.json()["detail"].endswith(f"request no. {request.pk} waits on the portal's pages.")
    # The whole change is one transaction: no member was removed.
    assert Membership.objects.filter(group=group, person__in=[m.person for m in many]).count() == 12
