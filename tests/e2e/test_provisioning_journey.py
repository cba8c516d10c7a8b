"""A Group Manager, logged in through the real login form, on a phone and on a desktop screen: opens
Provisioning, gives a day in the past first (refused next to its field), then makes a token for the
HR system, which is shown once; the HR system blocks a user through SCIM with it; the page lists the
token with its last use, the journal names the client on the manager's behalf; the manager revokes
the token and it stops working. Every page on the way is checked with axe-core."""

import re
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from playwright.sync_api import Page, expect

from access.models import EnterpriseBlock
from tests import leaks
from tests.e2e.conftest import follow_menu

pytestmark = pytest.mark.e2e

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.mark.parametrize("width", [390, 1366])
def test_a_manager_makes_a_token_the_hr_system_uses_then_revokes_it(
    page: Page, width: int, e2e_world, log_in, live_server, assert_accessible
):
    world = e2e_world
    page.set_viewport_size({"width": width, "height": 900})
    main = page.get_by_role("main")

    log_in("group_manager")
    page.get_by_role("link", name="Acme").click()
    follow_menu(page, "Provisioning")
    expect(page.get_by_role("heading", name="Provisioning", level=1)).to_be_visible()
    expect(main.get_by_text("You have no token yet.")).to_be_visible()
    scim_address = main.locator("dd code")
    expect(scim_address).to_have_text(f"{live_server.url}/scim/v2/")
    assert_accessible(f"provisioning page at {width} px")

    # A day in the past first: refused next to its field, nothing made.
    form = page.get_by_role("region", name="Make a token")
    form.get_by_label("Name of the token").fill("Workday")
    until = form.get_by_label("Valid until")
    expect(until).to_have_value((timezone.localdate() + timedelta(days=90)).strftime("%d/%m/%Y"))
    until.fill("01/01/2020")
    form.get_by_role("button", name="Make the token").click()
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading")).to_have_text("There is a problem")
    expect(alert.get_by_role("link", name="Choose a day after today.")).to_have_attribute("href", "#id_valid_until")
    until = page.get_by_role("region", name="Make a token").get_by_label("Valid until")
    expect(until).to_have_attribute("aria-invalid", "true")
    expect(until).to_have_accessible_description(re.compile("Choose a day after today."))
    expect(page.get_by_label("Token", exact=True)).to_have_count(0)
    assert_accessible(f"token form with an error at {width} px")

    # A day within the year: the token, shown this once.
    day = timezone.localdate() + timedelta(days=30)
    until.fill(day.strftime("%d/%m/%Y"))
    page.get_by_role("region", name="Make a token").get_by_role("button", name="Make the token").click()
    shown = page.get_by_role("region", name="Your new token “Workday”")
    expect(shown.get_by_text("Copy it now: it is shown this once.")).to_be_visible()
    token = shown.get_by_label("Token", exact=True).input_value()
    leaks.remember_password(token)
    assert re.fullmatch(r"scim-[0-9a-f]{64}", token)
    assert_accessible(f"the new token at {width} px")

    # The HR system, with the token: the Group Manager's users, and a block for all groups.
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    users = requests.get(f"{live_server.url}/scim/v2/Users", headers=headers, timeout=30)
    assert users.status_code == 200
    assert [user["name"]["familyName"] for user in users.json()["Resources"]] == ["Member"]
    blocked = requests.patch(
        f"{live_server.url}/scim/v2/Users/{world.member.pk}",
        json={"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": False}]},
        headers=headers,
        timeout=30,
    )
    assert blocked.status_code == 200, blocked.text
    assert EnterpriseBlock.objects.get(person=world.member).blocked_by == world.group_manager

    # Sending the same form again (the page reloaded) makes no second token.
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("This form has already made its token")
    # The page lists it with its last use, never with its value.
    row = main.get_by_role("row").filter(has_text="Workday")
    expect(row).to_contain_text("127.0.0.1")
    expect(row).to_contain_text("active")
    expect(page.get_by_label("Token", exact=True)).to_have_count(0)
    assert token not in page.content()

    # The journal names the client, on the manager's behalf.
    follow_menu(page, "Journal")
    block = main.get_by_role("row").filter(has_text="blocked for all groups")
    expect(block).to_contain_text("via the provisioning client “Workday”, on behalf of Greta Group")
    assert_accessible(f"journal with a provisioning client at {width} px")

    # Revoked: it stops working at once.
    follow_menu(page, "Provisioning")
    page.get_by_role("button", name="Revoke “Workday”").click()
    expect(page.get_by_role("status")).to_have_text("The token “Workday” is revoked: it no longer works.")
    expect(main.get_by_role("row").filter(has_text="Workday")).to_contain_text("revoked")
    assert_accessible(f"provisioning page with a revoked token at {width} px")
    refused = requests.get(f"{live_server.url}/scim/v2/Users", headers=headers, timeout=30)
    assert refused.status_code == 401
