"""Bundle rules with no database: cycle detection, which products hold the stock, and availability."""

import pytest

from app.bundles.domain import availability, creates_cycle, explode, parts, stocked_components, too_deep

# Product ids, named for reading: plain products hold stock, bundles are made of other products.
CLOCK, BATTERY, BOX, RIBBON = 1, 2, 3, 4
GIFT_BOX, PARTY_PACK, MEGA_PACK, TOP = 10, 11, 12, 13
W1, W2, W3 = 100, 200, 300


# creates_cycle


def test_a_bundle_listing_itself_as_a_component_is_a_cycle():
    assert creates_cycle({}, GIFT_BOX, [CLOCK, GIFT_BOX]) is True


def test_a_bundle_made_of_plain_products_is_not_a_cycle():
    assert creates_cycle({}, GIFT_BOX, [CLOCK, BATTERY]) is False


def test_a_bundle_containing_a_bundle_that_contains_it_is_a_cycle():
    graph = {PARTY_PACK: [(GIFT_BOX, 1)]}
    assert creates_cycle(graph, GIFT_BOX, [PARTY_PACK]) is True


def test_an_indirect_cycle_through_two_other_bundles_is_detected():
    # GIFT_BOX → PARTY_PACK → MEGA_PACK → GIFT_BOX
    graph = {PARTY_PACK: [(MEGA_PACK, 1)], MEGA_PACK: [(GIFT_BOX, 2), (CLOCK, 1)]}
    assert creates_cycle(graph, GIFT_BOX, [PARTY_PACK]) is True


def test_a_cycle_deep_in_a_long_chain_is_detected():
    chain = {bundle: [(bundle + 1, 1)] for bundle in range(1000, 1050)}
    chain[1050] = [(GIFT_BOX, 1)]
    assert creates_cycle(chain, GIFT_BOX, [1000]) is True


def test_a_diamond_sharing_a_component_is_not_a_cycle():
    # TOP → PARTY_PACK → GIFT_BOX and TOP → MEGA_PACK → GIFT_BOX: GIFT_BOX reached twice, no loop.
    graph = {PARTY_PACK: [(GIFT_BOX, 1)], MEGA_PACK: [(GIFT_BOX, 2)], GIFT_BOX: [(CLOCK, 1)]}
    assert creates_cycle(graph, TOP, [PARTY_PACK, MEGA_PACK]) is False


def test_replacing_components_ignores_the_bundles_current_components():
    # GIFT_BOX currently contains PARTY_PACK; a new list without it cannot loop through it.
    graph = {GIFT_BOX: [(PARTY_PACK, 1)], PARTY_PACK: [(CLOCK, 1)]}
    assert creates_cycle(graph, GIFT_BOX, [CLOCK, BATTERY]) is False


def test_a_cycle_elsewhere_in_the_graph_does_not_condemn_an_unrelated_bundle():
    graph = {PARTY_PACK: [(MEGA_PACK, 1)], MEGA_PACK: [(PARTY_PACK, 1)]}
    assert creates_cycle(graph, GIFT_BOX, [PARTY_PACK]) is False


def test_no_components_is_not_a_cycle():
    assert creates_cycle({GIFT_BOX: [(CLOCK, 1)]}, GIFT_BOX, []) is False


# stocked_components


def test_the_stock_of_a_bundle_is_held_by_its_components():
    graph = {GIFT_BOX: [(CLOCK, 2), (BATTERY, 1)]}
    assert stocked_components(graph, [GIFT_BOX]) == {CLOCK, BATTERY}


def test_nested_bundles_are_followed_down_to_the_products_holding_stock():
    graph = {
        TOP: [(MEGA_PACK, 1), (RIBBON, 1)],
        MEGA_PACK: [(PARTY_PACK, 2)],
        PARTY_PACK: [(GIFT_BOX, 1), (BOX, 3)],
        GIFT_BOX: [(CLOCK, 1), (BATTERY, 2)],
    }
    assert stocked_components(graph, [TOP]) == {RIBBON, BOX, CLOCK, BATTERY}


def test_components_shared_by_several_bundles_are_listed_once():
    graph = {GIFT_BOX: [(CLOCK, 1), (BATTERY, 1)], PARTY_PACK: [(CLOCK, 3), (BOX, 1)]}
    assert stocked_components(graph, [GIFT_BOX, PARTY_PACK]) == {CLOCK, BATTERY, BOX}


