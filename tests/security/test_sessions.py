"""Sessions and logins: CSRF, session keys rotated and killed, sessions ended when access ends,
throttled guessing, redirects that stay on the site, and an OpenID Connect callback that refuses
a wrong state, nonce, audience or issuer.

The identity providers are real ones over HTTP: the development provider (devidp) served by the
live server, and for tokens made wrong on purpose a small provider on loopback with its own key.
"""

import functools
import json
import re
import secrets
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import jwt
import pytest
import requests
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from access import selectors, services
from access.models import AuditEvent, EnterpriseBlock, Membership, OnlineService, Person
from access.selectors import Actor
from access.writes import end_sessions
from accounts import outbox
from portal.sessions import LAST_SEEN
from portal.tasks import clear_sessions
from tests import factories
from tests.servers import HttpPeer, QuietHandler

pytestmark = pytest.mark.django_db

SESSION_COOKIE = django_settings.SESSION_COOKIE_NAME


def browser(**extra: Any) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", **extra)


def password_login(client: Client, person: Person, **extra: str):
    assert person.user, f"{person} has no login"
    return client.post("/accounts/login/", {"login": person.user.username, "password": factories.PASSWORD, **extra})


def session_key(client: Client) -> str | None:
    cookie = client.cookies.get(SESSION_COOKIE)
    return cookie.value if cookie is not None and cookie.value else None


def is_logged_in(client: Client, world) -> bool:
    """What the person sees: the enterprise's page, or the way to the login page."""
    response = client.get(f"/e/{world.enterprise.pk}/")
    return response.status_code != 302 or not response["Location"].startswith("/accounts/login/")


def sessions_of(person: Person) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(person.user_id))


def logins_journaled() -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.LOGGED_IN).count()


# --- CSRF ------------------------------------------------------------------------------------


def csrf_token_of(page) -> str:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token, "no CSRF token on the page"
    return token.group(1)


def test_a_portal_post_without_the_right_csrf_token_is_refused_and_changes_nothing(world):
    client = browser(enforce_csrf_checks=True)
    client.force_login(world.main.user)
    url = f"/e/{world.enterprise.pk}/memberships/{world.member_membership.pk}/block/"
    token = csrf_token_of(client.get(url))
    elsewhere = browser(enforce_csrf_checks=True)
    foreign_token = csrf_token_of(elsewhere.get("/accounts/login/"))  # another browser's token
    journal = AuditEvent.objects.count()

    for data in ({}, {"csrfmiddlewaretoken": "x" * 64}, {"csrfmiddlewaretoken": foreign_token}):
        response = client.post(url, {"reason": "Inquiry", **data})
        assert response.status_code == 403
        assert "CSRF verification failed" in response.content.decode()
    world.member_membership.refresh_from_db()
    assert world.member_membership.status == Membership.Status.ACTIVE
    assert AuditEvent.objects.count() == journal

    # The same post with the page's own token goes through: the refusals were the token's.
    assert client.post(url, {"reason": "Inquiry", "csrfmiddlewaretoken": token}).status_code == 302
    world.member_membership.refresh_from_db()
    assert world.member_membership.status == Membership.Status.BLOCKED


def test_the_login_form_without_the_right_csrf_token_logs_nobody_in(world):
    client = browser(enforce_csrf_checks=True)
    token = csrf_token_of(client.get("/accounts/login/"))
    for data in ({}, {"csrfmiddlewaretoken": "x" * 64}):
        response = password_login(client, world.member, **data)
        assert response.status_code == 403
        assert not is_logged_in(client, world)
    assert logins_journaled() == 0

    assert password_login(client, world.member, csrfmiddlewaretoken=token).status_code == 302
    assert is_logged_in(client, world)
    assert logins_journaled() == 1


# --- Session keys ----------------------------------------------------------------------------


def planted_session(client: Client) -> str:
    """A session made before the login, as an attacker would plant one (session fixation)."""
    store = SessionStore()
    store["planted"] = True
    store.create()
    assert store.session_key
    client.cookies[SESSION_COOKIE] = store.session_key
    return store.session_key


