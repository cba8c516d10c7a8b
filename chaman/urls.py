from django.urls import path

from chaman import views

app_name = "chaman"

urlpatterns = [
    path("chaman/", views.index, name="index"),
    path("chaman/sender/", views.sender_create, name="sender_create"),
    path("chaman/contact/", views.contact_save, name="contact_save"),
    path("chaman/channels/", views.channel_add, name="channel_add"),
    path("chaman/channels/<id:channel_id>/toggle/", views.channel_toggle, name="channel_toggle"),
    path("chaman/channels/<id:channel_id>/replace/", views.channel_replace, name="channel_replace"),
    path("structured-messages/", views.structured_messages, name="structured_messages"),
]
