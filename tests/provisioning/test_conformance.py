"""Conformance to RFC 7643 and RFC 7644, checked by someone else's tests: scim2-tester 0.5.2 runs
against the portal under gunicorn (production settings, two workers, plain HTTP on loopback) on
the test database, with a real token of the Main Access Manager (docs/provisioning.md §8).

Every check that applies passes. The checks that do not apply fail for their stated reason only:
each Group check starts by creating a Group, and the enterprise's groups come from its register;
the User's replacement, and the replacement of its extension as a whole, write a new national
register number into an immutable attribute, which the portal must refuse. The Groups are then
read and changed through scim2-client, which holds every answer to the published schemas.
"""

import itertools
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from scim2_client.client import BaseSyncSCIMClient
from scim2_client.engines.inprocess import _prepare_request, _stays_under_base_url
from scim2_models import ListResponse, PatchOp
from scim2_tester import CheckResult, Status, check_server

from access.identifiers import make_niss
from access.models import Membership
from provisioning.models import ProvisionedUser
from provisioning.resources import PERMISSIONS_SCHEMA, PERSON_SCHEMA
from tests import leaks
from tests.conftest import World
from tests.provisioning.conftest import make_token
from tests.security.test_load import start_gunicorn, stop_gunicorn, wait_until_ready
from tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)

GROUPS_FROM_THE_REGISTER = (
    "Groups come from the enterprise register: they are not created or deleted through provisioning."
)
# The checks that cannot pass here, with what they must fail on (docs/provisioning.md §8).
NOT_APPLICABLE = {
    ("User", "object_replacement"): "mutability",
    ("User", "check_replace_attribute"): "'nationalRegisterNumber' is immutable",
}
# Each Group check creates a Group first.
GROUP_CHECKS = {
    "object_creation",
    "object_query",
    "object_query_without_id",
    "object_query_with_attributes",
    "object_list_with_attributes",
    "search_with_attributes",
    "object_replacement",
    "object_deletion",
    "check_add_attribute",
    "check_remove_attribute",
    "check_replace_attribute",
}
# What passed when this test was written: the count may grow, not shrink.
AT_LEAST_PASSING = 48


class HttpScimClient(BaseSyncSCIMClient):
    """scim2-client over HTTP with `requests`, sending the token with every request."""

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.token = token

    def _stays_under_base_url(self, endpoint: str) -> bool:
        return _stays_under_base_url(self.base_url, endpoint)

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        prepared = _prepare_request(self.base_url, {"Authorization": f"Bearer {self.token}"}, method, url, **kwargs)
        return requests.request(
            method, prepared.url.geturl(), headers=dict(prepared.headers), data=prepared.body, timeout=30
        )


class FreshNumbers(Sequence[str]):
    """Examples of the national register number for the checker, which picks one at random for
    every User it makes: each pick is a valid number nobody has yet (a random string is never a
    number, and two Users never share one)."""

    serial = itertools.count(1)

    def __len__(self) -> int:
        return 1_000_000

    def __getitem__(self, index: Any) -> Any:
        n = next(self.serial)
        number = make_niss(date(1940 + n % 60, 1 + n % 12, 1 + n % 28), 500 + n % 497)
        leaks.remember_niss(number)
        return number


@pytest.fixture
def portal(world: World, tmp_path: Path) -> Iterator[HttpScimClient]:
    port, log = free_port(), tmp_path / "gunicorn.log"
    server = start_gunicorn(port, log)
    try:
        wait_until_ready(server, port, log)
        client = HttpScimClient(f"http://127.0.0.1:{port}/scim/v2", make_token(world.main, world.enterprise))
        client.discover()
        for model in client.provider.models:
            if str(model.__schema__) == PERSON_SCHEMA:
                model.model_fields["national_register_number"].examples = FreshNumbers()  # type: ignore[assignment]
        yield client
    finally:
        stop_gunicorn(server)
    server_log = log.read_text()
    leaks.saw("gunicorn's log", server_log)
    assert "Traceback" not in server_log and "WORKER TIMEOUT" not in server_log, server_log[-5000:]


def failures(results: list[CheckResult]) -> list[CheckResult]:
    return [result for result in results if result.status in (Status.ERROR, Status.CRITICAL, Status.DEVIATION)]


def test_scim2_tester_passes_every_check_that_applies(portal: HttpScimClient, world: World) -> None:
    results = check_server(portal)

    unexpected = []
    for result in failures(results):
        key = (result.resource_type or "", result.title or "")
        if result.resource_type == "Group" and result.title in GROUP_CHECKS:
            if GROUPS_FROM_THE_REGISTER not in (result.reason or ""):
                unexpected.append(result)
        elif key in NOT_APPLICABLE:
            if NOT_APPLICABLE[key] not in (result.reason or ""):
                unexpected.append(result)
        else:
            unexpected.append(result)
    assert not unexpected, "\n".join(f"{r.resource_type} {r.title}: {(r.reason or '')[:500]}" for r in unexpected)

    passed = [result for result in results if result.status == Status.SUCCESS]
    assert len(passed) >= AT_LEAST_PASSING, len(passed)
    titles = {(result.resource_type, result.title) for result in passed}
    for check in (
        "object_creation",
        "object_query",
        "object_deletion",
        "check_add_attribute",
        "search_with_attributes",
    ):
        assert ("User", check) in titles, check
    assert {(None, "service_provider_config_endpoint"), (None, "query_all_schemas"), (None, "random_url")} <= titles
    # The checker lets go of every User it made: no person is provisioned any more.
    assert not ProvisionedUser.objects.filter(removed_at__isnull=True).exists()


def test_groups_read_and_change_as_scim2_client_expects(portal: HttpScimClient, world: World) -> None:
    group_model = portal.get_resource_model("Group")
    user_model = portal.get_resource_model("User")
    assert group_model is not None and user_model is not None

    groups: Any = portal.query(group_model)
    assert isinstance(groups, ListResponse)
    assert [group.display_name for group in groups.resources or []] == [
        "Employer",
        "Pension-fund manager",
        "Corporate taxpayer",
    ]
    employer = world.groups["employer"]
    read: Any = portal.query(group_model, str(employer.pk))
    assert [member.value for member in read.members] == [str(world.member.pk)]

    patch = PatchOp[group_model].model_validate(  # type: ignore[valid-type]
        {
            "Operations": [
                {"op": "add", "path": "members", "value": [{"value": str(world.pension_member.pk)}]},
                {
                    "op": "add",
                    "path": f"{PERMISSIONS_SCHEMA}:grants",
                    "value": [{"value": str(world.pension_member.pk), "service": "dmfa"}],
                },
            ]
        }
    )
    changed: Any = portal.modify(group_model, str(employer.pk), patch)
    assert {member.value for member in changed.members} == {str(world.member.pk), str(world.pension_member.pk)}
    membership = Membership.objects.get(person=world.pension_member, group=employer, removed_at__isnull=True)
    assert list(membership.grants.values_list("service__code", flat=True)) == ["dmfa"]

    users: Any = portal.query(user_model)
    assert {user.id for user in users.resources or []} == {
        str(world.member.pk),
        str(world.pension_member.pk),
        str(world.tax_member.pk),
    }
