"""Fixtures of the document tests; the builders are in support.py."""
import pytest
from freezegun import freeze_time


@pytest.fixture
def frozen():
    """freeze(instant) → a running freezegun clock, stopped at the end of the test."""
    clocks = []

    def start(instant):
        clock = freeze_time(instant)
        clocks.append(clock)
        return clock.start()

    yield start
    for clock in reversed(clocks):
        clock.stop()

