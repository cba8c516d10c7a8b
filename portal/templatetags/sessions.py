"""How the sessions page names a browser: "Firefox on Windows" rather than its user agent string."""

import re

from django import template
from django.utils.translation import gettext as _

register = template.Library()

# The first that matches names the browser: Edge and Opera also say Chrome, Chrome also says Safari.
BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chromium", r"Chromium/"),
    ("Chrome", r"Chrome/|CriOS/"),
    ("Safari", r"Safari/"),
)
SYSTEMS = (
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Macintosh|Mac OS X"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux"),
)


def first_match(names: tuple[tuple[str, str], ...], user_agent: str) -> str | None:
    return next((name for name, pattern in names if re.search(pattern, user_agent)), None)


@register.filter
def browser_and_device(user_agent: str) -> str:
    browser, system = first_match(BROWSERS, user_agent), first_match(SYSTEMS, user_agent)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return user_agent or _("Not known")
