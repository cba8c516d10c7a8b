"""The demo's bakery gives a mandate to the demo's social secretariat, on a phone and on a desktop
screen, each person in a fresh browser through the real login form: the bakery's MAM types an
enterprise number with wrong check digits first, then an unknown one, then a start date that is not
a quarter's first day (each refused next to its field), then offers Dimona from the quarter's
first day; the secretariat's MAM sees it among its clients' mandates, accepts it and gives one of
its users Dimona for the bakery; the decision point, asked over HTTP with the demo client's token,
says yes for that user and the bakery; the bakery's MAM reads who acts for it and ends the mandate;
the next decision says no. Every page on the way is checked with axe-core."""

import re
from datetime import date

import pytest
import requests
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from access.models import AuditEvent, Person
from mandates.models import Mandate
from portal.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, load_demo, load_demo_client
from tests.e2e.conftest import WCAG_21_AA, follow_menu

pytestmark = pytest.mark.e2e

BAKERY = "Boulangerie Dupont SA"
SECRETARIAT = "Secrétariat social Lumen ASBL"
DIMONA_NAME = "Dimona (immediate declaration of employment)"


@pytest.fixture
def demo(transactional_db, catalogue) -> None:  # type: ignore[no-untyped-def]
    """The demo of `make run`, with fewer users, committed so that the live server sees it; the
    bakery's MAM and co-MAM read the pages in English here, as the secretariat's people do."""
    load_demo(users=20)
    load_demo_client()
    Person.objects.filter(user__username__in=("mam", "comam")).update(preferred_language="en")


