"""The decision point's addresses: AuthZEN's default paths (AuthZEN §10.1, table of endpoints),
its metadata at the well-known address, its OpenAPI document, and the token endpoint of the toolkit
(client credentials only: no authorization endpoint, no management pages), behind rate limits."""

from django.urls import path

from decisions import views

app_name = "decisions"

urlpatterns = [
    path(".well-known/authzen-configuration", views.configuration, name="configuration"),
    path("access/v1/evaluation", views.access_evaluation, name="access_evaluation"),
    path("access/v1/evaluations", views.access_evaluations, name="access_evaluations"),
    path("access/v1/search/resource", views.search_resource, name="search_resource"),
    path("access/v1/openapi.json", views.openapi, name="openapi"),
    path("oauth/token/", views.token, name="token"),
]
