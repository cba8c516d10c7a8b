"""Every page of the portal, for each persona that can open it, checked by axe-core (WCAG 2.1 A
and AA) in Chromium; and the keyboard alone gets around."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from access import services
from access.models import Designation, Grant
from chaman.models import Channel, Sender, TechnicalContact
from ebox.models import Message
from tests.factories import actor_of

pytestmark = pytest.mark.e2e


def pages(world) -> list[str]:
    e = world.enterprise.pk
    membership = world.member_membership.pk
    sender = Sender.objects.create(enterprise=world.enterprise, number="102030")
    TechnicalContact.objects.create(sender=sender, name="Tina Tech", email="tech@acme.be")
    Channel.objects.create(sender=sender, kind="ftp")
    message = Message.objects.create(enterprise=world.enterprise, sender_institution="ONSS", subject="Hi", body="x")
    designation = Designation.objects.get(person=world.group_manager)
    grant = Grant.objects.get(membership=world.member_membership, service__code="dimona")
    review = services.review_start(
        actor_of(world, world.main),
        domain=None,
        deadline=timezone.localdate() + timedelta(days=10),
        end_unconfirmed=True,
    )
    checked = _import_checked_by_the_group_manager(world)
    return [
        "/",
        f"/e/{e}/",
        f"/e/{e}/groups/{world.groups['employer'].pk}/",
        f"/e/{e}/groups/{world.groups['employer'].pk}/add/",
        f"/e/{e}/users/",
        f"/e/{e}/users/{world.member.pk}/",
        f"/e/{e}/users/{world.member.pk}/block/",
        f"/e/{e}/memberships/{membership}/",
        f"/e/{e}/memberships/{membership}/block/",
        f"/e/{e}/memberships/{membership}/delete/",
        f"/e/{e}/managers/",
        f"/e/{e}/managers/{designation.pk}/revoke/",
        f"/e/{e}/main-manager/",
        f"/e/{e}/journal/",
        f"/e/{e}/provisioning/",
        f"/e/{e}/who-could-act/",
        f"/e/{e}/who-could-act/?day={timezone.localdate():%d/%m/%Y}",
        f"/e/{e}/who-could-act/?day=31/02/2026",
        f"/e/{e}/import/",
        f"/e/{e}/import/{checked.pk}/",
        f"/e/{e}/contact-data/",
        f"/e/{e}/chaman/",
        f"/e/{e}/structured-messages/",
        f"/e/{e}/ebox/",
        f"/e/{e}/ebox/{message.pk}/",
        f"/e/{e}/my-access/",
        f"/e/{e}/my-access/services/{grant.pk}/give-up/",
        f"/e/{e}/my-access/groups/{membership}/leave/",
        f"/e/{e}/reviews/",
        f"/e/{e}/reviews/start/",
        f"/e/{e}/reviews/{review.pk}/",
        f"/e/{e}/reviews/{review.pk}/grants/",
        f"/e/{e}/unused-access/",
        "/activated/",
        "/dev/outbox/",
        "/no-such-page/",
    ]


def _import_checked_by_the_group_manager(world):
    """A file of users checked by the Group Manager: a new user, a new grant, a refused row."""
    from imports import services
    from tests import factories
    from tests.imports.files import csv_text, row

    text = csv_text(
        [
            row(factories.niss(), services="dimona", given_name="Nina", surname="Newcomer"),
            row(world.member.niss, services="dmfa"),
            row("85.07.30-033.29"),
        ]
    )
    actor = factories.actor_of(world, world.group_manager)
    return services.import_preview(actor, filename="staff.csv", data=text.encode())


@pytest.mark.parametrize("persona", ["main", "group_manager", "member", "legal_representative"])
def test_every_page_is_accessible(page: Page, e2e_world, log_in, assert_accessible, persona):
    urls = pages(e2e_world)
    log_in(persona)
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status in (200, 403, 404), url
        expect(page.locator("h1")).to_have_count(1)
        assert_accessible(f"{persona} {url} ({response.status})")


def test_anonymous_pages_are_accessible(page: Page, e2e_world, assert_accessible):
    for url in ("/", "/accounts/login/", "/dev-idp/authorize/?response_type=code"):
        page.goto(url)
        expect(page.locator("h1")).to_have_count(1)
        assert_accessible(url)


def test_the_keyboard_alone_gets_around(page: Page, e2e_world, log_in):
    log_in("group_manager")
    page.goto(f"/e/{e2e_world.enterprise.pk}/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # Tab from the menu to "Users" and open it with Enter.
    users = page.get_by_role("navigation", name="Enterprise menu").get_by_role("link", name="Users")
    for _ in range(30):
        if users.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Shift+Tab")
    expect(users).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
