"""Races through the real views, on PostgreSQL, with real threads: each thread posts with its own
test client, and a barrier makes them start together.

The same races at the level of the services are in tests/access/test_services.py (TestConcurrency:
two designations of the same group manager, block and delete at once, double submit, revocation
racing a grant). Here the whole request runs: forms, the view's own reads before the service
locks the enterprise, the error handling, and the page the loser gets. Whatever the order the
database chooses, one request wins, the data keep their invariants, the journal tells the same
story as the data, and the loser reads why (never a server error).
"""

import threading
from http.cookies import SimpleCookie

import pytest
from django.db import connection
from django.test import Client

from access import selectors
from access.models import AuditEvent, Designation, Grant, Membership, OnlineService, Person
from accounts.models import OutboundMessage
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

NOT_FOUND = "This page does not exist, or it is not one you can open."


def race(*posts: tuple[Client, str, dict]) -> list:
    """Post every (client, path, data) at the same moment, each from its own thread."""
    barrier = threading.Barrier(len(posts), timeout=10)
    responses: list = [None] * len(posts)

    def run(index: int, client: Client, path: str, data: dict) -> None:
        try:
            barrier.wait()
            responses[index] = client.post(path, data)
        except Exception as exc:  # noqa: BLE001 - a server error is an outcome the test reports
            responses[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    for response in responses:
        assert not isinstance(response, Exception), f"server error: {response!r}"
        assert response.status_code < 500, response.content.decode()[:2000]
    return responses


def page_after(client: Client, response) -> str:
    """What the person reads: the page itself, or the page the redirect leads to (with its message)."""
    if response.status_code == 302:
        return client.get(response["Location"]).content.decode()
    return response.content.decode()


def success_or_error(client: Client, response) -> str:
    page = page_after(client, response)
    assert 'class="message message-success"' in page or 'class="message message-error"' in page, page[:2000]
    return "success" if 'class="message message-success"' in page else "error"


def journal(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters))


def test_two_group_managers_designated_for_the_same_group_at_once(world, login):
    group = world.groups["employer"]
    Designation.objects.filter(person=world.group_manager).update(revoked_at=world.enterprise.activated_at)
    path = f"/e/{world.enterprise.pk}/managers/"
    first, second = factories.niss(), factories.niss()
    main, access_manager = login(world.main), login(world.access_manager)

    def form(niss: str, surname: str) -> dict:
        return {"kind": "group_manager", "group": group.pk, "niss": niss, "given_name": "G", "surname": surname}

    responses = race((main, path, form(first, "One")), (access_manager, path, form(second, "Two")))

    assert sorted(r.status_code for r in responses) == [200, 302]
    loser = next(r for r in responses if r.status_code == 200)
    assert "This group already has a Group Manager: revoke them first." in loser.content.decode()
    current = Designation.objects.get(group=group, kind="group_manager", revoked_at__isnull=True)
    assert current.person.niss in (first, second)
    [created] = journal("designation_created", group=group)
    assert created.target_person == current.person
    assert created.actor == (world.main if responses[0].status_code == 302 else world.access_manager)


def test_two_main_managers_designated_at_once_one_wins_the_other_is_told(world, login):
    """Two legal representatives replace the Main Access Manager from the same page at the same
    moment: one replacement happens; the other person reads that the MAM has just changed, and
    nothing of theirs is written (no person, no designation, no message)."""
    second_representative = factories.person("second_lr", "Sam", "Second")
    world.enterprise.legal_representatives.create(person=second_representative)
    path = f"/e/{world.enterprise.pk}/main-manager/foreign/"
    shown = Designation.objects.get(enterprise=world.enterprise, kind="main", revoked_at__isnull=True)

    def foreign(surname: str) -> dict:
        return {
            "foreign-given_name": "M",
            "foreign-surname": surname,
            "foreign-email": f"{surname.lower()}@example.pt",
            "foreign-mobile_phone": "+351912345678",
            "foreign-language": "en",
            "foreign-replaces": str(shown.pk),
        }

    posts = [
        (login(who), path, foreign(surname))
        for who, surname in zip((world.legal_representative, second_representative), ("Lea", "Sam"), strict=True)
    ]

    responses = race(*posts)

    outcomes = ["success" if response.status_code == 302 else "error" for response in responses]
    assert sorted(outcomes) == ["error", "success"]
    winner_client = posts[outcomes.index("success")][0]
    assert success_or_error(winner_client, responses[outcomes.index("success")]) == "success"
    loser = responses[outcomes.index("error")]
    assert loser.status_code == 200
    assert "The Main Access Manager has just changed." in loser.content.decode()
    current = Designation.objects.get(enterprise=world.enterprise, kind="main", revoked_at__isnull=True)
    winner_surname = posts[outcomes.index("success")][2]["foreign-surname"]
    assert current.person.surname == winner_surname
    assert [e.target_person for e in journal("designation_created", enterprise=world.enterprise)] == [current.person]
    assert [e.target_person for e in journal("designation_revoked", enterprise=world.enterprise)] == [world.main]
    assert not Person.objects.filter(surname__in={"Lea", "Sam"} - {winner_surname}).exists()
    assert set(OutboundMessage.objects.values_list("user", flat=True)) == {current.person.user_id}


