from allauth.usersessions.models import UserSession
from django.contrib import admin

# Deleting a row there would leave its session alive but unlisted, out of reach of the logouts that
# end a person's sessions; a person ends their own sessions on their sessions page.
admin.site.unregister(UserSession)
