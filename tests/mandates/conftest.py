import pytest

from tests.decisions.conftest import register, token


@pytest.fixture
def dimona_token(world) -> str:  # type: ignore[no-untyped-def]
    """A token of the Dimona service's client, as tests/decisions has it: it asks about dimona and dmfa."""
    client, secret = register("Dimona", ("dimona", "dmfa"))
    return token(client, secret)
