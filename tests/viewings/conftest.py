import pytest

from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.viewings.factories import beijing, open_monday_to_saturday

# The `clock` fixture stands at Monday 2026-03-02 10:00, Beijing time.
TOMORROW_10 = beijing(2026, 3, 3, 10)


@pytest.fixture
def agent(db):
    agent = AgentFactory(language="en")
    open_monday_to_saturday(agent)
    return agent


@pytest.fixture
def listing(agent):
    return ListingFactory(agent=agent)


@pytest.fixture
def buyer(db):
    return BuyerFactory(language="en")
