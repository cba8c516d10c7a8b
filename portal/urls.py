from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from access import views as access_views
from accounts import views as account_views
from portal import views

handler404 = views.page_not_found
handler500 = views.server_error

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    # Prometheus asks for /metrics, without the slash.
    path("metrics", views.metrics, name="metrics"),
    path("about/accessibility/", views.accessibility, name="accessibility"),
    path("about/privacy/", views.privacy, name="privacy"),
    path("about/help/", views.help_and_contact, name="help"),
    # Browsers ask for /favicon.ico where a page names no icon; the static file's address is only
    # known once the static files are collected (it carries their hash), hence lazy.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.ico")), name="favicon"),
    path("e/<id:enterprise_id>/", include("access.urls")),
    path("e/<id:enterprise_id>/contact-data/", include("contactdata.urls")),
    path("e/<id:enterprise_id>/ebox/", include("ebox.urls")),
    path("e/<id:enterprise_id>/", include("chaman.urls")),
    path("e/<id:enterprise_id>/provisioning/", include("provisioning.urls")),
    path("e/<id:enterprise_id>/mandates/", include("mandates.urls")),
    path("e/<id:enterprise_id>/", include("imports.urls")),
    path("activated/", access_views.activated, name="activated"),
    path("my-access/", access_views.my_access_index, name="my_access_index"),
    path("", include("decisions.urls")),
    path("scim/v2/", include("provisioning.scim_urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

if settings.DEV_OUTBOX_ENABLED:
    urlpatterns.append(path("dev/outbox/", account_views.dev_outbox, name="dev_outbox"))

if settings.BENCHMARK_FLOOR_ENABLED:
    urlpatterns.append(path("benchmark/floor/", views.floor, name="benchmark_floor"))

if settings.DEV_IDP_ENABLED:
    urlpatterns.append(path("dev-idp/", include("devidp.urls")))
