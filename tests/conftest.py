"""Personas of one enterprise (docs/design.md §1) and of another, shared by the whole suite.

Enterprise "Acme": groups employer and pension_fund (domain nsso_employer) and taxpayer
(domain finance). main, co_main, access_manager (nsso_employer), group_manager (employer),
finance_manager (Access Manager of finance), member (user of employer), pension_member (user of
pension_fund), tax_member (user of taxpayer), legal_representative, outsider (no standing), and
other_enterprise_manager (MAM of "Other").
"""

import importlib
import time
from dataclasses import dataclass

import pytest
from allauth.account.internal.flows import login as login_flow
from django.apps import apps
from django.test import Client
from django.utils import translation

from access.models import Domain, Enterprise, Group, LegalRepresentative, Membership, Person
from tests import factories, leaks


@dataclass
class World:
    enterprise: Enterprise
    groups: dict[str, Group]
    main: Person
    co_main: Person
    access_manager: Person
    finance_manager: Person
    group_manager: Person
    member: Person
    member_membership: Membership
    pension_member: Person
    pension_membership: Membership
    tax_member: Person
    tax_membership: Membership
    legal_representative: Person
    outsider: Person
    other_enterprise: Enterprise
    other_groups: dict[str, Group]
    other_enterprise_manager: Person
    other_member: Person
    other_membership: Membership


@pytest.fixture(autouse=True)
def static_files_looked_up_on_request(settings):
    """Each test client loads the middleware afresh, and WhiteNoise would index every static file
    each time (a tenth of a second); looking them up on request, as in development, is enough here."""
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english():
    """Messages read by the tests are the English ones, unless a test chooses another language."""
    with translation.override("en"):
        yield


@pytest.fixture
def catalogue(django_db_setup, db):
    """The catalogue of the data migration, reloaded when a transactional test flushed it."""
    if not Domain.objects.exists():
        importlib.import_module("access.migrations.0002_load_catalogue").load_catalogue(apps, None)


@pytest.fixture
def world(catalogue) -> World:
    enterprise, groups = factories.enterprise("Acme")
    nsso = Domain.objects.get(code="nsso_employer")
    finance = Domain.objects.get(code="finance")
    main = factories.person("main", "Marie", "Main")
    co_main = factories.person("co_main", "Colette", "Comain")
    access_manager = factories.person("access_manager", "Arno", "Access")
    finance_manager = factories.person("finance_manager", "Fien", "Finance")
    group_manager = factories.person("group_manager", "Greta", "Group")
    member = factories.person("member", "Mats", "Member")
    pension_member = factories.person("pension_member", "Paula", "Pension")
    tax_member = factories.person("tax_member", "Tom", "Taxman")
    legal_representative = factories.person("legal_representative", "Lea", "Legal")
    outsider = factories.person("outsider", "Otto", "Outsider")
    factories.designate(enterprise, main, "main")
    factories.designate(enterprise, co_main, "co_main")
    factories.designate(enterprise, access_manager, "access_manager", domain=nsso)
    factories.designate(enterprise, finance_manager, "access_manager", domain=finance)
    factories.designate(enterprise, group_manager, "group_manager", group=groups["employer"])
    LegalRepresentative.objects.create(person=legal_representative, enterprise=enterprise)
    other_enterprise, other_groups = factories.enterprise("Other", roles=("employer",))
    other_manager = factories.person("other_enterprise_manager", "Oscar", "Other")
    factories.designate(other_enterprise, other_manager, "main")
    other_member = factories.person(None, "Olga", "Othermember")
    return World(
        enterprise=enterprise,
        groups=groups,
        main=main,
        co_main=co_main,
        access_manager=access_manager,
        finance_manager=finance_manager,
        group_manager=group_manager,
        member=member,
        member_membership=factories.member(member, groups["employer"], ("dimona",)),
        pension_member=pension_member,
        pension_membership=factories.member(pension_member, groups["pension_fund"], ("db2p",)),
        tax_member=tax_member,
        tax_membership=factories.member(tax_member, groups["taxpayer"], ("myminfin",)),
        legal_representative=legal_representative,
        outsider=outsider,
        other_enterprise=other_enterprise,
        other_groups=other_groups,
        other_enterprise_manager=other_manager,
        other_member=other_member,
        other_membership=factories.member(other_member, other_groups["employer"], ("dimona",)),
    )


