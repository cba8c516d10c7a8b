"""The production settings with one insecure cookie: `check --deploy` must refuse them."""

from portal.settings import *  # noqa: F403

SESSION_COOKIE_SECURE = False
