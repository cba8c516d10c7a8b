"""The shared cache on Redis: Django's backend, with one redis-py client per connection pool (Django
gives each thread its own cache object, so one per pool and thread).

Django's client builds a new `redis.Redis` for every cache call, and each builds its table of reply
parsers (about 0.4 ms of processor, measured in the decision point's profile, where one decision makes
one call). A `redis.Redis` is safe to share between threads (each command takes a connection from the
pool), so the process keeps one per pool.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _SharedClients(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = super()  # Django's client, whose private parts the stubs do not list
        index = django_client._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClients
