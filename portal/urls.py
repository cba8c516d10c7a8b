from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from access import views as access_views
from accounts import views as account_views
from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("e/<int:enterprise_id>/", include("access.urls")),
    path("e/<int:enterprise_id>/contact-data/", include("contactdata.urls")),
    path("e/<int:enterprise_id>/ebox/", include("ebox.urls")),
    path("e/<int:enterprise_id>/", include("chaman.urls")),
    path("activated/", access_views.activated, name="activated"),
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
