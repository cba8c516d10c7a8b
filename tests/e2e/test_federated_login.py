"""Logging in with a Belgian identity, through the development identity provider over HTTP."""

import re

import pytest
from playwright.sync_api import Page, expect

from access.models import AuditEvent, Designation, Enterprise
from tests import factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def pending_enterprise(e2e_world):
    enterprise, _groups = factories.enterprise("Brasserie Nouvelle", roles=("employer",))
    enterprise.status = Enterprise.Status.PENDING
    enterprise.activated_at = None
    enterprise.save()
    main = factories.person(None, "Nadia", "Nouvelle")
    Designation.objects.create(
        enterprise=enterprise, person=main, kind="main", designated_by=e2e_world.legal_representative
    )
    return enterprise, main


def test_main_manager_activates_the_enterprise_at_first_login(
    page: Page, federal_login, pending_enterprise, assert_accessible
):
    enterprise, main = pending_enterprise
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in with eID, itsme or MyGov.be").click()

    # The development identity provider: pick the demo identity and a method.
    expect(page.get_by_role("heading", name="Development identity provider")).to_be_visible()
    assert_accessible("development identity provider")
    page.get_by_label("Nadia Nouvelle").check()
    page.get_by_label("itsme").check()
    page.get_by_role("button", name="Log in as this identity").click()

    # Back in the portal, logged in, with the confirmation of the activation.
    expect(page).to_have_url(re.compile(r"/activated/$"))
    expect(page.get_by_role("heading", name="Your enterprise account is active")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_accessible("activation confirmation")
    page.get_by_role("link", name="Brasserie Nouvelle").click()
    expect(page.get_by_role("region", name="Your standing")).to_contain_text("Main Access Manager")
    expect(page.get_by_role("link", name="Managers")).to_be_visible()

    enterprise.refresh_from_db()
    main.refresh_from_db()
    assert enterprise.status == "active"
    assert enterprise.activated_by == main
    assert main.user is not None
    activation = AuditEvent.objects.get(enterprise=enterprise, action="enterprise_activated")
    assert activation.after is not None
    assert activation.after["amr"] == ["itsme"]
    assert activation.after["acr"] == "urn:be:fedict:iam:fas:Level450"
    assert AuditEvent.objects.filter(actor=main, action="logged_in", after__amr=["itsme"]).count() == 1

    # A second login activates nothing more and goes to the home page.
    page.get_by_role("button", name="Log out").click()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in with eID, itsme or MyGov.be").click()
    page.get_by_label("Nadia Nouvelle").check()
    page.get_by_role("button", name="Log in as this identity").click()
    expect(page.get_by_role("heading", name="Choose an enterprise")).to_be_visible()
    assert AuditEvent.objects.filter(enterprise=enterprise, action="enterprise_activated").count() == 1


def test_an_unknown_person_gets_a_clear_page_and_no_rights(page: Page, federal_login, e2e_world, assert_accessible):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.count()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in with eID, itsme or MyGov.be").click()
    page.get_by_label("Or another person's national register number").fill(factories.niss())
    page.get_by_label("eID card reader").check()
    page.get_by_role("button", name="Log in as this identity").click()
    expect(page.get_by_role("heading", name="You are not known to this portal")).to_be_visible()
    assert_accessible("unknown person")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    page.goto(f"/e/{e2e_world.enterprise.pk}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert get_user_model().objects.count() == users


def test_a_known_user_is_linked_by_national_number(page: Page, federal_login, e2e_world):
    member = e2e_world.member
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in with eID, itsme or MyGov.be").click()
    page.get_by_label("Or another person's national register number").fill(member.niss_display)
    page.get_by_label("One-time code").check()
    page.get_by_role("button", name="Log in as this identity").click()
    expect(page.get_by_role("heading", name="Choose an enterprise")).to_be_visible()
    page.get_by_role("link", name="Acme").click()
    expect(page.get_by_role("region", name="Your standing")).to_contain_text("User")
    event = AuditEvent.objects.get(actor=member, action="logged_in")
    assert event.after == {"amr": ["otp"], "acr": "urn:be:fedict:iam:fas:Level300"}


def test_a_federated_manager_confirms_their_identity_before_designating(
    page: Page, federal_login, e2e_world, four_eyes_off, settings, assert_accessible
):
    settings.REAUTHENTICATION_SECONDS = 0  # every confirmation is already too old
    main = e2e_world.main
    main.user.set_unusable_password()
    main.user.save()
    managers = f"/e/{e2e_world.enterprise.pk}/managers/"

    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in with eID, itsme or MyGov.be").click()
    page.get_by_label("Or another person's national register number").fill(main.niss_display)
    page.get_by_role("button", name="Log in as this identity").click()
    page.goto(managers)
    page.get_by_label("Role").select_option("co_main")
    page.get_by_label("National register number").fill(factories.niss())
    page.get_by_label("Given name").fill("Cora")
    page.get_by_label("Surname").fill("Second")
    page.get_by_role("button", name="Designate").click()

    expect(page.get_by_role("heading", name="Confirm your identity")).to_be_visible()
    assert_accessible("confirm your identity")
    assert not Designation.objects.filter(person__surname="Second").exists()
    page.get_by_role("button", name="Confirm with eID, itsme or MyGov.be").click()
    expect(page.get_by_role("heading", name="Development identity provider")).to_be_visible()
    page.get_by_label("Or another person's national register number").fill(main.niss_display)
    page.get_by_role("button", name="Log in as this identity").click()
    expect(page).to_have_url(re.compile(f"{managers}$"))
    expect(page.get_by_role("heading", name="Managers", level=1)).to_be_visible()


def test_after_a_federated_login_the_message_speaks_the_language_of_the_page(page: Page, federal_login, e2e_world):
    """The browser asks for English; the person reads Dutch. Logged in through the identity
    provider, the next page and the message on it that says so are both in Dutch."""
    member = e2e_world.member
    member.preferred_language = "nl"
    member.save()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in with eID, itsme or MyGov.be").click()
    page.get_by_label("Or another person's national register number").fill(member.niss_display)
    page.get_by_role("button", name="Log in as this identity").click()
    expect(page.get_by_role("heading", name="Kies een onderneming")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("status")).to_have_text(f"U bent aangemeld als {member.full_name}.")