def test_a_password_login_rotates_the_session_key_and_logout_kills_it(world):
    client = browser()
    planted = planted_session(client)
    assert password_login(client, world.member).status_code == 302
    logged_in = session_key(client)
    assert logged_in and logged_in != planted
    assert not SessionStore().exists(planted)
    attacker = browser()
    attacker.cookies[SESSION_COOKIE] = planted
    assert not is_logged_in(attacker, world)

    assert client.post("/accounts/logout/").status_code == 302
    assert not SessionStore().exists(logged_in)
    replay = browser()
    replay.cookies[SESSION_COOKIE] = logged_in
    assert not is_logged_in(replay, world)
    assert not is_logged_in(client, world)


@pytest.fixture
def devidp(settings, live_server) -> str:
    """The development identity provider, served over HTTP by the live server."""
    server_url = f"{live_server.url}/dev-idp"
    configure_federal_login(settings, server_url)
    return server_url


def configure_federal_login(settings, server_url: str) -> None:
    openid_connect = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]
    app = {**openid_connect["APPS"][0], "settings": {"server_url": server_url}}
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {**openid_connect, "APPS": [app]}}


def test_a_federated_login_through_the_development_provider_rotates_the_session_key(world, devidp):
    client = browser()
    start = client.post("/accounts/oidc/federal/login/")
    assert start.status_code == 302 and start["Location"].startswith(f"{devidp}/authorize/")
    before_login = session_key(client)  # the session that holds the login's state
    assert before_login

    # The identity provider's page, posted as the browser does (the back channel is HTTP).
    oidc = dict(parse_qsl(urlsplit(start["Location"]).query))
    assert oidc["nonce"]
    chosen = client.post("/dev-idp/authorize/", {**oidc, "niss": world.member.niss_display, "method": "eid"})
    callback = urlsplit(chosen["Location"])
    done = client.get(callback.path, dict(parse_qsl(callback.query)))

    assert done.status_code == 302 and done["Location"] == "/"
    assert is_logged_in(client, world)
    logged_in = session_key(client)
    assert logged_in != before_login
    assert not SessionStore().exists(before_login)
    assert client.post("/accounts/logout/").status_code == 302
    replay = browser()
    replay.cookies[SESSION_COOKIE] = logged_in
    assert not is_logged_in(replay, world)


# --- Sessions ended when access ends ---------------------------------------------------------


