from django.urls import path

from ebox import views

app_name = "ebox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<id:message_id>/", views.message_detail, name="message"),
]
