from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.fixtures.server import LiveServer
from tests.web.helpers import ApiUser
from turns.seed.demo import Credential


@pytest.fixture
def api_as(synced: LiveServer) -> Iterator[Callable[[Credential], ApiUser]]:
    """``api_as(credential)``: that user signed in to the test's server over plain HTTP."""
    users: list[ApiUser] = []

    def sign_in(credential: Credential) -> ApiUser:
        users.append(ApiUser(synced.base_url, credential))
        return users[-1]

    yield sign_in
    for user in users:
        user.close()
