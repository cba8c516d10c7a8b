"""The staff admin: search by name, NISS and enterprise number; the journal is read-only."""

import pytest

from access import selectors, services
from access.models import AuditEvent, Enterprise, Membership, Person
from tests import factories

pytestmark = pytest.mark.django_db


def test_people_are_found_by_name_and_by_a_posted_national_number(staff_client, world):
    by_name = staff_client.get("/admin/access/person/", {"q": "Taxman"}).content.decode()
    assert "Taxman" in by_name
    assert "Member" not in by_name
    assert "Find by national register number" in by_name
    found = staff_client.post("/admin/access/person/find/", {"niss": world.member.niss_display})
    assert found["Location"] == f"/admin/access/person/{world.member.pk}/change/"
    unknown = staff_client.post("/admin/access/person/find/", {"niss": factories.niss()}, follow=True)
    assert "Nobody has this national register number." in unknown.content.decode()
    invalid = staff_client.post("/admin/access/person/find/", {"niss": "85.07.30-033.29"}, follow=True)
    assert "its check digits do not match" in invalid.content.decode()


def test_enterprises_are_found_by_number_with_dots_or_be(staff_client, world):
    number = world.other_enterprise.number_display
    page = staff_client.get("/admin/access/enterprise/", {"q": f"BE {number}"}).content.decode()
    assert "Other" in page
    assert "Acme" not in page


def test_memberships_filter_by_status(staff_client, world):
    page = staff_client.get("/admin/access/membership/", {"status__exact": "active", "q": "Pension"}).content.decode()
    assert "Paula Pension" in page


@pytest.mark.parametrize(
    ("path", "table", "filtered"),
    [
        ("person", "access_person", {"q": "Taxman"}),
        ("enterprise", "access_enterprise", {"q": "Acme"}),
        ("group", "access_group", {"q": "Acme"}),
        ("designation", "access_designation", {"kind__exact": "main"}),
        ("membership", "access_membership", {"status__exact": "active"}),
        ("groupblock", "access_groupblock", {"lifted_at__isempty": "1"}),
        ("auditevent", "access_auditevent", {"q": "Acme"}),
    ],
)
def test_a_filtered_list_does_not_count_every_row_of_the_table(staff_client, world, path, table, filtered):
    """At a country's size, counting the 5,000,000 memberships beside the filtered ones took 20 times
    the page (docs/benchmarks.md): the list says how many it found and offers to show all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(f"/admin/access/{path}/", filtered)
    assert response.status_code == 200
    counts = [
        query["sql"] for query in captured if query["sql"].startswith("SELECT COUNT(*)") and table in query["sql"]
    ]
    assert counts and all("WHERE" in sql for sql in counts), counts
    assert "Show all" in response.content.decode()


def test_a_groups_list_reads_the_groups_own_rows_however_many_came_after_them(staff_client, world):
    """The admin lists a group's memberships newest first. Among a country's, PostgreSQL read them
    by walking every membership's id from the newest and skipping those of other groups: for a group
    made before 4,987,946 others, 6.5 s (docs/benchmarks.md, the ninth round). It reads the group's
    own index, in the order of ids, and stops at the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    group = world.groups["pension_fund"]
    old = Person.objects.bulk_create(
        Person(niss=factories.niss(), given_name="Olive", surname=f"Old{n:05d}") for n in range(2_000)
    )
    Membership.objects.bulk_create(Membership(person=person, group=group) for person in old)
    newer = Person.objects.bulk_create(
        Person(niss=factories.niss(), given_name="Nina", surname=f"New{n:05d}") for n in range(10_000)
    )
    Membership.objects.bulk_create(Membership(person=person, group=world.other_groups["employer"]) for person in newer)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE access_membership")  # as autovacuum does in a live database

    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get("/admin/access/membership/", {"group__id__exact": group.pk})
    assert response.status_code == 200
    assert "Olive Old01999" in response.content.decode()  # the newest of the group's, first
    (listing,) = [q["sql"] for q in captured if q["sql"].startswith('SELECT "access_membership"."id"')]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {listing}")
        plan = cursor.fetchone()[0][0]["Plan"]
    read = [
        (node.get("Index Name"), node["Actual Rows"] + node.get("Rows Removed by Filter", 0))
        for node in _nodes(plan)
        if node.get("Relation Name") == "access_membership"
    ]
    assert read and all(rows <= 100 for _, rows in read), read  # the admin's page of 100


def _nodes(plan: dict) -> list[dict]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _nodes(child))]


def test_the_journal_is_read_only(staff_client, world):
    actor = selectors.Actor(
        person=world.main,
        enterprise=world.enterprise,
        standing=selectors.standing_of(world.main.pk, world.enterprise.pk),
    )
    services.membership_block(actor, world.member_membership, reason="Audit")
    event = AuditEvent.objects.get()
    assert staff_client.get("/admin/access/auditevent/").status_code == 200
    assert staff_client.get("/admin/access/auditevent/add/").status_code == 403
    change = staff_client.get(f"/admin/access/auditevent/{event.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert staff_client.post(f"/admin/access/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, reason="Audit").exists()


def enterprise_form(number):
    return {
        "number": number,
        "name": "New Co",
        "preferred_language": "nl",
        "status": "pending",
        **{
            f"{prefix}-{key}": value
            for prefix in ("legal_representatives", "groups")
            for key, value in (
                ("TOTAL_FORMS", "0"),
                ("INITIAL_FORMS", "0"),
                ("MIN_NUM_FORMS", "0"),
                ("MAX_NUM_FORMS", "1000"),
            )
        },
    }


def test_staff_register_an_enterprise_with_a_printed_number(staff_client):
    response = staff_client.post("/admin/access/enterprise/add/", enterprise_form("BE 0403.019.261"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Enterprise.objects.get(name="New Co").number == "0403019261"


@pytest.mark.parametrize("number", ["0431.150.351", "2403.019.261", "0403<b>019261", "1000.002.100"])
def test_an_invalid_enterprise_number_gets_a_field_error_and_creates_nothing(staff_client, number):
    response = staff_client.post("/admin/access/enterprise/add/", enterprise_form(number))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This enterprise number is not valid" in page or "Enter an enterprise number of 10 digits" in page
    assert not Enterprise.objects.filter(name="New Co").exists()


def test_an_invalid_niss_in_the_admin_creates_nobody(staff_client):
    response = staff_client.post(
        "/admin/access/person/add/",
        {
            "niss": "85.07.30-033.29",
            "given_name": "Bad",
            "surname": "Number",
            "preferred_language": "fr",
            "former_numbers-TOTAL_FORMS": "0",
            "former_numbers-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "its check digits do not match" in response.content.decode()
    assert not Person.objects.filter(surname="Number").exists()
