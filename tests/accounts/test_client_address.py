"""The client's address behind the TLS proxy: the journal and the login limits see the person's
address, not the proxy's; a header a client writes itself is not believed; the per-address limit
does not lock an office out because of one person, while the per-username lockout holds; and a
locked username costs the same password hashing as a wrong password."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client

from access.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

MISMATCH = "The username and/or password you specified are not correct."
PROXY = "10.0.0.2"
OFFICE = "203.0.113.7"


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def through_the_proxy(client_address: str, written_by_the_client: str = "") -> Client:
    """A browser whose requests reach the portal through the proxy, which appends the address it
    saw to X-Forwarded-For (after whatever the client wrote there itself)."""
    forwarded = f"{written_by_the_client}, {client_address}" if written_by_the_client else client_address
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def log_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"login": username, "password": password})


def login_address(person) -> str | None:
    return AuditEvent.objects.filter(action="logged_in", actor=person).latest("pk").ip_address


def test_two_people_of_one_office_behind_the_proxy_one_locks_their_username_the_other_logs_in(world, behind_one_proxy):
    careless = world.member.user
    for _ in range(25):  # more than a few a minute: a person who keeps trying
        assert MISMATCH in log_in(through_the_proxy(OFFICE), careless.username, "wrong-password").content.decode()
    # Their own username is locked, even with the right password.
    assert MISMATCH in log_in(through_the_proxy(OFFICE), careless.username, factories.PASSWORD).content.decode()
    # A colleague at the same address still gets in.
    colleague = log_in(through_the_proxy(OFFICE), world.group_manager.user.username, factories.PASSWORD)
    assert colleague.status_code == 302
    assert login_address(world.group_manager) == OFFICE


def test_an_office_logging_in_at_nine_is_not_held_back_by_its_shared_address(world, behind_one_proxy):
    people = [world.member, world.group_manager, world.access_manager, world.co_main, world.main]
    for turn in range(40):  # forty colleagues within a minute, through the one address of the office
        person = people[turn % len(people)]
        assert log_in(through_the_proxy(OFFICE), person.user.username, factories.PASSWORD).status_code == 302


def test_the_journal_records_the_clients_address_given_one_trusted_proxy(world, behind_one_proxy):
    assert log_in(through_the_proxy(OFFICE), world.member.user.username, factories.PASSWORD).status_code == 302
    assert login_address(world.member) == OFFICE


def test_an_address_the_client_writes_before_the_proxys_is_ignored(world, behind_one_proxy):
    client = through_the_proxy(OFFICE, written_by_the_client="198.51.100.66")
    assert log_in(client, world.member.user.username, factories.PASSWORD).status_code == 302
    assert login_address(world.member) == OFFICE


def test_a_forwarded_address_from_a_direct_client_is_ignored(world, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip,5/15m/key"}
    direct = "198.51.100.9"

    def spoofing(n: int) -> Client:
        return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=direct, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    assert log_in(spoofing(1), world.member.user.username, factories.PASSWORD).status_code == 302
    assert login_address(world.member) == direct
    # A new forwarded address with each try does not reset the count of the real one.
    for n, username in enumerate(("nobody-1", "nobody-2", "nobody-3"), start=2):
        log_in(spoofing(n), username, "wrong-password")
    refused = log_in(spoofing(9), world.group_manager.user.username, factories.PASSWORD)
    assert refused.status_code == 200 and MISMATCH in refused.content.decode()


class CountingHasher(MD5PasswordHasher):
    """The test suite's hasher, counting the passwords it hashes."""

    hashed = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.hashed += 1
        return super().encode(password, salt)


def hashes_computed_by(action) -> int:
    before = CountingHasher.hashed
    action()
    return CountingHasher.hashed - before


def test_a_locked_username_computes_a_password_hash_like_a_wrong_password(world, settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    username = world.member.user.username
    wrong = hashes_computed_by(lambda: log_in(Client(HTTP_ACCEPT_LANGUAGE="en"), username, "wrong-password"))
    for _ in range(4):
        log_in(Client(HTTP_ACCEPT_LANGUAGE="en"), username, "wrong-password")
    locked = hashes_computed_by(lambda: log_in(Client(HTTP_ACCEPT_LANGUAGE="en"), username, factories.PASSWORD))
    assert MISMATCH in log_in(Client(HTTP_ACCEPT_LANGUAGE="en"), username, factories.PASSWORD).content.decode()
    assert wrong >= 1
    assert locked == wrong
