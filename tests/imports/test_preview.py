"""The check of a file (the dry run): every row's verdict, asked of the policy as the pages ask it,
and nothing of the access model changed; a constant number of queries whatever the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access import policy
from access.models import AuditEvent, EnterpriseBlock, Grant, Group, Membership, Notice, Person, RoleType
from accounts.models import OutboundMessage
from imports.models import Import
from tests import factories
from tests.imports.conftest import verdicts_of
from tests.imports.files import csv_file, row
from tests.queries import queries_of

pytestmark = pytest.mark.django_db

DIMONA = "Dimona (immediate declaration of employment)"
DMFA = "DmfA (multifunctional declaration)"


def access_state() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Person, Membership, Grant, EnterpriseBlock, AuditEvent, Notice, OutboundMessage)
    }


def test_every_row_gets_its_verdict_and_nothing_changes(world, login, upload):
    w = world
    blocked = factories.member(factories.person(), w.groups["employer"], ("dimona",))
    blocked.status, blocked.block_reason = "blocked", "Before the file"
    blocked.blocked_at = blocked.created_at
    blocked.save()
    social = Group.objects.create(
        enterprise=w.other_enterprise, role_type=RoleType.objects.get(code="social_secretariat")
    )
    newcomer = factories.niss()
    pensioner = factories.member(factories.person(), w.groups["pension_fund"]).person
    active = factories.member(factories.person(), w.groups["pension_fund"]).person
    taxed = factories.member(factories.person(), w.groups["taxpayer"], ("myminfin",)).person
    before = access_state()
    job = upload(
        login(w.main),
        w.enterprise.pk,
        [
            row(newcomer, services="dimona, DmfA (multifunctional declaration)", given_name="Nina", surname="New"),
            row(w.member.niss, services="dimona | dmfa"),
            row(w.pension_member.niss, group="pension_fund", services="db2p"),
            row(w.tax_member.niss, group="Taxpayer", services="chaman"),
            row("85.07.30-033.29"),
            row(w.member.niss, group="Approved social secretariat"),
            row(w.member.niss, group=social.role_type.code),
            row(w.member.niss, group="employer", action="block", reason="Twice"),
            row(factories.niss()),
            row(blocked.person.niss, action="block", reason="Again"),
            row(blocked.person.niss, group="Taxpayer", action="unblock"),
            row(pensioner.niss, group="Pension-fund manager", action="remove"),
            row(taxed.niss, group="Taxpayer", action="remove", services="biztax"),
            row(w.legal_representative.niss, group="Employer"),
            row(w.member.niss, group="Corporate taxpayer", action="dance"),
            row(w.pension_member.niss, group="Corporate taxpayer", action="add", services="netflix"),
            row(w.member.niss, group="", action="add"),
            row(active.niss, group="pension_fund", action="unblock"),
        ],
    )
    assert verdicts_of(job) == [
        (2, "new user", f"new to the portal; {DIMONA}, {DMFA}"),
        (3, "new grant", DMFA),
        (4, "already there", "DB2P (supplementary pensions database)"),
        (
            5,
            "refused",
            "Chaman – management of technical channels: This online service cannot be granted in this group.",
        ),
        (6, "refused", "This national register number is not valid: its check digits do not match."),
        (
            7,
            "refused",
            "Unknown group “Approved social secretariat”: "
            "write the name or the code of one of the enterprise’s groups.",
        ),
        (
            8,
            "refused",
            "Unknown group “social_secretariat”: write the name or the code of one of the enterprise’s groups.",
        ),
        (9, "refused", "Line 3 is already about this person in this group: this row is left out."),
        (10, "refused", "This person is not known to the portal yet: give their given name and surname."),
        (11, "already blocked", ""),
        (12, "refused", "This person is not a user of this group."),
        (13, "refused", "Give a reason: it is kept in the journal."),
        (14, "nothing to remove", ""),
        (15, "refused", "This person's standing in the enterprise is equal to or above yours."),
        (16, "refused", "Unknown action “dance”: write add, remove, block or unblock."),
        (17, "refused", "Unknown online service “netflix”."),
        (18, "refused", "Name the group."),
        (19, "not blocked", ""),
    ]
    assert (job.status, job.total, job.changes) == (Import.Status.PREVIEW, 18, 2)
    assert access_state() == before


def test_a_group_manager_is_refused_the_groups_they_do_not_manage_with_the_policys_reason(world, login, upload):
    job = upload(
        login(world.group_manager),
        world.enterprise.pk,
        [
            row(world.pension_member.niss, group="Pension-fund manager"),
            row(world.pension_member.niss, group="Pension-fund manager", action="remove", services="db2p"),
            row(world.member.niss, services="ebox"),
        ],
    )
    # Not even "already there": who is in a group the manager does not manage is not said.
    assert verdicts_of(job) == [
        (2, "refused", str(policy.GROUP_NOT_IN_SCOPE)),
        (3, "refused", "Line 2 is already about this person in this group: this row is left out."),
        (4, "refused", f"e-Box Enterprise: {policy.SERVICE_NOT_GRANTABLE}"),
    ]


def test_the_check_reads_in_the_readers_language(world, login, upload):
    client = login(world.group_manager)
    job = upload(client, world.enterprise.pk, [row(world.member.niss, services="dmfa"), row("85.07.30-033.29")])
    client.cookies["django_language"] = "nl"
    page = client.get(f"/e/{world.enterprise.pk}/import/{job.pk}/").content.decode()
    assert '<html lang="nl">' in page
    assert "nieuwe toekenning" in page
    assert "Dit rijksregisternummer is niet geldig" in page


def _file(world, rows: int):
    """A file of `rows` rows of every kind: new people, grants, blocks, refusals, duplicates."""
    people = [factories.member(factories.person(), world.groups["employer"], ("dimona",)) for _ in range(rows // 5)]
    lines = []
    for index in range(rows):
        kind = index % 5
        if kind == 0:
            lines.append(row(factories.niss(), services="dimona, dmfa", given_name="New", surname=f"Person{index}"))
        elif kind == 1:
            lines.append(row(people[index // 5].person.niss, services="dmfa"))
        elif kind == 2:
            lines.append(row(people[index // 5].person.niss, group="Pension-fund manager", action="block", reason="x"))
        elif kind == 3:
            lines.append(row("85.07.30-033.29"))
        else:
            lines.append(row(people[index // 5].person.niss, services="chaman"))  # a duplicate of kind 1
    return csv_file(lines)


def test_the_check_costs_as_many_queries_for_500_rows_as_for_10(world, login):
    client = login(world.access_manager)
    url = f"/e/{world.enterprise.pk}/import/"
    counts, pages = [], []
    for rows in (10, 500):
        upload = _file(world, rows)
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, {"file": upload})
        assert response.status_code == 302
        counts.append(len(captured))
        pages.append(queries_of(client, response["Location"]))
        assert Import.objects.latest("pk").total == rows
    assert counts[0] == counts[1], counts
    assert pages[0] == pages[1], pages
