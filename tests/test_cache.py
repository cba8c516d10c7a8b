"""The shared cache keeps one Redis client for all the calls of a thread (Django gives each thread
its own cache object): a gunicorn worker's requests share it."""

from django.core.cache import cache


def test_one_redis_client_serves_every_call():
    clients = []  # kept, so that no id is reused
    for number in range(20):
        cache.set(f"shared-client:{number}", number)
        assert cache.get(f"shared-client:{number}") == number
        clients.append(cache._cache.get_client(write=True))  # type: ignore[attr-defined]
        clients.append(cache._cache.get_client(write=False))  # type: ignore[attr-defined]
    assert len({id(client) for client in clients}) == 1
