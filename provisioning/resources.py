"""The SCIM 2.0 resources the portal serves (RFC 7643), as scim2-models classes, and its discovery
documents (docs/provisioning.md §3).

The classes declare only what the portal keeps: a User is a person of the enterprise (userName,
name, emails, externalId, active, and the national register number in the portal's extension), a
Group one of the enterprise's permission groups (its members, and in the portal's extension the
online services granted to each member and those the group lets managers grant). The schemas
published at /Schemas are made from these classes, so the two cannot differ.
"""

import hashlib
import json
from typing import Annotated, Any

from pydantic import Field
from scim2_models import (
    URI,
    AnyExtension,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    Context,
    ETag,
    Extension,
    External,
    Filter,
    Meta,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    Schema,
    SchemaExtension,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)
from scim2_models import URN as Urn

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
# The portal's own extensions (its URNs; the IETF's enterprise extension is not used).
PERSON_SCHEMA = "urn:be:socialsecurity:access:scim:schemas:extension:2.0:User"
PERMISSIONS_SCHEMA = "urn:be:socialsecurity:access:scim:schemas:extension:2.0:Group"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

# At most this many resources in one page of a list (ServiceProviderConfig's filter.maxResults).
MAX_RESULTS = 200
DEFAULT_COUNT = 100


class Name(ComplexAttribute):
    """The person's names as the HR system gives them."""

    family_name: Annotated[str | None, Required.true] = Field(default=None, min_length=1, max_length=100)
    """The family name (surname)."""

    given_name: Annotated[str | None, Required.true] = Field(default=None, min_length=1, max_length=100)
    """The given name."""


class Email(ComplexAttribute):
    """An e-mail address of the person."""

    value: Annotated[str | None, Required.true] = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    """The address."""

    type: str | None = Field(default=None, max_length=64)
    """work, home or other."""

    primary: bool | None = None
    """The address the person is told at (one at most)."""


class Person(Extension):
    """The person's national register number (NISS, or BIS number): who they are for the portal."""

    __schema__ = Urn(PERSON_SCHEMA)

    national_register_number: Annotated[
        str | None, Mutability.immutable, Required.true, CaseExact.true, Uniqueness.server
    ] = Field(default=None, max_length=11)
    """11 digits with valid check digits. Given when the user is created, never changed; never
    put in an address or a filter of an address."""


class User(Resource[AnyExtension]):
    """A person of the enterprise: a user of one of its groups, or a person its HR system
    provisioned who is in no group yet."""

    __schema__ = Urn(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = Field(default=None, max_length=200)
    """The person's name in the HR system, unique in the enterprise (case aside). A person the HR
    system has not named is `person-<id>`, the portal's name for them."""

    name: Annotated[Name | None, Required.true] = None
    """The person's names as the HR system gives them (the portal's, until it does): a person
    always has a given name and a family name."""

    active: Annotated[bool | None, Required.true] = None
    """false: blocked for all groups of the enterprise (the portal's block); true lifts that block."""

    emails: list[Email] | None = Field(default=None, max_length=10)
    """The person's e-mail addresses as the HR system gives them (the portal's, until it does)."""


class Member(ComplexAttribute):
    """A user of the group."""

    value: Annotated[str | None, Mutability.immutable, Required.true, CaseExact.true] = Field(
        default=None, max_length=20
    )
    """The id of the User."""

    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(  # type: ignore[type-arg]
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    """The address of the User."""

    display: Annotated[str | None, Mutability.read_only] = None
    """The person's name."""

    type: Annotated[str | None, Mutability.immutable] = Field(default=None, max_length=10)
    """User: a group's members are people."""


class GrantEntry(ComplexAttribute):
    """One online service granted to one member of the group."""

    value: Annotated[str | None, Required.true, CaseExact.true] = Field(default=None, max_length=20)
    """The id of the User (a member of the group)."""

    service: Annotated[str | None, Required.true, CaseExact.true] = Field(default=None, max_length=50)
    """The code of the online service, one of grantableServices."""


class Permissions(Extension):
    """The online services of a permission group: those granted to each member, and those the
    group lets managers grant (its grant ceiling)."""

    __schema__ = Urn(PERMISSIONS_SCHEMA)

    grants: list[GrantEntry] | None = Field(default=None, max_length=100_000)
    """The online services granted, one entry per member and service."""

    grantable_services: Annotated[list[str] | None, Mutability.read_only] = None
    """The codes of the online services a manager may grant in this group."""

    role: Annotated[str | None, Mutability.read_only, CaseExact.true] = None
    """The code of the enterprise's role that this group is."""


class Group(Resource[AnyExtension]):
    """One of the enterprise's permission groups (an activated role of the enterprise). Groups come
    from the enterprise register: they are read and their members changed, never created,
    renamed or deleted here."""

    __schema__ = Urn(GROUP_SCHEMA)

    display_name: Annotated[str | None, Mutability.read_only, Required.true] = None
    """The group's name (its role's name in English)."""

    members: list[Member] | None = Field(default=None, max_length=100_000)
    """The users of the group."""


UserResource = User[Person]
GroupResource = Group[Permissions]
RESOURCES: dict[str, type[Resource[Any]]] = {"User": UserResource, "Group": GroupResource}
ENDPOINTS = {"User": "/Users", "Group": "/Groups"}


def _without_addresses(value: Any) -> Any:
    """A representation without its meta and its references, which name the portal's address."""
    if isinstance(value, list):
        return [_without_addresses(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_addresses(item) for key, item in value.items() if key not in ("meta", "$ref")}
    return value


def version_of(representation: dict[str, Any]) -> str:
    """A weak entity tag of a resource's representation: it changes whenever anything a client
    reads of the resource changes (RFC 7644 §3.14), and not with the address it is read at."""
    body = json.dumps(_without_addresses(representation), sort_keys=True, ensure_ascii=True)
    return f'W/"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'


def finished(resource: Resource[Any], meta: Meta) -> dict[str, Any]:
    """The full representation of a resource, with its meta and its version (the one the meta has,
    or one taken from all of the representation but its meta), dumped once."""
    resource.meta = meta
    representation = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    if meta.version is None:
        meta.version = version_of(representation)
        representation["meta"]["version"] = meta.version
    return representation


# --- Discovery (RFC 7644 §4) -------------------------------------------------------------------------


def service_provider_config(documentation: str, max_payload: int) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=Reference[External](documentation),
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=max_payload),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Provisioning token",
                description=(
                    "A provisioning token that a manager of the enterprise made on the portal's "
                    "Provisioning page, sent as Authorization: Bearer <token>."
                ),
                spec_uri=Reference[External]("https://www.rfc-editor.org/rfc/rfc6750"),
                primary=True,
            )
        ],
    )