def test_block_and_delete_of_the_same_person_posted_at_once(world, login):
    membership = world.member_membership
    base = f"/e/{world.enterprise.pk}/memberships/{membership.pk}"
    group_manager, access_manager = login(world.group_manager), login(world.access_manager)

    blocked, deleted = race(
        (group_manager, f"{base}/block/", {"reason": "Inquiry"}),
        (access_manager, f"{base}/delete/", {"reason": "Left the company"}),
    )

    assert deleted.status_code == 302
    assert success_or_error(access_manager, deleted) == "success"
    membership.refresh_from_db()
    assert membership.removed_at is not None
    assert not selectors.current_memberships().filter(person=world.member, group=membership.group).exists()
    assert len(journal("membership_deleted", target_person=world.member)) == 1
    if blocked.status_code == 302:  # the block came first; the deletion followed
        assert success_or_error(group_manager, blocked) == "success"
        assert membership.status == "blocked"
        assert len(journal("membership_blocked", target_person=world.member)) == 1
    else:  # the deletion came first: the block finds nobody to block
        page = blocked.content.decode()
        if blocked.status_code == 200:
            assert "This person is no longer a user of this group." in page
        else:  # the deletion had committed before the block's page even loaded the membership
            assert blocked.status_code == 404 and NOT_FOUND in page
        assert membership.status == "active"
        assert journal("membership_blocked", target_person=world.member) == []


def test_double_submit_of_the_add_user_form_adds_the_person_once(world, login):
    group = world.groups["employer"]
    niss = factories.niss()
    first_tab = login(world.group_manager)
    second_tab = Client(HTTP_ACCEPT_LANGUAGE="en")
    second_tab.cookies = SimpleCookie(first_tab.cookies.output(header=""))  # the same session
    dimona = OnlineService.objects.get(code="dimona")
    form = {"niss": niss, "given_name": "Nina", "surname": "New", "services": [dimona.pk], "confirm": "on"}
    path = f"/e/{world.enterprise.pk}/groups/{group.pk}/add/"

    responses = race((first_tab, path, form), (second_tab, path, form))

    assert sorted(r.status_code for r in responses) == [200, 302]
    loser = next(r for r in responses if r.status_code == 200)
    assert "This person is already a user of this group." in loser.content.decode()
    person = Person.objects.get(niss=niss)
    assert Membership.objects.filter(person=person).count() == 1
    assert len(journal("user_created", target_person=person)) == 1
    assert [g.service.code for g in Grant.objects.filter(membership__person=person)] == ["dimona"]
    assert len(journal("service_granted", target_person=person)) == 1


def test_revocation_of_a_group_manager_racing_a_grant_posted_by_them(world, login):
    designation = Designation.objects.get(person=world.group_manager)
    membership = world.member_membership
    dmfa = OnlineService.objects.get(code="dmfa")
    main, group_manager = login(world.main), login(world.group_manager)

    revoked, granted = race(
        (main, f"/e/{world.enterprise.pk}/managers/{designation.pk}/revoke/", {"reason": "Left"}),
        (group_manager, f"/e/{world.enterprise.pk}/memberships/{membership.pk}/services/", {"service": dmfa.pk}),
    )

    assert revoked.status_code == 302
    assert success_or_error(main, revoked) == "success"
    designation.refresh_from_db()
    assert designation.revoked_at is not None
    assert len(journal("designation_revoked", target_person=world.group_manager)) == 1
    grants = list(Grant.objects.filter(membership=membership, service=dmfa))
    # Nothing granted by the manager once the revocation had committed.
    assert all(grant.granted_at < designation.revoked_at for grant in grants)
    journaled = journal("service_granted", actor=world.group_manager)
    assert len(grants) == len(journaled) <= 1
    if granted.status_code == 302:  # the grant came first, under the manager's standing of then
        assert grants and success_or_error(group_manager, granted) == "success"
    elif granted.status_code == 403:  # revoked between the page's first read and the service's lock
        assert "You may not do this" in granted.content.decode() and not grants
    else:  # revoked before the request began: no standing left in the enterprise
        assert granted.status_code == 404 and NOT_FOUND in granted.content.decode() and not grants
