"""An access review in a real browser, on a phone and on a desktop screen: the Main Access Manager
starts one from the menu, types a deadline in the past first and is told why, then a good one; the
Group Manager of the employer group opens it from the menu, confirms one online service and
revokes another, each with its last use in sight; the Main Access Manager then reads the progress,
per manager. Every page on the way is checked with axe-core."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from access.models import AccessReview, AccessReviewItem, Grant, OnlineService, ServiceUse
from tests.e2e.conftest import follow_menu

pytestmark = pytest.mark.e2e

DIMONA = "Dimona (immediate declaration of employment)"
DMFA = "DmfA (multifunctional declaration)"


@pytest.fixture
def member_with_two_services(e2e_world):
    """The member holds Dimona, last used on 6 May 2026, and DmfA, never used."""
    dmfa = OnlineService.objects.get(code="dmfa")
    Grant.objects.create(membership=e2e_world.member_membership, service=dmfa)
    ServiceUse.objects.create(
        person=e2e_world.member,
        enterprise=e2e_world.enterprise,
        service=OnlineService.objects.get(code="dimona"),
        last_used_at=timezone.make_aware(datetime(2026, 5, 6, 9, 30)),
    )
    return e2e_world


@pytest.mark.parametrize("width", [390, 1366])
def test_the_main_manager_starts_a_review_a_manager_answers_and_the_progress_shows_it(
    page: Page, width: int, member_with_two_services, log_in, assert_accessible
):
    world = member_with_two_services
    page.set_viewport_size({"width": width, "height": 900})
    main = page.get_by_role("main")
    deadline = timezone.localdate() + timedelta(days=14)

    def to_the_reviews(who: str) -> None:
        log_in(who)
        page.get_by_role("link", name="Acme").click()
        follow_menu(page, "Access reviews")
        expect(page.get_by_role("heading", name="Access reviews", level=1)).to_be_visible()

    # The MAM, from the menu: no review yet.
    to_the_reviews("main")
    expect(main).to_contain_text("No access review yet.")
    assert_accessible(f"the reviews, none yet, at {width} px")
    main.get_by_role("link", name="Start an access review").click()
    expect(page.get_by_role("heading", name="Start an access review", level=1)).to_be_visible()
    assert_accessible(f"starting a review at {width} px")

    # A deadline in the past: refused, the summary says why and leads to the field.
    main.get_by_label("What to review").select_option(label="The whole enterprise")
    main.get_by_role("textbox", name="Deadline").fill("01/01/2020")
    main.get_by_role("radio", name=re.compile("^Yes: ")).check()
    main.get_by_role("button", name="Start the review").click()
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading")).to_have_text("There is a problem")
    expect(alert.get_by_role("link", name="The deadline must be tomorrow or later.")).to_have_attribute(
        "href", "#id_deadline"
    )
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(main.get_by_role("textbox", name="Deadline")).to_have_attribute("aria-invalid", "true")
    expect(main.get_by_role("radio", name=re.compile("^Yes: "))).to_be_checked()
    assert_accessible(f"a deadline in the past at {width} px")
    assert not AccessReview.objects.exists()

    main.get_by_role("textbox", name="Deadline").fill(deadline.strftime("%d/%m/%Y"))
    main.get_by_role("button", name="Start the review").click()
    expect(page.get_by_role("status")).to_have_text("The access review has started: the managers are told by e-mail.")
    expect(page.get_by_role("heading", name="Access review: The whole enterprise", level=1)).to_be_visible()
    managers = main.get_by_role("region", name="Per manager who must answer")
    expect(managers.get_by_role("row").filter(has_text="Greta Group").get_by_role("cell")).to_have_text(
        ["Greta Group", "2", "0", "0", "0", "2"]
    )
    assert_accessible(f"the progress of a review just started at {width} px")
    review = AccessReview.objects.get()

    # The Group Manager, from the menu: the review, then the two services of the member.
    page.get_by_role("button", name="Log out").click()
    to_the_reviews("group_manager")
    expect(main.get_by_role("row").filter(has_text="The whole enterprise")).to_contain_text("2 left for you to answer")
    assert_accessible(f"the reviews of a manager at {width} px")
    main.get_by_role("link", name=re.compile("^Online services to answer")).click()
    expect(page).to_have_url(re.compile(rf"/reviews/{review.pk}/grants/$"))
    expect(main).to_contain_text("You must answer for 2 online services: 2 left.")
    dimona = main.get_by_role("row").filter(has_text=DIMONA)
    expect(dimona.get_by_role("cell").nth(4)).to_have_text("May 6, 2026")
    expect(main.get_by_role("row").filter(has_text=DMFA).get_by_role("cell").nth(4)).to_have_text("No use recorded")
    expect(main.get_by_role("button", name="Confirm all 2 online services left on this page")).to_be_visible()
    assert_accessible(f"the services to answer at {width} px")

    dimona.get_by_role("button", name=f"Confirm {DIMONA} for Mats Member").click()
    expect(page.get_by_role("status")).to_have_text(f"{DIMONA} of Mats Member is confirmed.")
    expect(main.get_by_role("row").filter(has_text=DIMONA)).to_contain_text("Confirmed by Greta Group")
    main.get_by_role("row").filter(has_text=DMFA).get_by_role("button", name=f"Revoke {DMFA} for Mats Member").click()
    expect(page.get_by_role("status")).to_have_text(f"{DMFA} of Mats Member is revoked.")
    expect(main.get_by_role("row").filter(has_text=DMFA)).to_contain_text("Revoked by Greta Group")
    expect(main).to_contain_text("You must answer for 2 online services: 0 left.")
    assert_accessible(f"the services answered at {width} px")
    answers = dict(AccessReviewItem.objects.filter(review=review).values_list("grant__service__code", "answer"))
    assert answers == {"dimona": "confirmed", "dmfa": "revoked", "db2p": "open", "myminfin": "open"}
    assert Grant.objects.get(membership=world.member_membership, service__code="dmfa").revoked_at is not None

    # The MAM reads the progress, per manager.
    page.get_by_role("button", name="Log out").click()
    to_the_reviews("main")
    expect(main.get_by_role("row").filter(has_text="The whole enterprise")).to_contain_text(
        "1 confirmed, 1 revoked, 0 ended, 2 left, of 4"
    )
    main.get_by_role("link", name=re.compile("^Progress")).click()
    progress = main.get_by_role("region", name="Progress")
    expect(progress).to_contain_text(re.compile(r"Confirmed\s*1\s*Revoked\s*1\s*Ended at the deadline\s*0"))
    expect(progress).to_contain_text(re.compile(r"Left to answer\s*2"))
    managers = main.get_by_role("region", name="Per manager who must answer")
    expect(managers.get_by_role("row").filter(has_text="Greta Group").get_by_role("cell")).to_have_text(
        ["Greta Group", "0", "1", "1", "0", "2"]
    )
    expect(managers.get_by_role("row").filter(has_text="Arno Access").get_by_role("cell")).to_have_text(
        ["Arno Access", "1", "0", "0", "0", "1"]
    )
    assert_accessible(f"the progress after the answers at {width} px")
