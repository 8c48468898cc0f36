import httpx
import pytest

from tests.fixtures.factory import Factory
from tests.reports.data import World, build
from tests.reports.helpers import Report


@pytest.fixture
def world(factory: Factory) -> World:
    return build(factory)


@pytest.fixture
def report(client: httpx.Client) -> Report:
    return Report(client)
