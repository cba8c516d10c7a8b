"""A manager confirms who they are before blocking for all groups or designating a Main Access
Manager, in a real browser at a phone's and a laptop's width: a wrong value is corrected on the
action's own page before any password is asked, a wrong password changes nothing, and once the
identity is confirmed the action is done and journaled, or comes back on its own page with the
reason it was refused."""

import pytest
from allauth.account.internal.flows import login as login_flow
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import BrowserContext, Page, expect

from access import services
from access.login.reauthentication import IDENTITY_CONFIRMED_AT
from access.models import AuditEvent, Designation, EnterpriseBlock
from tests import factories

pytestmark = pytest.mark.e2e

WIDTHS = [pytest.param(390, id="phone"), pytest.param(1366, id="laptop")]


def login_long_ago(context: BrowserContext) -> None:
    """The browser's login, as allauth recorded it in the session, made older than
    REAUTHENTICATION_SECONDS: the next sensitive action asks for the password again."""
    (cookie,) = [c for c in context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
    session = SessionStore(cookie["value"])
    key = login_flow.AUTHENTICATION_METHODS_SESSION_KEY
    session[key] = [{**r, "at": r["at"] - settings.REAUTHENTICATION_SECONDS - 1} for r in session[key]]
    if IDENTITY_CONFIRMED_AT in session:
        session[IDENTITY_CONFIRMED_AT] -= settings.REAUTHENTICATION_SECONDS + 1
    session.save()


def at_the_identity_provider(page: Page, name: str) -> None:
    expect(page.get_by_role("heading", name="Development identity provider")).to_be_visible()
    page.get_by_label(name).check()
    page.get_by_label("itsme").check()
    page.get_by_role("button", name="Log in as this identity").click()


def confirm_with_the_password(page: Page, action: str, assert_accessible) -> None:
    expect(page.get_by_role("heading", name="Confirm your identity")).to_be_visible()
    expect(page.get_by_text(action)).to_be_visible()
    assert_accessible("confirmation of identity")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page.get_by_role("alert").get_by_text("Incorrect password.")).to_be_visible()
    expect(page.get_by_text(action)).to_be_visible()
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Confirm", exact=True).click()


@pytest.mark.parametrize("width", WIDTHS)
def test_blocking_for_all_groups_is_corrected_then_confirmed_then_done(
    page: Page, context: BrowserContext, e2e_world, log_in, assert_accessible, width: int
):
    world = e2e_world
    page.set_viewport_size({"width": width, "height": 900})
    log_in("main")
    login_long_ago(context)
    block_page = f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/"
    page.goto(block_page)

    # No reason: the form says so on its own page, and no password is asked.
    page.get_by_role("button", name="Block for all groups").click()
    expect(page.get_by_role("alert").get_by_text("This field is required.")).to_be_visible()
    assert page.url.endswith(block_page)
    page.get_by_label("Reason").fill("Shared his password")
    page.get_by_role("button", name="Block for all groups").click()

    confirm_with_the_password(page, "Confirm your identity to block Mats Member for all groups.", assert_accessible)
    expect(page.get_by_text("The user is blocked for all groups of the enterprise.")).to_be_visible()
    assert page.url.endswith(f"/e/{world.enterprise.pk}/users/{world.member.pk}/")
    assert EnterpriseBlock.objects.get(person=world.member).reason == "Shared his password"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ENTERPRISE_BLOCKED, actor=world.main).count() == 1


