"""Staff, in the Django admin, designate a Main Access Manager as the exception procedure."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from access import selectors
from access.models import AuditEvent

pytestmark = pytest.mark.e2e


def test_staff_designate_the_main_manager_in_the_admin(page: Page, e2e_world, sms_gateway, smtp_server, eager_tasks):
    get_user_model().objects.create_superuser("staff", "staff@example.be", "staff-password-42")
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("staff-password-42")
    page.get_by_role("button", name="Log in").click()
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
    assert selectors.main_manager_of(e2e_world.enterprise).designation.person.surname == "Silva"
    assert AuditEvent.objects.get(action="designation_created", reason="The legal representative is abroad")
    assert len(smtp_server.messages) == 1 and len(sms_gateway.accepted) == 1
    page.goto("/admin/access/enterprise/")
    expect(page.get_by_role("cell", name="Ana Silva")).to_be_visible()