def decision(live_server, niss: str) -> bool:  # type: ignore[no-untyped-def]
    """The decision point, asked as the Dimona service asks it: a token, then an evaluation."""
    token = requests.post(
        f"{live_server.url}/oauth/token/",
        data={"grant_type": "client_credentials"},
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        timeout=30,
    ).json()["access_token"]
    response = requests.post(
        f"{live_server.url}/access/v1/evaluation",
        json={
            "subject": {"type": "person", "id": niss},
            "resource": {"type": "enterprise", "id": "0403019261"},
            "action": {"name": "dimona"},
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["decision"]


def fresh_page(browser: Browser, live_server, width: int) -> Page:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", extra_http_headers={"Accept-Language": "en"}
    )
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    return page


def log_in(page: Page, username: str, enterprise: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.locator("form.logout button")).to_be_visible()
    page.get_by_role("link", name=enterprise).click()
    follow_menu(page, "Mandates")
    expect(page.get_by_role("heading", name="Mandates", level=1)).to_be_visible()


def accessible(page: Page, axe, what: str) -> None:  # type: ignore[no-untyped-def]
    results = axe.run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, f"{what} ({page.url}):\n{results.generate_report()}"


def refused(page: Page, field: str, message: str) -> None:
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading")).to_have_text("There is a problem")
    expect(alert.get_by_text(message)).to_be_visible()
    expect(page.get_by_label(field)).to_have_attribute("aria-invalid", "true")


@pytest.mark.parametrize("width", [390, 1366])
def test_the_bakery_gives_a_mandate_the_secretariat_acts_then_the_bakery_ends_it(
    browser: Browser, demo, live_server, axe, width: int
) -> None:
    samir = Person.objects.get(user__username="ssuser")
    assert samir.niss is not None
    today = timezone.localdate()
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)

    # The bakery's MAM offers the mandate, after three wrong values.
    bakery = fresh_page(browser, live_server, width)
    log_in(bakery, "mam", BAKERY)
    expect(bakery.get_by_text("Your enterprise has given no mandate.")).to_be_visible()
    accessible(bakery, axe, f"the bakery's mandates at {width} px")
    offer = bakery.get_by_role("region", name="Offer a mandate")
    offer.get_by_label("Enterprise number of the service provider").fill("0456.789.035")
    offer.get_by_label(DIMONA_NAME).check()
    offer.get_by_label("Start date").fill(quarter.strftime("%d/%m/%Y"))
    offer.get_by_role("button", name="Offer the mandate").click()
    refused(bakery, "Enterprise number of the service provider", "its check digits do not match")
    accessible(bakery, axe, f"the offer with an error at {width} px")
    offer = bakery.get_by_role("region", name="Offer a mandate")
    offer.get_by_label("Enterprise number of the service provider").fill("0876.543.270")
    offer.get_by_role("button", name="Offer the mandate").click()
    refused(bakery, "Enterprise number of the service provider", "No enterprise with this number")
    offer = bakery.get_by_role("region", name="Offer a mandate")
    offer.get_by_label("Enterprise number of the service provider").fill("0456.789.034")
    offer.get_by_label("Start date").fill(quarter.replace(day=2).strftime("%d/%m/%Y"))
    offer.get_by_role("button", name="Offer the mandate").click()
    refused(bakery, "Start date", "A mandate starts on the first day of a quarter")
    assert not Mandate.objects.filter(principal__number="0403019261").exists()
    offer = bakery.get_by_role("region", name="Offer a mandate")
    expect(offer.get_by_label(DIMONA_NAME)).to_be_checked()
    offer.get_by_label("Start date").fill(quarter.strftime("%d/%m/%Y"))
    offer.get_by_role("button", name="Offer the mandate").click()
    expect(bakery.get_by_role("heading", level=1)).to_have_text(f"Mandate of {BAKERY} to {SECRETARIAT}")
    expect(bakery.get_by_text("offered, waiting for the provider")).to_be_visible()
    accessible(bakery, axe, f"the offered mandate at {width} px")

    # The secretariat's MAM, among its clients' mandates, accepts it and gives Samir Dimona.
    secretariat = fresh_page(browser, live_server, width)
    log_in(secretariat, "ssmam", SECRETARIAT)
    clients = secretariat.get_by_role("region", name="Mandates your enterprise holds for its clients")
    for client in ("Transports Janssens SRL", "Café du Parc SRL", "Garage Peeters BV"):
        expect(clients.get_by_role("link", name=re.compile(client))).to_be_visible()
    accessible(secretariat, axe, f"the secretariat's mandates at {width} px")
    clients.get_by_role("link", name=re.compile(BAKERY)).click()
    secretariat.get_by_role("button", name="Accept the mandate").click()
    expect(secretariat.get_by_text("You accepted the mandate.")).to_be_visible()
    assert not decision(live_server, samir.niss)
    give = secretariat.get_by_role("region", name="Give a user access under the mandate")
    give.get_by_label("User of your enterprise").select_option(label="Samir Haddad")
    give.get_by_label("Online service").select_option(label=DIMONA_NAME)
    give.get_by_role("button", name="Give access").click()
    acting = secretariat.get_by_role("region", name="People of the service provider acting under the mandate")
    expect(acting.get_by_text("Samir Haddad", exact=True)).to_be_visible()
    accessible(secretariat, axe, f"the accepted mandate with its people at {width} px")

    assert decision(live_server, samir.niss)

    # The bakery reads who acts for it, and ends the mandate: with four eyes on at the bakery, the
    # end waits for its co-MAM, and Samir still acts for the bakery meanwhile.
    bakery.reload()
    acting = bakery.get_by_role("region", name="People of the service provider acting under the mandate")
    expect(acting.get_by_text("Samir Haddad", exact=True)).to_be_visible()
    bakery.get_by_role("button", name="End the mandate").click()
    expect(bakery.get_by_role("status")).to_contain_text("Ending this mandate waits for a second manager's approval")
    expect(bakery.get_by_text("Ending this mandate waits for a second manager's approval.", exact=True)).to_be_visible()
    expect(bakery.get_by_role("button", name="End the mandate")).to_have_count(0)
    accessible(bakery, axe, f"the mandate whose end waits at {width} px")
    assert decision(live_server, samir.niss)

    # The bakery's co-MAM approves it in Second approvals: the mandate ends, the next decision is no.
    comam = fresh_page(browser, live_server, width)
    log_in(comam, "comam", BAKERY)
    follow_menu(comam, "Second approvals")
    what = f"End the mandate with {SECRETARIAT} for {DIMONA_NAME}"
    comam.get_by_role("button", name=f"Approve: {what}").click()
    expect(comam.get_by_role("status")).to_have_text(f"Approved and carried out: {what}.")
    accessible(comam, axe, f"the approved end of the mandate at {width} px")
    assert not decision(live_server, samir.niss)
    bakery.reload()
    expect(bakery.get_by_role("definition").filter(has_text=re.compile("^ended$"))).to_be_visible()
    comam.context.close()

    # Both journals hold every step.
    steps = [
        AuditEvent.Action.MANDATE_OFFERED,
        AuditEvent.Action.MANDATE_ACCEPTED,
        AuditEvent.Action.MANDATE_ACCESS_GRANTED,
        AuditEvent.Action.MANDATE_ENDED,
    ]
    for number in ("0403019261", "0456789034"):
        journal = AuditEvent.objects.filter(enterprise__number=number, action__startswith="mandate")
        assert list(journal.order_by("created_at", "pk").values_list("action", flat=True)) == steps
    bakery.context.close()
    secretariat.context.close()