def test_a_diamond_of_bundles_yields_each_stocked_product_once():
    graph = {TOP: [(PARTY_PACK, 1), (MEGA_PACK, 1)], PARTY_PACK: [(GIFT_BOX, 1)], MEGA_PACK: [(GIFT_BOX, 1)],
             GIFT_BOX: [(CLOCK, 1)]}
    assert stocked_components(graph, [TOP]) == {CLOCK}


def test_no_bundles_have_no_stocked_components():
    assert stocked_components({GIFT_BOX: [(CLOCK, 1)]}, []) == set()


# availability


@pytest.mark.parametrize(
    ("clock_available", "per_bundle", "expected"),
    [(10, 2, 5), (11, 2, 5), (1, 2, 0), (0, 1, 0), (9, 3, 3), (7, 1, 7)],
)
def test_availability_is_the_floor_of_component_available_over_quantity(clock_available, per_bundle, expected):
    graph = {GIFT_BOX: [(CLOCK, per_bundle)]}
    assert availability(graph, GIFT_BOX, {CLOCK: {W1: clock_available}}, [W1]) == {W1: expected}


def test_availability_is_the_minimum_across_components():
    graph = {GIFT_BOX: [(CLOCK, 2), (BATTERY, 1)]}
    stock = {CLOCK: {W1: 10}, BATTERY: {W1: 3}}
    assert availability(graph, GIFT_BOX, stock, [W1]) == {W1: 3}


def test_availability_is_computed_per_warehouse():
    graph = {GIFT_BOX: [(CLOCK, 2), (BATTERY, 1)]}
    stock = {CLOCK: {W1: 10, W2: 8}, BATTERY: {W1: 3, W2: 50}}
    assert availability(graph, GIFT_BOX, stock, [W1, W2]) == {W1: 3, W2: 4}


def test_a_component_with_no_level_in_a_warehouse_counts_as_zero():
    graph = {GIFT_BOX: [(CLOCK, 2), (BATTERY, 1)]}
    stock = {CLOCK: {W1: 10, W2: 5}, BATTERY: {W1: 3}}
    assert availability(graph, GIFT_BOX, stock, [W1, W2]) == {W1: 3, W2: 0}


def test_a_component_missing_from_the_stock_map_entirely_counts_as_zero():
    graph = {GIFT_BOX: [(CLOCK, 1), (BATTERY, 1)]}
    assert availability(graph, GIFT_BOX, {CLOCK: {W1: 10}}, [W1]) == {W1: 0}


@pytest.mark.parametrize("negative", [-1, -3, -100])
def test_negative_component_availability_is_treated_as_zero(negative):
    graph = {GIFT_BOX: [(CLOCK, 2), (BATTERY, 1)]}
    stock = {CLOCK: {W1: negative}, BATTERY: {W1: 5}}
    assert availability(graph, GIFT_BOX, stock, [W1]) == {W1: 0}


def test_a_nested_bundle_divides_the_inner_bundles_availability():
    # PARTY_PACK holds GIFT_BOX × 2; GIFT_BOX can be made 7 times → PARTY_PACK 3 times.
    graph = {PARTY_PACK: [(GIFT_BOX, 2)], GIFT_BOX: [(CLOCK, 2), (BATTERY, 1)]}
    stock = {CLOCK: {W1: 14}, BATTERY: {W1: 9}}
    assert availability(graph, PARTY_PACK, stock, [W1]) == {W1: 3}


def test_a_nested_bundle_takes_the_minimum_with_its_plain_components():
    graph = {PARTY_PACK: [(GIFT_BOX, 1), (RIBBON, 4)], GIFT_BOX: [(CLOCK, 1)]}
    stock = {CLOCK: {W1: 10}, RIBBON: {W1: 9}}
    assert availability(graph, PARTY_PACK, stock, [W1]) == {W1: 2}


def test_four_levels_of_nesting_multiply_the_quantities():
    # TOP ×2 MEGA ×2 PARTY ×2 GIFT ×2 CLOCK: one TOP needs 16 clocks.
    graph = {TOP: [(MEGA_PACK, 2)], MEGA_PACK: [(PARTY_PACK, 2)], PARTY_PACK: [(GIFT_BOX, 2)], GIFT_BOX: [(CLOCK, 2)]}
    stock = {CLOCK: {W1: 47, W2: 15, W3: 64}}
    assert availability(graph, TOP, stock, [W1, W2, W3]) == {W1: 2, W2: 0, W3: 4}


