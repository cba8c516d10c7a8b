"""The Provisioning page (docs/provisioning.md §2): a manager's tokens for the enterprise's HR
system, made (shown once, kept as a SHA-256 digest, expiring), listed with their last use, and
revoked."""

import hashlib
import re
import secrets
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from access.models import AuditEvent
from provisioning.models import ProvisioningToken
from tests import leaks
from tests.provisioning.conftest import Scim, make_token

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'value="(scim-[0-9a-f]{64})"')


def page_url(world) -> str:
    return reverse("provisioning:tokens", args=[world.enterprise.pk])


def create_url(world) -> str:
    return reverse("provisioning:token_create", args=[world.enterprise.pk])


def day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).strftime("%d/%m/%Y")


def posted(name: str = "Workday", valid_until: str | None = None, form_key: str | None = None) -> dict[str, str]:
    """The form as the page sends it, with the key of a new blank form."""
    return {
        "name": name,
        "valid_until": day(30) if valid_until is None else valid_until,
        "form_key": form_key or secrets.token_hex(16),
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("main", 200),
        ("co_main", 200),
        ("access_manager", 200),
        ("group_manager", 200),
        ("member", 403),
        ("legal_representative", 403),
        ("outsider", 404),
    ],
)
def test_the_page_is_for_managers_of_users(world, login, persona, status):
    client = login(getattr(world, persona))
    assert client.get(page_url(world)).status_code == status
    dashboard = client.get(reverse("access:dashboard", args=[world.enterprise.pk])).content.decode()
    assert (f'href="{page_url(world)}"' in dashboard) is (status == 200)


def test_a_token_is_shown_once_and_kept_as_a_digest(world, login):
    client = login(world.group_manager)
    response = client.post(create_url(world), posted())
    assert response.status_code == 200
    page = response.content.decode()
    [value] = TOKEN.findall(page)
    leaks.remember_password(value)
    assert "Copy it now: it is shown this once." in page
    token = ProvisioningToken.objects.get()
    assert token.digest == hashlib.sha256(value.encode()).hexdigest()
    assert value not in {token.name, token.prefix, token.digest}
    assert value.startswith(token.prefix)
    assert (token.manager, token.enterprise, token.name) == (world.group_manager, world.enterprise, "Workday")
    assert token.valid_until == timezone.localdate() + timedelta(days=30)
    assert timezone.localtime(token.expires_at).time() == timezone.datetime.min.time()
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, (event.after or {}).get("via")) == (
        "provisioning_token_created",
        world.group_manager,
        None,
    )
    assert value not in str(event.after)
    # The token works, and is never shown again.
    assert Scim(value).get("/Users").status_code == 200
    again = client.get(page_url(world)).content.decode()
    assert value not in again and f"{token.prefix}…" in again


def test_the_same_form_sent_twice_makes_one_token(world, login):
    client = login(world.main)
    form = posted()
    assert TOKEN.search(client.post(create_url(world), form).content.decode())
    again = client.post(create_url(world), form, follow=True)
    page = again.content.decode()
    assert "This form has already made its token, shown once when it was made." in page
    assert not TOKEN.search(page)
    assert ProvisioningToken.objects.count() == 1
    assert AuditEvent.objects.count() == 1
    # The page then offers a new form, which makes a new token.
    fresh = again.context["form"]["form_key"].value()
    assert fresh != form["form_key"]
    assert TOKEN.search(client.post(create_url(world), posted(form_key=fresh)).content.decode())


def test_a_new_token_is_valid_90_days_unless_chosen_otherwise(world, login):
    form = login(world.main).get(page_url(world)).context["form"]
    assert form["valid_until"].value() == timezone.localdate() + timedelta(days=90)


@pytest.mark.parametrize(
    ("valid_until", "message"),
    [
        (day(-1), "Choose a day after today."),
        (day(0), "Choose a day after today."),
        (day(366), "A token works 365 days at most: choose a day until"),
        ("31/02/2027", "Enter a date as day/month/year, e.g. 31/03/2026."),
        ("", "Choose the last day the token works."),
    ],
)
def test_an_expiry_in_the_past_or_beyond_a_year_is_refused(world, login, valid_until, message):
    response = login(world.main).post(create_url(world), posted(valid_until=valid_until))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'aria-invalid="true"' in page
    assert not TOKEN.search(page)
    assert not ProvisioningToken.objects.exists() and not AuditEvent.objects.exists()


def test_a_token_needs_a_name(world, login):
    response = login(world.main).post(create_url(world), posted(name="   "))
    assert "Give the token a name." in response.content.decode()
    assert not ProvisioningToken.objects.exists()


def test_making_a_token_needs_a_recent_login(world, login):
    client = login(world.main, recently_authenticated=False)
    response = client.post(create_url(world), posted())
    assert response.status_code in (200, 302)
    assert not TOKEN.search(response.content.decode())
    assert not ProvisioningToken.objects.exists()


def test_the_list_shows_the_managers_own_tokens_with_their_last_use(world, login):
    mine = make_token(world.main, world.enterprise, name="Workday")
    make_token(world.co_main, world.enterprise, name="Colette's")
    make_token(world.main, world.enterprise, name="Old", revoked_at=timezone.now())
    scim = Scim(mine)
    scim.client.defaults["REMOTE_ADDR"] = "203.0.113.5"
    scim.get("/Users")
    page = login(world.main).get(page_url(world)).content.decode()
    assert "Workday" in page and "Old" in page and "Colette" not in page
    used = timezone.localtime(ProvisioningToken.objects.get(name="Workday").last_used_at)
    assert f"{formats.date_format(used, 'SHORT_DATETIME_FORMAT')} from 203.0.113.5" in page
    assert "Never" in page
    assert page.count('class="danger"') == 1  # the revoked token has nothing left to revoke


def test_a_manager_revokes_their_token_and_it_stops_working(world, login):
    value = make_token(world.main, world.enterprise, name="Workday")
    token = ProvisioningToken.objects.get()
    client = login(world.main)
    response = client.post(reverse("provisioning:token_revoke", args=[world.enterprise.pk, token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == world.main and token.revoked_at is not None
    assert Scim(value).get("/Users").status_code == 401
    assert AuditEvent.objects.get().action == "provisioning_token_revoked"
    again = client.post(reverse("provisioning:token_revoke", args=[world.enterprise.pk, token.pk]), follow=True)
    assert "This token is already revoked." in again.content.decode()
    assert AuditEvent.objects.count() == 1


def test_nobody_revokes_another_managers_token(world, login):
    make_token(world.co_main, world.enterprise)
    token = ProvisioningToken.objects.get()
    response = login(world.main).post(reverse("provisioning:token_revoke", args=[world.enterprise.pk, token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_page_costs_the_same_queries_with_many_tokens(world, login):
    client = login(world.main)

    def counted() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(world)).status_code == 200
        return len(captured)

    make_token(world.main, world.enterprise)
    few = counted()
    for _ in range(20):
        make_token(world.main, world.enterprise)
    assert counted() == few
