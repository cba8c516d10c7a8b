"""The pages of access over time (docs/design.md §5.13): the access reviews, the grants a manager
answers for, the progress the MAM follows, the ending of unused access; from the menu and the
dashboard; what the journal says of them; and the same number of queries whatever their size."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from access import services
from access.models import (
    AccessReview,
    AccessReviewItem,
    AuditEvent,
    Grant,
    Membership,
    OnlineService,
    Person,
    ServiceUse,
)
from access.tasks import reviews_close
from tests import factories
from tests.factories import actor_of
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


def e(world, path: str = "") -> str:
    return f"/e/{world.enterprise.pk}/{path}"


def in_ten_days() -> str:
    return (timezone.localdate() + timedelta(days=10)).strftime("%d/%m/%Y")


def start(world, **kwargs) -> AccessReview:
    fields = {"domain": None, "deadline": timezone.localdate() + timedelta(days=10), "end_unconfirmed": True}
    return services.review_start(actor_of(world, world.main), **{**fields, **kwargs})


def grow(world, count: int, group: str = "employer") -> None:
    """`count` more users of the group, each with Dimona used some day."""
    people = Person.objects.bulk_create(
        Person(niss=factories.niss(), given_name="Bulk", surname=f"User{i:05d}") for i in range(count)
    )
    memberships = Membership.objects.bulk_create(Membership(person=p, group=world.groups[group]) for p in people)
    dimona = OnlineService.objects.get(code="dimona")
    Grant.objects.bulk_create(Grant(membership=m, service=dimona) for m in memberships)
    ServiceUse.objects.bulk_create(
        ServiceUse(person=p, enterprise=world.enterprise, service=dimona, last_used_at=timezone.now()) for p in people
    )


# --- Starting a review ---------------------------------------------------------------------------------


def test_a_past_deadline_is_refused_with_its_reason_and_nothing_starts(world, login):
    client = login(world.main)
    page = client.post(e(world, "reviews/start/"), {"deadline": "01/01/2020", "end_unconfirmed": "yes"})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'role="alert"' in body and "The deadline must be tomorrow or later." in body
    page = client.post(e(world, "reviews/start/"), {"deadline": in_ten_days()})
    assert "Choose whether what was not confirmed ends at the deadline." in page.content.decode()
    assert not AccessReview.objects.exists()


def test_the_main_manager_starts_a_review_of_a_domain_and_lands_on_its_progress(world, login):
    client = login(world.main)
    finance = world.groups["taxpayer"].role_type.domain
    response = client.post(
        e(world, "reviews/start/"), {"domain": finance.pk, "deadline": in_ten_days(), "end_unconfirmed": "no"}
    )
    review = AccessReview.objects.get()
    assert response["Location"] == e(world, f"reviews/{review.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "The access review has started" in page
    assert "Access review: Finance" in page and "Nothing ends: what was not confirmed stays." in page
    assert "Fien Finance" in page  # the one who must answer for the taxpayer's grant
    # A second review waits for the first to close.
    page = client.get(e(world, "reviews/start/")).content.decode()
    assert "An access review is open (Finance)" in page
    refused = client.post(e(world, "reviews/start/"), {"deadline": in_ten_days(), "end_unconfirmed": "no"})
    assert "already open" in refused.content.decode()
    assert AccessReview.objects.count() == 1


def test_the_menu_and_the_dashboard_lead_to_the_reviews(world, login):
    main = login(world.main).get(e(world)).content.decode()
    assert main.count(f'href="{e(world, "reviews/")}"') == 2  # the menu and the dashboard
    assert f'href="{e(world, "unused-access/")}"' in main
    manager = login(world.group_manager).get(e(world)).content.decode()
    assert f'href="{e(world, "reviews/")}"' in manager and "unused-access" not in manager
    user = login(world.member).get(e(world)).content.decode()
    assert "reviews/" not in user


# --- Answering -----------------------------------------------------------------------------------------


def test_a_manager_confirms_one_grant_revokes_another_and_the_main_manager_sees_the_progress(world, login):
    factories.member(world.tax_member, world.groups["employer"], ("dmfa",))
    review = start(world)
    gm = login(world.group_manager)
    page = gm.get(e(world, f"reviews/{review.pk}/grants/")).content.decode()
    assert "You must answer for 2 online services: 2 left." in page
    assert "Mats Member" in page and "Tom Taxman" in page and "Paula Pension" not in page
    dimona = Grant.objects.get(membership=world.member_membership, service__code="dimona")
    dmfa = Grant.objects.get(membership__person=world.tax_member, service__code="dmfa")
    response = gm.post(e(world, f"reviews/{review.pk}/grants/{dimona.pk}/confirm/"))
    assert response["Location"] == e(world, f"reviews/{review.pk}/grants/")
    response = gm.post(e(world, f"reviews/{review.pk}/grants/{dmfa.pk}/revoke/"), {"show": "all", "page": "1"})
    assert response["Location"] == e(world, f"reviews/{review.pk}/grants/?show=all")
    page = gm.get(response["Location"]).content.decode()
    assert "Dimona (immediate declaration of employment) of Mats Member is confirmed." in page
    assert "DmfA (multifunctional declaration) of Tom Taxman is revoked." in page
    assert "Confirmed by Greta Group" in page and "Revoked by Greta Group" in page

    progress = login(world.main).get(e(world, f"reviews/{review.pk}/")).content.decode()
    assert "<dt>Confirmed</dt><dd>1</dd>" in progress
    assert "<dt>Revoked</dt><dd>1</dd>" in progress
    assert "<dt>Left to answer</dt><dd>2</dd>" in progress
    listed = login(world.main).get(e(world, "reviews/")).content.decode()
    assert "1 confirmed, 1 revoked, 0 ended, 2 left, of 4" in listed


def test_confirming_the_page_confirms_what_is_left_on_it_only(world, login):
    grow(world, 30)
    review = start(world)
    gm = login(world.group_manager)
    page = gm.get(e(world, f"reviews/{review.pk}/grants/")).content.decode()
    assert "Confirm all 25 online services left on this page" in page
    ids = [int(i) for i in re.findall(r'name="grant" value="(\d+)"', page)]
    assert len(ids) == 25
    response = gm.post(e(world, f"reviews/{review.pk}/grants/confirm/"), {"grant": ids})
    assert response.status_code == 302
    assert AccessReviewItem.objects.filter(answer="confirmed").count() == 25
    page = gm.get(e(world, f"reviews/{review.pk}/grants/")).content.decode()
    assert "25 online services confirmed." in page
    assert "Confirm all 6 online services left on this page" in page


def test_a_closed_review_is_read_and_takes_no_answer(world, login):
    review = start(world, end_unconfirmed=False)
    with time_machine.travel(timezone.now() + timedelta(days=12), tick=False):
        reviews_close()
        page = login(world.group_manager).get(e(world, f"reviews/{review.pk}/grants/")).content.decode()
        assert "This review closed on" in page
        assert "Confirm</button>" not in page and "Revoke</button>" not in page
        dimona = Grant.objects.get(membership=world.member_membership, service__code="dimona")
        refused = login(world.group_manager).post(e(world, f"reviews/{review.pk}/grants/{dimona.pk}/confirm/"))
        assert refused.status_code == 403 and "This access review is closed" in refused.content.decode()


def test_the_grants_of_a_holder_the_manager_may_not_act_on_are_shown_without_buttons(world, login):
    factories.member(world.access_manager, world.groups["employer"], ("dmfa",))
    review = start(world)
    page = login(world.group_manager).get(e(world, f"reviews/{review.pk}/grants/?show=all")).content.decode()
    row = page[page.index("Arno Access") :]
    row = row[: row.index("</tr>")]
    assert '<td class="actions" data-label="Actions">' in row and "button" not in row


# --- Unused access ---------------------------------------------------------------------------------------


def test_the_main_manager_sets_the_months_and_turns_it_off(world, login):
    client = login(world.main)
    page = client.get(e(world, "unused-access/")).content.decode()
    assert "Now: unused online services do not end." in page
    assert client.post(e(world, "unused-access/"), {"months": "9"}).status_code == 302
    page = client.get(e(world, "unused-access/")).content.decode()
    assert "Now: an online service ends after 9 months without use." in page and "Set by Marie Main" in page
    assert 'value="9" selected' in page
    refused = client.post(e(world, "unused-access/"), {"months": "3"})
    assert "Choose a number of months from the list." in refused.content.decode()
    client.post(e(world, "unused-access/"), {"months": ""})
    page = client.get(e(world, "unused-access/")).content.decode()
    assert "Now: unused online services do not end." in page
    assert AuditEvent.objects.filter(action="unused_access_changed").count() == 2


# --- The journal ---------------------------------------------------------------------------------------


def test_the_journal_says_what_the_portal_did_by_itself(world, login):
    review = start(world)
    with time_machine.travel(timezone.now() + timedelta(days=12), tick=False):
        reviews_close()
    page = login(world.main).get(e(world, "journal/")).content.decode()
    assert "online service ended: not confirmed in the access review" in page
    assert "The portal" in page
    assert f"Access review: no. {review.pk}" in page
    assert "access review closed" in page and "Not answered: 0" in page and "Ended at the deadline: 3" in page
    assert "At the deadline, end what was not confirmed: yes" in page


# --- The same queries at any size -------------------------------------------------------------------------


def review_with_history(world, count: int) -> AccessReview:
    """Closed reviews of the past, and an open one over `count` more users, some answered."""
    for days in (60, 30):
        with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
            old = start(world, end_unconfirmed=False)
        AccessReview.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=days - 11))
    grow(world, count)
    grow(world, count, group="pension_fund")
    review = start(world)
    items = list(review.items.order_by("pk")[: count // 2])
    AccessReviewItem.objects.filter(pk__in=[i.pk for i in items]).update(
        answer="confirmed", answered_by=world.group_manager, answered_at=timezone.now()
    )
    return review


PAGES = {
    "review_list": lambda world, review: e(world, "reviews/"),
    "review_start": lambda world, review: e(world, "reviews/start/"),
    "review_detail": lambda world, review: e(world, f"reviews/{review.pk}/"),
    "review_answer": lambda world, review: e(world, f"reviews/{review.pk}/grants/"),
    "review_answer_all": lambda world, review: e(world, f"reviews/{review.pk}/grants/?show=all&page=2"),
    "unused_access": lambda world, review: e(world, "unused-access/"),
}
WHO = {
    "review_list": ["main", "group_manager"],
    "review_start": ["main"],
    "review_detail": ["co_main"],
    "review_answer": ["main", "access_manager", "group_manager"],
    "review_answer_all": ["main", "access_manager"],
    "unused_access": ["main"],
}


@pytest.mark.parametrize(("page", "persona"), [(page, who) for page, people in WHO.items() for who in people])
def test_the_same_queries_from_ten_to_five_hundred_users(world, login, page, persona):
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=timezone.get_current_timezone()), tick=True):
        client = login(getattr(world, persona))
        review = review_with_history(world, 10)
        small = queries_of(client, PAGES[page](world, review))
        grow(world, 490)
        grow(world, 490, group="pension_fund")
        AccessReviewItem.objects.bulk_create(
            AccessReviewItem(review=review, grant=grant, answerer=world.group_manager)
            for grant in Grant.objects.filter(membership__person__surname__startswith="User").exclude(
                pk__in=review.items.values("grant_id")
            )
        )
        assert queries_of(client, PAGES[page](world, review)) == small