def test_a_diamond_of_bundles_adds_up_what_each_path_takes_of_the_shared_component():
    # One TOP takes 1 + 3 clocks: 10 clocks make 2, not the 3 each path alone would allow.
    graph = {TOP: [(PARTY_PACK, 1), (MEGA_PACK, 1)], PARTY_PACK: [(GIFT_BOX, 1)], MEGA_PACK: [(GIFT_BOX, 3)],
             GIFT_BOX: [(CLOCK, 1)]}
    assert availability(graph, TOP, {CLOCK: {W1: 10}}, [W1]) == {W1: 2}
    assert explode(graph, TOP, 2) == {CLOCK: 8}


def test_a_component_used_directly_and_inside_a_nested_bundle_counts_once_with_both_quantities():
    # PARTY_PACK = GIFT_BOX (2 clocks, 1 battery) + 1 battery: one takes 2 clocks and 2 batteries.
    graph = {PARTY_PACK: [(GIFT_BOX, 1), (BATTERY, 1)], GIFT_BOX: [(CLOCK, 2), (BATTERY, 1)]}
    stock = {CLOCK: {W1: 10}, BATTERY: {W1: 7}}
    assert availability(graph, PARTY_PACK, stock, [W1]) == {W1: 3}


@pytest.mark.parametrize("archived", [CLOCK, GIFT_BOX, PARTY_PACK])
def test_an_archived_part_at_any_depth_or_an_archived_bundle_makes_none(archived):
    graph = {PARTY_PACK: [(GIFT_BOX, 1), (RIBBON, 1)], GIFT_BOX: [(CLOCK, 1)]}
    stock = {CLOCK: {W1: 10}, RIBBON: {W1: 10}}
    assert availability(graph, PARTY_PACK, stock, [W1], frozenset({archived})) == {W1: 0}
    assert availability(graph, PARTY_PACK, stock, [W1], frozenset({BATTERY})) == {W1: 10}


def test_no_warehouses_give_no_availability():
    graph = {GIFT_BOX: [(CLOCK, 1)]}
    assert availability(graph, GIFT_BOX, {CLOCK: {W1: 10}}, []) == {}


def test_availability_is_reported_for_every_warehouse_asked_about():
    graph = {GIFT_BOX: [(CLOCK, 1)]}
    assert availability(graph, GIFT_BOX, {CLOCK: {W1: 4}}, [W1, W2, W3]) == {W1: 4, W2: 0, W3: 0}


# Nesting depth and walks that never recurse


def chain(levels: int, base: int = 1) -> dict:
    """Bundles 101, 102, … nested `levels` deep over product `base`: 101 = base, 102 = 101, …"""
    return {100 + level: [(100 + level - 1 if level > 1 else base, 1)] for level in range(1, levels + 1)}


def test_ten_levels_of_nesting_are_allowed():
    assert not too_deep(chain(9), 110, [109])


def test_an_eleventh_level_is_too_deep():
    assert too_deep(chain(10), 111, [110])


def test_deepening_a_bundle_is_too_deep_when_a_bundle_containing_it_passes_the_limit():
    graph = chain(10)
    graph[200] = [(2, 1)]
    # 101 made of 200 (1 deep) makes 101 2 deep, and 110 above it 11 deep.
    assert too_deep(graph, 101, [200])
    assert not too_deep(graph, 101, [2])


def test_a_chain_thousands_deep_is_exploded_and_measured_without_recursion():
    graph = chain(5_000)
    assert explode(graph, 5_100, 3) == {1: 3}
    assert availability(graph, 5_100, {1: {7: 12}}, [7]) == {7: 12}
    assert stocked_components(graph, [5_100]) == {1}
    assert creates_cycle(graph, 101, [5_100])


def test_an_archived_part_makes_every_bundle_containing_it_unavailable():
    graph = {10: [(1, 2), (2, 1)], 11: [(10, 1), (3, 1)]}
    stock = {1: {7: 10}, 2: {7: 10}, 3: {7: 10}}
    assert availability(graph, 11, stock, [7]) == {7: 5}
    assert availability(graph, 11, stock, [7], frozenset({2})) == {7: 0}
    assert availability(graph, 11, stock, [7], frozenset({10})) == {7: 0}
    assert availability(graph, 10, stock, [7], frozenset({3})) == {7: 5}


def test_the_parts_of_a_bundle_include_nested_bundles_but_not_itself():
    graph = {10: [(1, 2), (2, 1)], 11: [(10, 1), (3, 1)]}
    assert parts(graph, [11]) == {10, 1, 2, 3}
    assert parts(graph, [10]) == {1, 2}
