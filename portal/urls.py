from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal import views

admin.site.site_header = _("Access Management – staff")
admin.site.site_title = _("Access Management")

urlpatterns = [
    path("", views.home, name="home"),
    path("e/<int:enterprise_id>/", include("access.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