def resource_types() -> list[ResourceType]:
    return [
        ResourceType(
            id="User",
            name="User",
            description="A person of the enterprise.",
            endpoint=Reference[URI]("/Users"),
            schema=Reference[URI](USER_SCHEMA),
            schema_extensions=[SchemaExtension(schema=Reference[URI](PERSON_SCHEMA), required=True)],
        ),
        ResourceType(
            id="Group",
            name="Group",
            description="A permission group of the enterprise.",
            endpoint=Reference[URI]("/Groups"),
            schema=Reference[URI](GROUP_SCHEMA),
            schema_extensions=[SchemaExtension(schema=Reference[URI](PERMISSIONS_SCHEMA), required=False)],
        ),
    ]


def schemas() -> list[Schema]:
    """The schemas of the resources and extensions, then those of discovery itself."""
    made = [User.to_schema(), Person.to_schema(), Group.to_schema(), Permissions.to_schema()]
    made += [model.to_schema() for model in (ServiceProviderConfig, ResourceType, Schema)]
    return made


# --- The portal's data as resources ------------------------------------------------------------------


def _meta(kind: str, location: str, created: Any, modified: Any) -> Meta:
    created = created or modified
    return Meta(resource_type=kind, location=location, created=created, last_modified=modified or created)


def user_resource(person: Any, base: str) -> tuple[User[Any], Meta]:
    """A person of `selectors.users_in_scope` as a User, and its meta (without its version)."""
    provisioned = person.record_id is not None
    if provisioned:
        given_name, surname = person.record_given_name, person.record_surname
        emails = [Email.model_validate(email) for email in person.record_emails or []]
    else:
        given_name, surname = person.given_name, person.surname
        emails = [Email(value=person.email, primary=True)] if person.email else []
    resource: User[Any] = UserResource(
        id=str(person.pk),
        external_id=(person.record_external_id or None) if provisioned else None,
        user_name=person.user_name,
        name=Name(given_name=given_name, family_name=surname) if given_name or surname else None,
        active=not person.blocked_everywhere,
        emails=emails or None,
    )
    if person.niss:
        resource[Person] = Person(national_register_number=person.niss)
    created = person.first_event_at or (person.record_created_at if provisioned else None)
    meta = _meta("User", f"{base}/Users/{person.pk}", created, person.last_event_at or created)
    return resource, meta


MemberRows = tuple[list[tuple[int, str]], list[tuple[int, str]]]  # (person id, name), (person id, code)


def group_resource(
    group: Any, base: str, grantable: list[str], *, without_members: MemberRows | None = None
) -> tuple[Group[Any], Meta]:
    """A group of `selectors.groups_in_scope` as a Group, and its meta with its version; without
    its members and their grants when the client leaves them out (`without_members`: the rows of
    `selectors.member_rows`, for a group read without them). The version is the same either way:
    it is taken from the rows of the group, its members and their services, not from the
    representation, which a large group makes costly."""
    name = group.role_type.names.get("en") or group.role_type.code
    resource: Group[Any] = GroupResource(id=str(group.pk), display_name=name)
    resource[Permissions] = Permissions(grantable_services=sorted(grantable), role=group.role_type.code)
    if without_members is None:
        rows = [(membership.person_id, membership.person.full_name) for membership in group.current_members]
        granted = [
            (membership.person_id, grant.service.code)
            for membership in group.current_members
            for grant in sorted(membership.current_grants, key=lambda grant: grant.service.code)
        ]
        resource.members = [
            Member(value=str(person), ref=Reference(f"{base}/Users/{person}"), display=display, type="User")
            for person, display in rows
        ] or None
        resource[Permissions].grants = [GrantEntry(value=str(person), service=code) for person, code in granted] or None
    else:
        rows, granted = without_members
    meta = _meta("Group", f"{base}/Groups/{group.pk}", group.first_event_at or group.activated_at, group.last_event_at)
    meta.version = _group_version(resource, meta, rows, granted)
    return resource, meta


def _group_version(resource: Group[Any], meta: Meta, rows: list[Any], granted: list[Any]) -> str:
    """The weak entity tag of a Group: it changes with anything a client reads of it (RFC 7644 §3.14)."""
    extension = resource[Permissions]
    read = [resource.id, resource.display_name, extension.role, extension.grantable_services, rows, granted]
    body = json.dumps([*read, meta.created, meta.last_modified], default=str, ensure_ascii=True)
    return f'W/"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'
