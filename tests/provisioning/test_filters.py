"""Filtering Users and Groups (RFC 7644 §3.4.2.2, docs/provisioning.md §5): eq, co, sw and ew on
userName, externalId and displayName (and a few more), joined with and; anything else is the SCIM
error invalidFilter, which never repeats the filter. The national register number is searched
for in the body of a POST only."""

from datetime import date

import pytest

from access.identifiers import make_niss
from tests import factories
from tests.provisioning.conftest import patch_body

pytestmark = pytest.mark.django_db

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def named(world, scim_as):
    """Three users with the HR system's names and identifiers."""
    scim = scim_as(world.main)
    for person, user_name, external_id in (
        (world.member, "Mats.Member@acme.be", "E-100"),
        (world.pension_member, "paula.pension@acme.be", "e-200"),
        (world.tax_member, "tom@taxes.example", "E-300"),
    ):
        response = scim.patch(
            f"/Users/{person.pk}",
            patch_body(
                {"op": "replace", "path": "userName", "value": user_name},
                {"op": "add", "path": "externalId", "value": external_id},
            ),
        )
        assert response.status_code == 200, response.content
    return scim


def found(scim, expression: str, path: str = "/Users") -> list[str]:
    response = scim.get(path, {"filter": expression})
    assert response.status_code == 200, response.content
    key = "userName" if path == "/Users" else "displayName"
    return [resource[key] for resource in response.json().get("Resources", [])]


def test_user_names_are_compared_without_case(world, named):
    assert found(named, 'userName eq "mats.member@ACME.BE"') == ["Mats.Member@acme.be"]
    assert found(named, 'userName co "acme"') == ["Mats.Member@acme.be", "paula.pension@acme.be"]
    assert found(named, 'USERNAME sw "PAULA"') == ["paula.pension@acme.be"]
    assert found(named, 'userName ew ".example"') == ["tom@taxes.example"]
    assert found(named, 'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "tom@taxes.example"') == [
        "tom@taxes.example"
    ]


def test_external_ids_are_compared_with_case(world, named):
    assert found(named, 'externalId eq "E-100"') == ["Mats.Member@acme.be"]
    assert found(named, 'externalId sw "E-"') == ["Mats.Member@acme.be", "tom@taxes.example"]
    assert found(named, 'externalId co "-2"') == ["paula.pension@acme.be"]
    assert found(named, "externalId pr") == ["Mats.Member@acme.be", "paula.pension@acme.be", "tom@taxes.example"]


def test_conditions_are_joined_with_and(world, named):
    assert found(named, 'userName co "acme" and externalId sw "E"') == ["Mats.Member@acme.be"]
    assert found(named, 'userName co "acme" and (externalId eq "e-200" and active eq true)') == [
        "paula.pension@acme.be"
    ]
    named.patch(f"/Users/{world.member.pk}", patch_body({"op": "replace", "path": "active", "value": False}))
    assert found(named, 'active eq false and userName co "acme"') == ["Mats.Member@acme.be"]
    assert found(named, 'name.givenName sw "pau" and name.familyName eq "pension"') == ["paula.pension@acme.be"]
    assert found(named, f'id eq "{world.tax_member.pk}"') == ["tom@taxes.example"]
    assert found(named, 'id eq "nobody"') == []


def test_groups_are_filtered_by_name_and_member(world, scim_as):
    scim = scim_as(world.main)
    assert found(scim, 'displayName eq "employer"', "/Groups") == ["Employer"]
    assert found(scim, 'displayName co "TAX"', "/Groups") == ["Corporate taxpayer"]
    assert found(scim, 'displayName sw "Pension" and displayName ew "manager"', "/Groups") == ["Pension-fund manager"]
    assert found(scim, f'members[value eq "{world.tax_member.pk}"]', "/Groups") == ["Corporate taxpayer"]
    assert found(scim, f'members.value eq "{world.member.pk}"', "/Groups") == ["Employer"]


