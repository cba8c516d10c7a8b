"""The suite runs on the real services that production uses."""

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection


@pytest.mark.django_db
def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"


def test_the_cache_is_redis():
    assert isinstance(caches["default"], RedisCache)
    cache.set("environment-check", "ok", 5)
    assert cache.get("environment-check") == "ok"
