"""Staff, in a real browser: the admin opens after the portal's login and a one-time code; there,
staff designate a Main Access Manager as the exception procedure. Staff without a one-time-code
app are led to enrol one."""

import re

import pytest
from playwright.sync_api import Page, expect

from access import selectors
from access.models import AuditEvent
from tests import factories
from tests.staff import create_staff, one_time_code

pytestmark = pytest.mark.e2e

WIDTHS = [390, 1366]


def log_in_at_the_portal(page: Page, username: str, assert_accessible) -> None:
    """From an admin page: the portal's login, a wrong password typed first, then the right one."""
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert_accessible("login page, on the way to the admin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_text("The username and/or password you specified are not correct.")).to_be_visible()
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_open_the_admin_with_a_one_time_code_and_designate_the_main_manager(
    page: Page, width, e2e_world, sms_gateway, smtp_server, eager_tasks, assert_accessible
):
    page.set_viewport_size({"width": width, "height": 900})
    _staff, secret = create_staff()
    page.goto("/admin/")
    log_in_at_the_portal(page, "staff", assert_accessible)

    # The password alone opens nothing: the one-time code is asked, a wrong one first.
    expect(page.get_by_label("Code")).to_be_visible()
    assert_accessible("one-time code on the way to the admin")
    page.goto("/admin/")  # the admin sends back to the code
    expect(page.get_by_label("Code")).to_be_visible()
    expect(page.get_by_text("Site administration")).not_to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("alert").get_by_text("Incorrect code.")).to_be_visible()
    page.get_by_label("Code").fill(one_time_code(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Site administration")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(f"/admin/access/enterprise/{e2e_world.enterprise.pk}/change/")
    page.get_by_role("link", name="Designate the Main Access Manager").click()
    page.get_by_label("Given name").fill("Ana")
    page.get_by_label("Surname").fill("Silva")
    page.get_by_label("E-mail address").fill("ana@example.pt")
    page.get_by_label("Mobile phone number").fill("+351 912 345 678")
    page.get_by_label("Language of the messages").select_option("en")
    page.get_by_label("Reason").fill("The legal representative is abroad")
    page.get_by_role("button", name="Designate").click()
    expect(page.get_by_text("The Main Access Manager is designated; they have been informed.")).to_be_visible()
    status = selectors.main_manager_of(e2e_world.enterprise)
    assert status and status.designation.person.surname == "Silva"
    assert AuditEvent.objects.get(action="designation_created", reason="The legal representative is abroad")
    assert len(smtp_server.messages) == 1 and len(sms_gateway.accepted) == 1
    page.goto("/admin/access/enterprise/")
    expect(page.get_by_role("cell", name="Ana Silva")).to_be_visible()

    # Ana lost her phone: new credentials, with a reason for the journal (forgotten first).
    page.goto(f"/admin/access/enterprise/{e2e_world.enterprise.pk}/change/")
    page.get_by_role("link", name="Send the Main Access Manager new credentials").click()
    expect(page.get_by_text("Send Ana Silva, Main Access Manager of")).to_be_visible()
    page.get_by_role("button", name="Send new credentials").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    assert len(smtp_server.messages) == 1 and len(sms_gateway.accepted) == 1
    page.get_by_label("Reason").fill("Lost phone, called the helpdesk")
    page.get_by_role("button", name="Send new credentials").click()
    expect(page.get_by_text("A new username and temporary password are on their way")).to_be_visible()
    assert AuditEvent.objects.get(action="credentials_sent", reason="Lost phone, called the helpdesk")
    assert len(smtp_server.messages) == 2 and len(sms_gateway.accepted) == 2


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_without_a_second_factor_are_led_to_enrol_one(page: Page, width, e2e_world, assert_accessible):
    page.set_viewport_size({"width": width, "height": 900})
    create_staff("newstaff", with_one_time_codes=False)
    page.goto("/admin/")
    log_in_at_the_portal(page, "newstaff", assert_accessible)
    arrived = page.get_by_role("heading", name=re.compile(r"^(Confirm Access|Set up your app for one-time codes)$"))
    expect(arrived).to_be_visible()
    if arrived.inner_text() == "Confirm Access":
        # allauth asks for the password again before an app is added.
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Set up your app for one-time codes")).to_be_visible()
    assert_accessible("one-time-code app for staff")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    page.goto("/admin/access/person/")
    expect(page.get_by_role("heading", name="Set up your app for one-time codes")).to_be_visible()
    expect(page.get_by_text("Site administration")).not_to_be_visible()