@pytest.mark.parametrize("width", WIDTHS)
def test_a_block_refused_after_the_confirmation_comes_back_on_its_own_page(
    page: Page, context: BrowserContext, e2e_world, log_in, assert_accessible, width: int
):
    world = e2e_world
    page.set_viewport_size({"width": width, "height": 900})
    log_in("main")
    login_long_ago(context)
    block_page = f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/"
    page.goto(block_page)
    page.get_by_label("Reason").fill("Shared his password")
    page.get_by_role("button", name="Block for all groups").click()
    expect(page.get_by_role("heading", name="Confirm your identity")).to_be_visible()

    # Meanwhile, the co-Main Access Manager blocks the same person.
    services.person_block_everywhere(factories.actor_of(world, world.co_main), world.member, reason="Fraud")

    confirm_with_the_password(page, "Confirm your identity to block Mats Member for all groups.", assert_accessible)
    expect(page.get_by_text("This person is already blocked for all groups.")).to_be_visible()
    assert page.url.endswith(block_page)
    expect(page.get_by_label("Reason")).to_have_value("Shared his password")
    assert_accessible("the block refused after the confirmation")
    assert EnterpriseBlock.objects.get(person=world.member).reason == "Fraud"
    page.reload()
    expect(page.get_by_text("This person is already blocked for all groups.")).not_to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_designating_a_foreign_main_manager_is_corrected_then_confirmed_then_done(
    page: Page, context: BrowserContext, e2e_world, log_in, assert_accessible, width: int
):
    world = e2e_world
    page.set_viewport_size({"width": width, "height": 900})
    log_in("legal_representative")
    login_long_ago(context)
    main_page = f"/e/{world.enterprise.pk}/main-manager/"
    page.goto(main_page)
    form = page.locator("form[action$='/main-manager/foreign/']")
    form.get_by_label("Given name").fill("Jean")
    form.get_by_label("Surname").fill("Dupré")
    form.get_by_label("E-mail address").fill("jean.dupre@example.fr")
    form.get_by_label("Mobile phone number").fill("06 12")
    form.get_by_label("Language of the messages").select_option("en")
    form.get_by_role("button", name="Designate").click()

    # The wrong number is shown on the Main Access Manager's page, before any password.
    expect(page.get_by_role("alert").first).to_be_visible()
    assert page.url.endswith(f"{main_page}foreign/")
    form = page.locator("form[action$='/main-manager/foreign/']")
    expect(form.get_by_label("Given name")).to_have_value("Jean")
    form.get_by_label("Mobile phone number").fill("+33 6 12 34 56 78")
    form.get_by_role("button", name="Designate").click()

    confirm_with_the_password(
        page, "Confirm your identity to designate Jean Dupré as Main Access Manager.", assert_accessible
    )
    expect(page.get_by_text("The Main Access Manager is designated; they have been informed.")).to_be_visible()
    assert page.url.endswith(main_page)
    designation = Designation.objects.get(enterprise=world.enterprise, kind="main", revoked_at__isnull=True)
    assert designation.person.full_name == "Jean Dupré"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DESIGNATION_CREATED, actor=world.legal_representative, target_person=designation.person
    ).exists()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_federal_manager_confirms_at_the_identity_provider_and_the_block_is_done(
    page: Page, context: BrowserContext, e2e_world, federal_login, assert_accessible, width: int
):
    world = e2e_world
    manager = factories.person(None, "Fanny", "Federal")
    factories.designate(world.enterprise, manager, "co_main")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in with eID, itsme or MyGov.be").click()
    at_the_identity_provider(page, "Fanny Federal")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    login_long_ago(context)
    block_page = f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/"
    page.goto(block_page)

    page.get_by_role("button", name="Block for all groups").click()
    expect(page.get_by_role("alert").get_by_text("This field is required.")).to_be_visible()
    assert page.url.endswith(block_page)
    page.get_by_label("Reason").fill("Shared his password")
    page.get_by_role("button", name="Block for all groups").click()

    expect(page.get_by_role("heading", name="Confirm your identity")).to_be_visible()
    expect(page.get_by_text("Confirm your identity to block Mats Member for all groups.")).to_be_visible()
    assert_accessible("confirmation with the identity provider")
    page.get_by_role("button", name="Confirm with eID, itsme or MyGov.be").click()
    at_the_identity_provider(page, "Fanny Federal")

    expect(page.get_by_text("The user is blocked for all groups of the enterprise.")).to_be_visible()
    assert page.url.endswith(f"/e/{world.enterprise.pk}/users/{world.member.pk}/")
    assert EnterpriseBlock.objects.get(person=world.member).reason == "Shared his password"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ENTERPRISE_BLOCKED, actor=manager).count() == 1
