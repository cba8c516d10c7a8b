"""What every page has: the footer with the help, accessibility and privacy pages and the person's
own login pages; the summary of a form's errors, with "Error:" in the title; the enterprise menu
behind its button; tables that read as cards. And what the portal's own pages say about a search
by a part of a number and about an action that takes access away."""

import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db

ABOUT = ("/about/help/", "/about/accessibility/", "/about/privacy/")
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def anonymous() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def title(page: str) -> str:
    match = TITLE.search(page)
    assert match, "no title"
    return " ".join(match.group(1).split())


def footer(page: str) -> str:
    return page.split('<footer class="site-footer">', 1)[1].split("</footer>", 1)[0]


@pytest.mark.parametrize(
    "path, status",
    [
        ("/", 200),
        ("/accounts/login/", 200),
        ("/accounts/password/reset/", 200),
        ("/no-such-page/", 404),
        *[(path, 200) for path in ABOUT],
    ],
)
def test_every_page_has_the_footer_of_a_public_portal(path, status):
    response = anonymous().get(path)
    assert response.status_code == status
    links = footer(response.content.decode())
    for about in ABOUT:
        assert f'href="{about}"' in links
    assert "/accounts/sessions/" not in links


def test_the_footer_leads_a_person_to_their_own_login_pages(world, login):
    federated = login(world.member)
    world.member.user.set_unusable_password()
    world.member.user.save()
    links = footer(login(world.member).get("/").content.decode())
    assert 'href="/accounts/sessions/"' in links
    assert "/accounts/password/change/" not in links and "/accounts/2fa/" not in links  # no password, no app
    assert federated

    local = world.group_manager.user
    TOTP.activate(local, generate_totp_secret())
    RecoveryCodes.activate(local)
    links = footer(login(world.group_manager).get("/").content.decode())
    for path in (
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/sessions/",
    ):
        assert f'href="{path}"' in links
    for path in ("/accounts/password/change/", "/accounts/logout/", "/accounts/2fa/"):
        assert '<footer class="site-footer">' in login(world.group_manager).get(path).content.decode(), path


def test_the_about_pages_open_during_the_set_up_of_a_first_login(world):
    person = factories.person("newcomer")
    assert person.user
    person.user.setup_required = True
    person.user.set_unusable_password()
    person.user.save()
    client = anonymous()
    client.force_login(person.user)
    assert client.get("/").status_code == 302  # the set-up comes first...
    for path in ABOUT:
        assert client.get(path).status_code == 200  # ...but these stay open


def test_the_about_pages_give_the_service_desk_when_it_is_set(settings):
    settings.SERVICE_DESK_EMAIL = "servicedesk@example.be"
    settings.SERVICE_DESK_PHONE = "+32 2 511 51 51"
    for path in ABOUT:
        page = anonymous().get(path).content.decode()
        assert 'href="mailto:servicedesk@example.be"' in page and 'href="tel:+3225115151"' in page
    settings.SERVICE_DESK_EMAIL = settings.SERVICE_DESK_PHONE = ""
    assert "ask the operator of the portal" in anonymous().get("/about/help/").content.decode()


def test_the_accessibility_statement_and_the_privacy_notice_say_what_matters():
    statement = anonymous().get("/about/accessibility/").content.decode()
    assert "partially compliant" in statement and "WCAG 2.1" in statement and "2026" in statement
    assert "30 minutes without activity" in statement  # the idle time, read from the settings
    notice = anonymous().get("/about/privacy/").content.decode()
    kept_facts = ("national register number", "IP address", "journal", "sessions", "never that of a message")
    for kept in kept_facts:
        assert kept in notice.lower() or kept in notice


