"""The clients of the decision point: each online service is an OAuth 2.0 client.

`Client` is the toolkit's application model (OAUTH2_PROVIDER_APPLICATION_MODEL), narrowed to what
the portal needs: confidential, client-credentials grant only, secret stored as a hash, and the
online services it may ask about (its scopes, docs/decisions-api.md §3).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from access.models import OnlineService

SCOPE_PREFIX = "service:"


def scope_of(code: str) -> str:
    """The OAuth scope that names an online service: `service:dimona`."""
    return f"{SCOPE_PREFIX}{code}"


def code_of(scope: str) -> str | None:
    """The online service a scope names, or None for a scope that names none."""
    return scope.removeprefix(SCOPE_PREFIX) if scope.startswith(SCOPE_PREFIX) else None


class Client(AbstractApplication):
    # A client is an online service, not a person's application: no user owns it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+", editable=False
    )
    services = models.ManyToManyField(
        OnlineService,
        related_name="+",
        blank=True,
        verbose_name=_("online services"),
        help_text=_("The online services this client may ask about."),
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive client gets no token, and its tokens stop working.")
    )

    class Meta(AbstractApplication.Meta):
        verbose_name = _("client of the decision point")
        verbose_name_plural = _("clients of the decision point")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name or self.client_id

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Whatever a form says, a client is a confidential machine with the client-credentials grant
        # and a hashed secret (docs/decisions-api.md §3).
        self.client_type = AbstractApplication.CLIENT_CONFIDENTIAL
        self.authorization_grant_type = AbstractApplication.GRANT_CLIENT_CREDENTIALS
        self.hash_client_secret = True
        self.redirect_uris = ""
        self.post_logout_redirect_uris = ""
        self.allowed_origins = ""
        self.skip_authorization = False
        self.algorithm = AbstractApplication.NO_ALGORITHM
        super().save(*args, **kwargs)

    def is_usable(self, request: object) -> bool:
        """The toolkit asks before issuing a token and before accepting one."""
        return self.active
