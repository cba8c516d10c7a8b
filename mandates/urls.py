from django.urls import path

from mandates import views

app_name = "mandates"

urlpatterns = [
    path("", views.mandate_list, name="list"),
    path("offer/", views.mandate_offer, name="offer"),
    path("<id:mandate_id>/", views.mandate_detail, name="detail"),
    path("<id:mandate_id>/accept/", views.mandate_accept, name="accept"),
    path("<id:mandate_id>/refuse/", views.mandate_refuse, name="refuse"),
    path("<id:mandate_id>/end/", views.mandate_end, name="end"),
    path("<id:mandate_id>/access/", views.mandate_access_grant, name="access_grant"),
    path("<id:mandate_id>/access/<id:access_id>/revoke/", views.mandate_access_revoke, name="access_revoke"),
]
