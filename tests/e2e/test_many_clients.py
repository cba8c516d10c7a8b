"""A social secretariat with 300 clients, its MAM logged in through the real form in a fresh
browser, on a phone and on a desktop screen: the Mandates page says how many clients' mandates
there are and shows the first 25; the MAM searches a name that is not there and reads why nothing
is listed, then types the client's name without its accent and in lower case, finds its mandate and
opens it. Every page on the way is checked with axe-core."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import follow_menu
from tests.mandates.test_many_clients import clients_of, names

pytestmark = pytest.mark.e2e


@pytest.fixture
def secretariat(e2e_world):  # type: ignore[no-untyped-def]
    """Other, a service provider with 300 clients, one of them the Brasserie Ünal; its mandate."""
    (brasserie,) = clients_of(e2e_world, ["Brasserie Ünal"])
    clients_of(e2e_world, names(299))
    return brasserie


@pytest.mark.parametrize("width", [390, 1366])
def test_a_provider_with_many_clients_searches_and_opens_a_mandate(
    page: Page, width: int, secretariat, log_in, assert_accessible
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in("other_enterprise_manager")
    page.get_by_role("link", name="Other").first.click()
    follow_menu(page, "Mandates")
    expect(page.get_by_role("heading", name="Mandates", level=1)).to_be_visible()
    main = page.get_by_role("main")
    clients = main.get_by_role("region", name="Mandates your enterprise holds for its clients")
    expect(clients).to_contain_text("300 mandates.")
    expect(clients.get_by_role("row")).to_have_count(26)  # the header and 25 mandates
    expect(clients.get_by_role("navigation", name="Pages of the mandates held for clients")).to_contain_text(
        "Page 1 of 12"
    )
    assert_accessible(f"the mandates of 300 clients at {width} px")

    # A wrong name first: nothing is listed, and the page says why and what to try.
    search = main.get_by_role("search")
    search.get_by_label("Search by name or enterprise number").fill("Brasserie Unol")
    search.get_by_role("button", name="Search").click()
    expect(clients.get_by_role("status")).to_have_text(
        "No mandate matches “Brasserie Unol”. Check the spelling, or type the enterprise number."
    )
    expect(main.get_by_role("link", name=re.compile("Brasserie Ünal"))).to_have_count(0)
    expect(search.get_by_label("Search by name or enterprise number")).to_have_value("Brasserie Unol")
    assert_accessible(f"a search of the mandates that finds nothing at {width} px")

    # The name without its accent, in lower case: found, and opened.
    search.get_by_label("Search by name or enterprise number").fill("brasserie unal")
    search.get_by_role("button", name="Search").click()
    expect(clients.get_by_role("status")).to_have_text("1 mandate matches “brasserie unal”.")
    assert_accessible(f"a search that finds one mandate at {width} px")
    clients.get_by_role("link", name=re.compile("Brasserie Ünal")).click()
    expect(page).to_have_url(re.compile(rf"/mandates/{secretariat.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Brasserie Ünal")
    assert_accessible(f"the mandate found, opened at {width} px")