def test_a_form_with_errors_starts_with_a_summary_and_says_so_in_the_title(world, login):
    client = login(world.group_manager)
    add = f"/e/{world.enterprise.pk}/groups/{world.groups['employer'].pk}/add/"
    assert title(client.get(add).content.decode()) == "Add a user – Access Management"
    page = client.post(add, {"niss": "85.07.30-033.29"}).content.decode()
    assert title(page) == "Error: Add a user – Access Management"
    summary = page.split('<div class="error-summary" role="alert" tabindex="-1" autofocus>', 1)[1].split("</div>")[0]
    assert "<h2>There is a problem</h2>" in summary
    assert (
        '<a href="#id_niss">This national register number is not valid: its check digits do not match.</a>' in summary
    )
    # The second step (a newcomer's number given), sent without anything else: every error, in the
    # order of the form.
    page = client.post(add, {"niss": factories.niss()}).content.decode()
    assert title(page) == "Error: Add a user – Access Management"
    summary = page.split('<div class="error-summary" role="alert" tabindex="-1" autofocus>', 1)[1].split("</div>")[0]
    assert (
        '<a href="#id_given_name">Enter the person&#x27;s given name: the portal does not know them yet.</a>' in summary
    )
    assert '<a href="#id_confirm">Confirm that this person is a staff member of the enterprise.</a>' in summary
    assert summary.index("#id_given_name") < summary.index("#id_surname") < summary.index("#id_confirm")
    # Away from its field, Django's bare "This field is required." says which field.
    empty = client.post(add, {"given_name": ""}).content.decode()
    assert '<a href="#id_niss">National register number: this field is required.</a>' in empty
    assert 'id="id_niss_error"><li>This field is required.</li>' in empty


def test_allauths_forms_have_the_summary_too():
    page = anonymous().post("/accounts/login/", {"login": "nobody", "password": "wrong"}).content.decode()
    assert title(page) == "Error: Log in – Access Management"
    assert '<a href="#id_login">The username and/or password you specified are not correct.</a>' in page


def test_allauths_own_pages_have_the_summary_and_their_title(world, login):
    client = login(world.group_manager)
    assert title(client.get("/accounts/password/change/").content.decode()) == "Change Password – Access Management"
    page = client.post("/accounts/password/change/", {"oldpassword": "wrong"}).content.decode()
    assert title(page) == "Error: Change Password – Access Management"
    assert '<a href="#id_oldpassword">Please type your current password.</a>' in page


def test_a_search_by_a_part_of_a_number_says_so_rather_than_finding_nobody(world, login):
    client = login(world.main)
    users = f"/e/{world.enterprise.pk}/users/"
    page = client.post(users, {"q": world.member.niss_display[:8]}).content.decode()
    assert "Type the whole national register number, 11 digits" in page
    assert title(page).startswith("Error: ")
    assert "0 people" not in page and "No user matches." not in page
    wrong = client.post(users, {"q": "85.07.30-033.29"}).content.decode()
    assert "its check digits do not match" in wrong and "0 people" not in wrong
    group = client.post(f"/e/{world.enterprise.pk}/groups/{world.groups['employer'].pk}/", {"q": "850730"})
    assert "Type the whole national register number" in group.content.decode()
    # A whole number and a name are searched as before.
    assert world.member.full_name in client.post(users, {"q": world.member.niss_display}).content.decode()
    assert "1 person" in client.post(users, {"q": "Taxman"}, follow=True).content.decode()


def test_what_takes_access_away_is_a_red_button_set_apart(world, login):
    page = login(world.group_manager).get(f"/e/{world.enterprise.pk}/memberships/{world.member_membership.pk}/")
    html = page.content.decode()
    assert re.search(r'<button type="submit" class="danger" aria-label="Revoke Dimona', html)
    apart = html.split('<div class="actions-apart">', 1)[1].split("</div>", 1)[0]
    assert 'class="button danger"' in apart and "Block for this group" in apart and "Delete from this group" in apart


def test_the_menu_has_its_button_and_tables_name_each_cell(world, login):
    page = login(world.main).get(f"/e/{world.enterprise.pk}/groups/{world.groups['employer'].pk}/").content.decode()
    assert (
        '<button type="button" class="menu-toggle" aria-expanded="false" aria-controls="enterprise-menu" hidden>'
        in page
    )
    assert '<ul id="enterprise-menu" class="nav-list">' in page
    assert '<table class="cards">' in page
    assert '<td data-label="National register number">' in page
