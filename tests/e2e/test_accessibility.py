"""Every page of the portal, for each persona that can open it, checked by axe-core (WCAG 2.1 A
and AA) in Chromium; and the keyboard alone gets around."""

import pytest
from playwright.sync_api import Page, expect

from access.models import Designation, Grant
from chaman.models import Channel, Sender, TechnicalContact
from ebox.models import Message

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
        f"/e/{e}/contact-data/",
        f"/e/{e}/chaman/",
        f"/e/{e}/structured-messages/",
        f"/e/{e}/ebox/",
        f"/e/{e}/ebox/{message.pk}/",
        f"/e/{e}/my-access/",
        f"/e/{e}/my-access/services/{grant.pk}/give-up/",
        f"/e/{e}/my-access/groups/{membership}/leave/",
        "/activated/",
        "/dev/outbox/",
        "/no-such-page/",
    ]


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