@pytest.fixture
def four_eyes_off(world):
    """The MAM of the world's enterprise lets designations through at once: for the tests whose
    subject is not the second approval (that is tests/access/test_approvals.py)."""
    from access.models import FourEyesSetting

    FourEyesSetting.objects.create(enterprise=world.enterprise, enabled=False)


@pytest.fixture
def login():
    """A logged-in test client for a person: login(world.main)."""

    def make(person: Person, *, recently_authenticated: bool = True) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert person.user, f"{person} has no login"
        client.force_login(person.user)
        if recently_authenticated:
            # As if the person had just confirmed who they are (docs/design.md §7.4, re-authentication).
            session = client.session
            session[login_flow.AUTHENTICATION_METHODS_SESSION_KEY] = [
                {"method": "password", "at": time.time(), "reauthenticated": True}
            ]
            session[login_flow._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(person.user.pk)
            session.save()
        return client

    return make


@pytest.fixture(autouse=True)
def clean_cache_and_sms():
    """Rate-limit counters live in Redis and SMS in memory: each test starts without them.
    What the test sent is handed to the leak witness first."""
    from django.core import mail
    from django.core.cache import cache

    from accounts.sms import LocmemBackend

    cache.clear()
    LocmemBackend.outbox.clear()
    yield
    for sms in LocmemBackend.outbox:
        leaks.remember_password(sms.body.strip().splitlines()[-1])
    for email in getattr(mail, "outbox", []):
        leaks.saw("e-mail", f"{email.subject}\n{email.body}")


@pytest.fixture(scope="session", autouse=True)
def leak_witness():
    """Watch logs, task messages and URLs for the whole run; fail it if a secret shows."""
    import logging

    from celery.signals import before_task_publish, task_prerun
    from django.core.signals import request_started

    handler = leaks.Handler(level=logging.DEBUG)
    logging.getLogger().addHandler(handler)

    def on_request(sender, environ, **kwargs):
        leaks.saw("url", f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}")

    def on_publish(sender=None, body=None, headers=None, **kwargs):
        leaks.saw("task message", f"{headers!r} {body!r}")

    def on_prerun(sender=None, args=None, kwargs=None, **extra):
        leaks.saw("task arguments", f"{args!r} {kwargs!r}")

    request_started.connect(on_request, weak=False)
    before_task_publish.connect(on_publish, weak=False)
    task_prerun.connect(on_prerun, weak=False)
    yield
    logging.getLogger().removeHandler(handler)
    found = leaks.find(leaks.SECRETS, leaks.SEEN)
    assert not found, "Secrets leaked:\n" + "\n".join(found[:20])


@pytest.fixture
def staff_client(db):
    """A member of staff as the admin requires them: a one-time-code app, logged in with the
    password and the code; reading the admin in English."""
    from tests.staff import create_staff, log_in_staff

    return log_in_staff(Client(HTTP_ACCEPT_LANGUAGE="en"), create_staff()[0])


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; the portal's mail goes to it."""
    from tests.servers import SmtpServer

    server = SmtpServer()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 2},
        }
    }
    yield server
    server.stop()
    for body in server.bodies():
        leaks.saw("e-mail (SMTP)", body)


@pytest.fixture
def sms_gateway(settings):
    """The SMS gateway stand-in on loopback; the portal's SMS go to it."""
    from tests.servers import SmsGateway

    gateway = SmsGateway()
    settings.SMS_BACKEND = "accounts.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_TOKEN = gateway.token
    settings.SMS_GATEWAY_TIMEOUT = 0.5
    yield gateway
    gateway.stop()
    for sms in gateway.accepted:
        leaks.remember_password(sms["text"].strip().splitlines()[-1])


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in the process that queues them (the web request here)."""
    from portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(scope="session", autouse=True)
def journal_emptied_in_replica_mode():
    """The journal refuses TRUNCATE from every role (a trigger). Between transactional tests the
    suite empties every table with TRUNCATE, as the superuser it connects as, in replica mode:
    PostgreSQL fires no ordinary trigger there, and only a superuser may turn it on."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        if sql_list:
            sql_list = ["SET LOCAL session_replication_role = replica", *sql_list]
        flush(self, sql_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", execute_sql_flush)
        yield
