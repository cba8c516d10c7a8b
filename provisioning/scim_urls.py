"""The SCIM 2.0 service under /scim/v2/ (RFC 7644 §3.2): the enterprise is the token's, never the
address's. Any other address under it answers a SCIM 404."""

from django.urls import path, re_path

from provisioning import scim

app_name = "scim"

urlpatterns = [
    path("", scim.not_found, name="root"),
    path("openapi.json", scim.openapi, name="openapi"),
    path("ServiceProviderConfig", scim.service_provider_config, name="service_provider_config"),
    path("ResourceTypes", scim.resource_types, name="resource_types"),
    path("ResourceTypes/<str:name>", scim.resource_type, name="resource_type"),
    path("Schemas", scim.schemas, name="schemas"),
    path("Schemas/<str:urn>", scim.schema, name="schema"),
    path("Users", scim.users, name="users"),
    path("Users/.search", scim.users_search, name="users_search"),
    path("Users/<str:user_id>", scim.user, name="user"),
    path("Groups", scim.groups, name="groups"),
    path("Groups/.search", scim.groups_search, name="groups_search"),
    path("Groups/<str:group_id>", scim.group, name="group"),
    path(".search", scim.root_search, name="search"),
    re_path(r"^(?P<path>.+)$", scim.not_found, name="not_found"),
]
