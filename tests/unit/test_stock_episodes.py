"""Which stock events a level's change emits, from its (available, threshold) before and after: no database."""

import pytest

from app.events.domain import STOCK_LOW, STOCK_OUT, STOCK_REPLENISHED, crossings


@pytest.mark.parametrize(
    "before, after, events",
    [
        ((12, 5), (5, 5), [STOCK_LOW]),
        ((5, 5), (3, 5), []),  # still low: the episode goes on
        ((6, 5), (0, 5), [STOCK_LOW, STOCK_OUT]),
        ((2, 5), (0, 5), [STOCK_OUT]),
        ((0, 5), (6, 5), [STOCK_REPLENISHED]),
        ((8, 5), (8, 10), [STOCK_LOW]),  # a threshold change moves it across
        ((8, 10), (8, 3), [STOCK_REPLENISHED]),
        ((3, 5), (3, None), []),  # stops alerting (archived, warehouse inactive): silently
        ((3, None), (0, None), [STOCK_OUT]),  # out counts whatever the threshold
    ],
)
def test_crossings_while_alerting(before, after, events):
    assert crossings(before, after) == events


@pytest.mark.parametrize(
    "after, episode_open, events",
    [
        ((3, 5), True, []),  # still low in the episode it was in: no second stock.low
        ((3, 5), False, [STOCK_LOW]),  # low with no open episode: a new one
        ((9, 5), True, [STOCK_REPLENISHED]),  # recovered meanwhile: the episode ends
        ((9, 5), False, []),
    ],
)
def test_crossings_of_a_level_that_alerts_again(after, episode_open, events):
    assert crossings((after[0], None), after, episode_open=episode_open) == events


def test_an_open_episode_matters_only_to_a_level_that_alerts_again():
    assert crossings((12, 5), (3, 5), episode_open=True) == [STOCK_LOW]
    assert crossings((3, 5), (9, 5), episode_open=True) == [STOCK_REPLENISHED]
