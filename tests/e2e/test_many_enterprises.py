"""A person who acts for hundreds of enterprises, logged in through the real form, on a phone and
on a desktop screen: the home page says how many there are and shows the first 25; they search
for a name that is not there and read why nothing is listed, then type the name without its
accents and in lower case, find the enterprise and open it. Every page on the way is checked with
axe-core."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.access.test_enterprise_choice import act_for, clients

pytestmark = pytest.mark.e2e


@pytest.fixture
def provider(e2e_world):
    """Paula Provider, co-Main Access Manager of 250 enterprises, one of them the Brasserie Ünal."""
    person = factories.person("provider", "Paula", "Provider")
    act_for(person, clients(249))
    (brasserie,) = act_for(person, ["Brasserie Ünal"])
    return brasserie


@pytest.mark.parametrize("width", [390, 1366])
def test_a_person_with_many_enterprises_searches_and_opens_one(
    page: Page, width: int, provider, log_in, assert_accessible
):
    page.set_viewport_size({"width": width, "height": 900})
    main = page.get_by_role("main")
    log_in("provider")
    expect(page.get_by_role("heading", name="Choose an enterprise", level=1)).to_be_visible()
    expect(main).to_contain_text("You may act for 250 enterprises.")
    expect(main.get_by_role("list").first.get_by_role("listitem")).to_have_count(25)
    expect(main.get_by_role("navigation", name="Pages")).to_contain_text("Page 1 of 10")
    assert_accessible(f"the choice of 250 enterprises at {width} px")

    # A wrong name first: nothing is listed, and the page says why and what to try.
    search = main.get_by_role("search")
    search.get_by_label("Search by name or enterprise number").fill("Brasserie Unol")
    search.get_by_role("button", name="Search").click()
    status = main.get_by_role("status")
    expect(status).to_have_text(
        "No enterprise matches “Brasserie Unol”. Check the spelling, or type the enterprise number. "
        "Show all your enterprises"
    )
    expect(main.get_by_role("link", name="Brasserie Ünal")).to_have_count(0)
    expect(search.get_by_label("Search by name or enterprise number")).to_have_value("Brasserie Unol")
    assert_accessible(f"a search that finds nothing at {width} px")

    # The name without its accent, in lower case: found, and opened.
    search.get_by_label("Search by name or enterprise number").fill("brasserie unal")
    search.get_by_role("button", name="Search").click()
    expect(status).to_contain_text("1 enterprise matches “brasserie unal”.")
    assert_accessible(f"a search that finds one enterprise at {width} px")
    main.get_by_role("link", name="Brasserie Ünal").click()
    expect(page).to_have_url(re.compile(rf"/e/{provider.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Brasserie Ünal")
    assert_accessible(f"the enterprise found, opened at {width} px")