@pytest.mark.parametrize(
    ("expression", "detail"),
    [
        ('userName eq "a" or userName eq "b"', "The portal joins conditions with and only (not or)."),
        ('not (userName eq "a")', "The portal does not filter with not."),
        ('userName ne "a"', "This attribute is compared with co, eq, ew, sw only."),
        ('userName gt "a"', "This attribute is compared with co, eq, ew, sw only."),
        (
            'emails.value eq "a@b.c"',
            "The portal filters Users on id, userName, externalId, name.givenName, name.familyName, active only.",
        ),  # fmt: skip
        (
            "title pr",
            "The portal filters Users on id, userName, externalId, name.givenName, name.familyName, active only.",
        ),  # fmt: skip
        ("active eq 1", "active is compared with true or false."),
        ("userName eq true", "This attribute is compared with a string."),
        ('emails[type eq "work"]', 'The portal selects values only as members[value eq "<id of a User>"].'),
        ('userName eq "a', "The filter is not in the syntax of RFC 7644 §3.4.2.2 at column 13."),
        ("userName", "The filter is not in the syntax of RFC 7644 §3.4.2.2 at column 1."),
        ("not (" * 40 + 'userName eq "a"' + ")" * 40, "The filter is not in the syntax of RFC 7644 §3.4.2.2."),
        ('userName eq "' + "x" * 2000 + '"', "A filter has 1000 characters at most."),
    ],
)
def test_what_the_portal_does_not_filter_on_is_an_invalid_filter(world, scim_as, expression, detail):
    response = scim_as(world.main).get("/Users", {"filter": expression})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"
    assert response.json()["detail"] == detail


def test_the_national_register_number_is_never_filtered_on_in_an_address(world, scim_as):
    # A number that is nobody's: put in an address on purpose, it is not one the witness of leaks
    # is to look for.
    number = make_niss(date(1971, 3, 9), 412)
    attribute = "urn:be:socialsecurity:access:scim:schemas:extension:2.0:User:nationalRegisterNumber"
    response = scim_as(world.main).get("/Users", {"filter": f'{attribute} eq "{number}"'})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"
    assert response.json()["detail"] == (
        "The national register number is never put in an address: "
        "search for it in the body of a POST to /Users/.search."
    )
    assert number not in response.content.decode()


def test_the_national_register_number_is_searched_for_in_a_body(world, scim_as):
    scim = scim_as(world.main)
    attribute = "urn:be:socialsecurity:access:scim:schemas:extension:2.0:User:nationalRegisterNumber"
    response = scim.post("/Users/.search", {"schemas": [SEARCH], "filter": f'{attribute} eq "{world.member.niss}"'})
    assert response.status_code == 200, response.content
    assert [user["id"] for user in response.json()["Resources"]] == [str(world.member.pk)]
    # Someone's number outside the token's scope finds nothing, and says nothing more.
    response = scim.post("/Users/.search", {"schemas": [SEARCH], "filter": f'{attribute} eq "{world.outsider.niss}"'})
    assert response.json()["totalResults"] == 0
    wrong = world.member.niss[:9] + f"{(int(world.member.niss[9:]) + 1) % 100:02d}"
    response = scim.post("/Users/.search", {"schemas": [SEARCH], "filter": f'{attribute} eq "{wrong}"'})
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidFilter")
    assert wrong not in response.content.decode()


def test_a_search_at_the_root_reads_users_then_groups(world, scim_as):
    scim = scim_as(world.group_manager)
    response = scim.post("/.search", {"schemas": [SEARCH], "attributes": ["id"], "count": 10})
    assert response.status_code == 200, response.content
    resources = response.json()["Resources"]
    assert [(resource["schemas"][0].rsplit(":", 1)[1], resource["id"]) for resource in resources] == [
        ("User", str(world.member.pk)),
        ("Group", str(world.groups["employer"].pk)),
    ]
    # An attribute of Groups only is false for Users.
    response = scim.post("/.search", {"schemas": [SEARCH], "filter": 'displayName eq "employer"'})
    assert response.json()["totalResults"] == 1
    response = scim.post("/.search", {"schemas": [SEARCH], "filter": 'nickName eq "x"'})
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidFilter")


def test_attributes_choose_what_is_answered(world, scim_as):
    scim = scim_as(world.main)
    user = scim.get(f"/Users/{world.member.pk}", {"attributes": "userName"}).json()
    assert set(user) == {"schemas", "id", "userName"}
    user = scim.get(f"/Users/{world.member.pk}", {"excludedAttributes": "name,emails"}).json()
    assert "name" not in user and "userName" in user
    group = scim.get("/Groups", {"excludedAttributes": "members"}).json()["Resources"][0]
    assert "members" not in group and group["displayName"] == "Employer"
    response = scim.get("/Users", {"attributes": "userName", "excludedAttributes": "name"})
    assert response.status_code == 400


def test_unknown_people_are_not_found_by_a_search(world, scim_as):
    factories.member(factories.person(given_name="Elsewhere"), world.other_groups["employer"])
    assert found(scim_as(world.main), 'name.givenName eq "Elsewhere"') == []