def test_a_password_change_logs_out_the_other_sessions_and_keeps_this_one(world):
    here, there = browser(), browser()
    password_login(here, world.member)
    password_login(there, world.member)
    new_password = "A-new-Passphrase-2031"
    response = here.post(
        "/accounts/password/change/",
        {"oldpassword": factories.PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    assert is_logged_in(here, world)
    assert not is_logged_in(there, world)


def test_blocking_for_all_groups_logs_the_person_out_everywhere(world, login):
    phone, laptop = browser(), browser()
    password_login(phone, world.member)
    password_login(laptop, world.member)
    manager = login(world.main)
    journal = AuditEvent.objects.count()

    response = manager.post(f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/", {"reason": "Inquiry"})
    assert response.status_code == 302
    assert EnterpriseBlock.objects.filter(person=world.member).exists()
    assert sessions_of(world.member) == 0
    assert not is_logged_in(phone, world) and not is_logged_in(laptop, world)
    assert "Log out" not in phone.get("/").content.decode()
    assert is_logged_in(manager, world)  # the manager's own session stays
    assert AuditEvent.objects.count() == journal + 1  # the block, and nothing else


def test_a_person_blocked_for_all_groups_who_reloads_is_told_why_on_the_login_page(world, login):
    member = browser()
    password_login(member, world.member)
    login(world.main).post(f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/", {"reason": "Inquiry"})

    reload = member.get(f"/e/{world.enterprise.pk}/", follow=True)
    assert reload.redirect_chain[-1][0].startswith("/accounts/login/")
    page = reload.content.decode()
    assert "You were logged out: you are blocked for all groups of Acme." in page
    assert "Inquiry" not in page  # the reason stays in the journal unless the manager shares it
    assert sessions_of(world.member) == 0
    # Told once: the next page is a plain login page, and logging in again works.
    assert "blocked for all groups" not in member.get("/accounts/login/").content.decode()
    assert password_login(member, world.member).status_code == 302


def test_a_person_removed_from_their_last_group_who_reloads_is_told_why(world, login):
    member = browser()
    password_login(member, world.member)
    login(world.main).post(
        f"/e/{world.enterprise.pk}/memberships/{world.member_membership.pk}/delete/", {"reason": "Left"}
    )
    page = member.get("/", follow=True).content.decode()
    assert "You were logged out: you no longer have access to Acme." in page


def test_a_session_ended_for_new_credentials_or_a_password_change_tells_nothing_more(world):
    """Only the ends that a person did not choose and may not expect are explained."""
    member = browser()
    password_login(member, world.member)
    end_sessions(world.member)
    page = member.get("/", follow=True).content.decode()
    assert "You were logged out" not in page


def test_deleting_someone_from_their_last_group_logs_them_out(world, login):
    member = browser()
    password_login(member, world.member)
    response = login(world.main).post(
        f"/e/{world.enterprise.pk}/memberships/{world.member_membership.pk}/delete/", {"reason": "Left"}
    )
    assert response.status_code == 302
    assert sessions_of(world.member) == 0
    assert "Log out" not in member.get("/").content.decode()


def test_deleting_someone_from_one_of_their_groups_keeps_them_logged_in(world, login):
    factories.member(world.member, world.groups["pension_fund"], ("db2p",))
    member = browser()
    password_login(member, world.member)
    response = login(world.main).post(
        f"/e/{world.enterprise.pk}/memberships/{world.member_membership.pk}/delete/", {"reason": "Moved"}
    )
    assert response.status_code == 302
    assert sessions_of(world.member) == 1
    assert is_logged_in(member, world)


def test_blocking_in_one_group_keeps_the_session_and_takes_that_group_away(world, login):
    """Decision: a block for one group is not a block of the person; their session stays, and
    the group's services are gone from the next page."""
    factories.member(world.member, world.groups["pension_fund"], ("db2p",))
    dimona, db2p = (OnlineService.objects.get(code=code).name for code in ("dimona", "db2p"))
    member = browser()
    password_login(member, world.member)
    assert dimona in member.get(f"/e/{world.enterprise.pk}/").content.decode()

    response = login(world.main).post(
        f"/e/{world.enterprise.pk}/memberships/{world.member_membership.pk}/block/", {"reason": "Inquiry"}
    )
    assert response.status_code == 302
    assert sessions_of(world.member) == 1
    dashboard = member.get(f"/e/{world.enterprise.pk}/").content.decode()
    assert db2p in dashboard and dimona not in dashboard


def test_sessions_end_with_the_transaction_of_the_block(world):
    """A block that rolls back logs nobody out."""
    member = browser()
    password_login(member, world.member)
    standing = selectors.standing_of(world.main.pk, world.enterprise.pk)
    actor = Actor(person=world.main, enterprise=world.enterprise, standing=standing)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.person_block_everywhere(actor, world.member, reason="Inquiry")
        assert sessions_of(world.member) == 0
        raise RuntimeError("rolled back")
    assert sessions_of(world.member) == 1
    assert is_logged_in(member, world)


# --- Sessions listed per person, idle sessions ended ----------------------------------------------


def other_peoples_sessions(count: int) -> None:
    """Live sessions of other people, as their logins leave them."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"someone-{n}-{secrets.token_hex(4)}") for n in range(count)
    )
    keys = [secrets.token_hex(16) for _ in users]
    expiry = django_settings.SESSION_COOKIE_AGE
    Session.objects.bulk_create(
        Session(
            session_key=key,
            session_data=SessionStore().encode({"_auth_user_id": str(user.pk), "_auth_user_hash": "x"}),
            expire_date=timezone.now() + timedelta(seconds=expiry),
        )
        for key, user in zip(keys, users, strict=True)
    )
    UserSession.objects.bulk_create(
        UserSession(user=user, session_key=key, ip="192.0.2.1", user_agent="Firefox")
        for key, user in zip(keys, users, strict=True)
    )


def session_rows_read_while(action) -> tuple[int, int]:
    """The queries an action makes, and the rows of the session table it reads (PostgreSQL's count
    for this transaction, by index and by sequential scan; sequential scans are put off, so that a
    small table is read by index as a large one would be, and a read of every session shows)."""
    read = (
        "SELECT coalesce(idx_tup_fetch, 0) + seq_tup_read FROM pg_stat_xact_user_tables"
        " WHERE relname = 'django_session'"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(read)
        (before,) = cursor.fetchone()
        with CaptureQueriesContext(connection) as captured:
            action()
        cursor.execute(read)
        (after,) = cursor.fetchone()
    return len(captured), after - before


def test_ending_a_persons_sessions_reads_only_theirs(world):
    phone, laptop = browser(), browser()
    password_login(phone, world.member)
    password_login(laptop, world.member)
    other = browser()
    password_login(other, world.co_main)
    few = session_rows_read_while(lambda: end_sessions(world.member))
    assert sessions_of(world.member) == 0
    assert not is_logged_in(phone, world) and not is_logged_in(laptop, world)
    assert is_logged_in(other, world)

    password_login(phone, world.member)
    password_login(laptop, world.member)
    other_peoples_sessions(1000)
    many = session_rows_read_while(lambda: end_sessions(world.member))
    assert sessions_of(world.member) == 0
    assert many[0] == few[0]  # as many queries
    assert many[1] <= 2  # and no more session rows read than the person's two
    assert is_logged_in(other, world)


def test_blocking_for_all_groups_costs_the_same_with_many_other_sessions(world, login):
    """The block's request reads the person's own sessions, by index: as many queries, and no
    more session rows read, with 10 other live sessions in the database as with 1,000."""
    phone, laptop = browser(), browser()
    password_login(phone, world.member)
    password_login(laptop, world.member)
    manager = login(world.main)
    block = f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/"

    def blocked_rolled_back() -> tuple[int, int]:
        with transaction.atomic():
            figures = session_rows_read_while(lambda: manager.post(block, {"reason": "Inquiry"}))
            assert sessions_of(world.member) == 0
            transaction.set_rollback(True)
        return figures

    other_peoples_sessions(10)
    blocked_rolled_back()  # what a first request of the process reads once
    few = blocked_rolled_back()
    other_peoples_sessions(1000)
    many = session_rows_read_while(lambda: manager.post(block, {"reason": "Inquiry"}))
    assert many[0] == few[0]  # as many queries
    assert many[1] == few[1] <= 4  # and as many session rows read: the person's two, the manager's
    assert EnterpriseBlock.objects.filter(person=world.member).exists()
    assert not is_logged_in(phone, world) and not is_logged_in(laptop, world)
    assert is_logged_in(manager, world)


def test_a_session_idle_for_session_idle_seconds_needs_a_new_login(world, settings):
    client = browser()
    password_login(client, world.member)
    assert is_logged_in(client, world)
    key = session_key(client)
    session = SessionStore(key)
    session[LAST_SEEN] -= settings.SESSION_IDLE_SECONDS + 1
    session.save()

    response = client.get(f"/e/{world.enterprise.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not SessionStore().exists(key)
    assert not UserSession.objects.filter(session_key=key).exists()
    assert "without activity" in client.get(response["Location"]).content.decode()


def test_a_session_from_before_sessions_were_listed_is_listed_at_its_next_request(world):
    client = browser()
    password_login(client, world.member)
    key = session_key(client)
    UserSession.objects.filter(session_key=key).delete()
    session = SessionStore(key)
    del session[LAST_SEEN]
    session.save()

    assert is_logged_in(client, world)
    assert UserSession.objects.filter(session_key=key, user=world.member.user).exists()
    end_sessions(world.member)
    assert not is_logged_in(client, world)


def test_a_session_that_changes_key_stays_listed(world):
    """The first login with a temporary password, and choosing a password, give the session a new
    key each; ending the person's sessions still ends it."""
    person = factories.person("jean.dupre", "Jean", "Dupré")
    password = outbox.issue_temporary_password(person.user)
    client = browser()
    client.post("/accounts/login/", {"login": "jean.dupre", "password": password})
    first = session_key(client)
    chosen = "a-long-Passphrase-42"
    response = client.post("/accounts/setup/password/", {"new_password1": chosen, "new_password2": chosen})
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert session_key(client) != first
    assert UserSession.objects.filter(session_key=session_key(client), user=person.user).exists()

    end_sessions(person)
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/login/")


def test_a_session_in_use_stays_and_reading_pages_writes_nothing(world, settings):
    client = browser()
    password_login(client, world.member)
    client.get(f"/e/{world.enterprise.pk}/")
    session = SessionStore(session_key(client))
    session[LAST_SEEN] -= settings.SESSION_IDLE_SECONDS - 120
    session.save()
    with CaptureQueriesContext(connection) as first:
        assert is_logged_in(client, world)  # active within the idle time: the clock starts again
    assert any(q["sql"].startswith("UPDATE") for q in first)
    with CaptureQueriesContext(connection) as then:
        assert is_logged_in(client, world)
    assert not [q["sql"] for q in then if q["sql"].split()[0] in ("UPDATE", "INSERT", "DELETE")]


FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


def test_the_sessions_page_lists_the_persons_browsers_and_ends_the_others(world):
    here = browser(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS, REMOTE_ADDR="192.0.2.10")
    there = browser(HTTP_USER_AGENT=SAFARI_ON_IPHONE, REMOTE_ADDR="198.51.100.7")
    password_login(here, world.member)
    password_login(there, world.member)
    elsewhere = browser()
    password_login(elsewhere, world.co_main)
    page = here.get("/accounts/sessions/").content.decode()
    for seen in ("Firefox on Windows", "192.0.2.10", "Safari on iPhone", "198.51.100.7", "This browser"):
        assert seen in page
    assert "End the other sessions" in page

    ended = here.post("/accounts/sessions/", follow=True)
    assert "Your other sessions are ended." in ended.content.decode()
    journaled = AuditEvent.objects.get(action="sessions_ended")
    assert (journaled.actor, journaled.target_person) == (world.member, world.member)
    assert (journaled.after, journaled.ip_address) == ({"ended": 1}, "192.0.2.10")
    assert "Safari on iPhone" not in ended.content.decode()
    assert is_logged_in(here, world)
    assert not is_logged_in(there, world)
    assert is_logged_in(elsewhere, world)


def test_expired_and_idle_sessions_are_cleaned_up_on_schedule(world, settings):
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.tasks.clear_sessions" in tasks
    active, idle, expired = browser(), browser(), browser()
    for client in (active, idle, expired):
        password_login(client, world.member)
    UserSession.objects.filter(session_key=session_key(idle)).update(
        last_seen_at=timezone.now() - timedelta(seconds=settings.SESSION_IDLE_SECONDS + 61)
    )
    Session.objects.filter(session_key=session_key(expired)).update(expire_date=timezone.now() - timedelta(days=1))

    clear_sessions()

    assert Session.objects.filter(session_key=session_key(active)).exists()
    assert not Session.objects.filter(session_key__in=[session_key(idle), session_key(expired)]).exists()
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [session_key(active)]


def test_staff_cannot_unlist_a_session_in_the_admin():
    """A row deleted there would leave its session alive and out of reach of end_sessions."""
    with pytest.raises(NoReverseMatch):
        reverse("admin:usersessions_usersession_changelist")


# --- Guessing --------------------------------------------------------------------------------
# Repeated wrong passwords lock the username: tests/accounts/test_local_login.py,
# test_repeated_failures_lock_the_username_with_the_same_answer.


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_repeated_wrong_one_time_codes_lock_the_login_even_for_the_right_code(world):
    secrets_of = {}
    for person in (world.main, world.co_main):
        secrets_of[person.pk] = generate_totp_secret()
        TOTP.activate(person.user, secrets_of[person.pk])

    # The right code at the first try logs in.
    first = browser()
    assert password_login(first, world.co_main)["Location"] == "/accounts/2fa/authenticate/"
    right = first.post("/accounts/2fa/authenticate/", {"code": current_code(secrets_of[world.co_main.pk])})
    assert right.status_code == 302
    assert is_logged_in(first, world)

    # Five wrong codes, then even the right one is refused, in any browser, with a message.
    client = browser()
    assert password_login(client, world.main)["Location"] == "/accounts/2fa/authenticate/"
    for attempt in range(5):
        wrong = f"{(int(current_code(secrets_of[world.main.pk])) + 1 + attempt) % 1_000_000:06d}"
        page = client.post("/accounts/2fa/authenticate/", {"code": wrong})
        assert page.status_code == 200
        assert "Incorrect code." in page.content.decode()
    for each in (client, browser()):
        if each is not client:
            password_login(each, world.main)
        refused = each.post("/accounts/2fa/authenticate/", {"code": current_code(secrets_of[world.main.pk])})
        assert refused.status_code == 200
        assert "Too many failed login attempts. Try again later." in refused.content.decode()
        assert not is_logged_in(each, world)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGGED_IN, actor=world.main).count() == 0


# --- Redirects stay on the site --------------------------------------------------------------

ELSEWHERE = [
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    " //evil.example",
    "\t//evil.example",
    "https:evil.example",
    "http://testserver@evil.example/",
    "javascript:alert(1)",
]


def stays_on_the_site(location: str) -> bool:
    """As a browser reads a Location: tabs and line breaks dropped, backslashes as slashes, and
    two or more slashes first name another host."""
    seen = re.sub(r"[\t\r\n]", "", location).replace("\\", "/").lstrip(" \x00-\x1f")
    if seen.startswith("//"):
        return False
    parts = urlsplit(seen)
    return (parts.scheme, parts.netloc) in (("", ""), ("http", "testserver"), ("https", "testserver"))


def test_the_site_check_itself_tells_elsewhere_from_here():
    assert all(not stays_on_the_site(target) for target in ELSEWHERE)
    assert all(stays_on_the_site(here) for here in ("/", "/e/1/?page=2", "http://testserver/e/1/"))


def test_login_logout_and_language_never_redirect_elsewhere(world):
    for target in ELSEWHERE:
        client = browser()
        logged_in = password_login(client, world.member, next=target)
        assert logged_in.status_code == 302 and stays_on_the_site(logged_in["Location"]), target

        again = client.post("/accounts/reauthenticate/", {"password": factories.PASSWORD, "next": target})
        assert again.status_code == 302 and stays_on_the_site(again["Location"]), target

        for data, headers in (({"language": "nl", "next": target}, {}), ({"language": "nl"}, {"HTTP_REFERER": target})):
            switched = client.post("/i18n/setlang/", data, **headers)
            assert switched.status_code == 302 and stays_on_the_site(switched["Location"]), target

        logged_out = client.post("/accounts/logout/", {"next": target})
        assert logged_out.status_code == 302 and stays_on_the_site(logged_out["Location"]), target


# --- The OpenID Connect callback -------------------------------------------------------------


@functools.cache
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class OidcStandIn(HttpPeer):
    """An OpenID Connect provider on loopback with its own key, which can be told to get one
    thing wrong in the ID token: its audience, issuer, nonce (wrong or missing) or expiry."""

    def __init__(self, client_id: str, secret: str, claims: dict[str, Any]) -> None:
        self.client_id, self.secret, self.claims = client_id, secret, claims
        self.wrong: str | None = None
        self.grants: dict[str, dict[str, str]] = {}
        self.tokens_issued = 0
        self.key = signing_key()
        stand_in = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's hook name
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self.reply(stand_in.configuration())
                elif url.path == "/jwks":
                    self.reply({"keys": [stand_in.jwk()]})
                elif url.path == "/userinfo":
                    self.reply(stand_in.claims)
                elif url.path == "/authorize":
                    code = secrets.token_urlsafe(16)
                    stand_in.grants[code] = query
                    self.send_response(302)
                    location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
                    self.send_header("Location", location)
                    self.end_headers()
                else:
                    self.reply({"error": "not_found"}, 404)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                grant = stand_in.grants.pop(form.get("code", ""), None)
                if grant is None or form.get("client_secret") != stand_in.secret:
                    self.reply({"error": "invalid_grant"}, 400)
                    return
                self.reply(stand_in.tokens(grant))

            def reply(self, body: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        super().__init__(Handler)
        self.url = self.address

    def configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }

    def jwk(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {**public, "kid": "stand-in", "use": "sig"}

    def tokens(self, grant: dict[str, str]) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": self.url, "aud": self.client_id, "iat": now, "exp": now + 300, **self.claims}
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        if self.wrong == "audience":
            claims["aud"] = "another-client"
        elif self.wrong == "issuer":
            claims["iss"] = "https://evil.example"
        elif self.wrong == "nonce":
            claims["nonce"] = secrets.token_urlsafe(32)
        elif self.wrong == "no nonce":
            claims.pop("nonce", None)
        elif self.wrong == "expired":
            claims["exp"] = now - 60
        self.tokens_issued += 1
        id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "stand-in"})
        return {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": id_token}


@pytest.fixture
def stand_in(settings, world) -> Iterator[OidcStandIn]:
    member = world.member
    claims = {
        "sub": secrets.token_hex(16),
        "egovNRN": member.niss,
        "givenName": member.given_name,
        "surname": member.surname,
        "amr": ["eid"],
        "acr": "urn:be:fedict:iam:fas:Level500",
    }
    provider = OidcStandIn(django_settings.OIDC_CLIENT_ID, django_settings.OIDC_CLIENT_SECRET, claims)
    configure_federal_login(settings, provider.url)
    yield provider
    provider.stop()


def federated_login(client: Client, *, state: str | None = None, next_url: str | None = None):
    """The browser's part: to the provider, which answers at once, and back to the callback."""
    start = client.post("/accounts/oidc/federal/login/", {"next": next_url} if next_url else {})
    assert start.status_code == 302, start.content
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    callback = urlsplit(answer.headers["Location"])
    query = dict(parse_qsl(callback.query))
    if state is not None:
        query["state"] = state
    return client.get(callback.path, query)


def nothing_happened(client: Client, world, response, *, users: int, accounts: int) -> None:
    assert response.status_code == 401
    assert "Third-Party Login Failure" in response.content.decode()
    assert not is_logged_in(client, world)
    assert get_user_model().objects.count() == users
    assert SocialAccount.objects.count() == accounts
    assert logins_journaled() == 0


def test_the_stand_in_provider_logs_a_known_person_in(world, stand_in):
    """The control: untouched, the stand-in's tokens log the member in, so each refusal below
    is the doing of the one thing made wrong."""
    client = browser()
    response = federated_login(client, next_url="https://evil.example/")
    assert response.status_code == 302 and stays_on_the_site(response["Location"])
    assert is_logged_in(client, world)
    assert logins_journaled() == 1
    assert stand_in.grants == {} and stand_in.tokens_issued == 1


@pytest.mark.parametrize("wrong", ["audience", "issuer", "nonce", "no nonce", "expired"])
def test_an_id_token_made_wrong_is_refused(world, stand_in, wrong):
    stand_in.wrong = wrong
    users, accounts = get_user_model().objects.count(), SocialAccount.objects.count()
    client = browser()
    nothing_happened(client, world, federated_login(client), users=users, accounts=accounts)
    assert stand_in.tokens_issued == 1


def test_a_wrong_state_or_another_browsers_state_is_refused(world, stand_in):
    users, accounts = get_user_model().objects.count(), SocialAccount.objects.count()
    client = browser()
    nothing_happened(client, world, federated_login(client, state="forged-state"), users=users, accounts=accounts)

    # Login CSRF: a callback begun in the attacker's browser, delivered to the victim's.
    attacker, victim = browser(), browser()
    start = attacker.post("/accounts/oidc/federal/login/")
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    callback = urlsplit(answer.headers["Location"])
    victim.get("/accounts/login/")
    response = victim.get(callback.path, dict(parse_qsl(callback.query)))
    nothing_happened(victim, world, response, users=users, accounts=accounts)
    assert stand_in.tokens_issued == 0  # the code was never even exchanged
