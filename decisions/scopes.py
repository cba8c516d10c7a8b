"""The OAuth scopes of the decision point: one per online service of the catalogue, read from the
catalogue each time (a service added to it is a scope at once), and each client may ask for those
of its own services only (docs/decisions-api.md §3)."""

from typing import Any

from oauth2_provider.scopes import BaseScopes

from access.models import OnlineService
from decisions.models import scope_of


class ServiceScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return {
            scope_of(code): str(names.get("en") or code)
            for code, names in OnlineService.objects.values_list("code", "names")
        }

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if application is None:
            return []
        return [scope_of(code) for code in application.services.values_list("code", flat=True)]

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        """A token asked for without a scope carries every service of its client."""
        return self.get_available_scopes(application, request)
