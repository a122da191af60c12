"""Bundle rules that need no database: cycles, and how many bundles the components can make."""

from collections.abc import Iterable

# bundle id → [(component id, quantity per bundle)]
Graph = dict[int, list[tuple[int, int]]]


def creates_cycle(graph: Graph, bundle_id: int, component_ids: Iterable[int]) -> bool:
    """Would giving the bundle these components let it contain itself, directly or indirectly?"""
    stack, seen = list(component_ids), set()
    while stack:
        product_id = stack.pop()
        if product_id == bundle_id:
            return True
        if product_id not in seen:
            seen.add(product_id)
            stack.extend(component for component, _ in graph.get(product_id, ()))
    return False


def stocked_components(graph: Graph, bundle_ids: Iterable[int]) -> set[int]:
    """The products that hold the stock of these bundles: their components, through nested bundles."""
    stack, seen, stocked = list(bundle_ids), set(), set()
    while stack:
        product_id = stack.pop()
        if product_id in seen:
            continue
        seen.add(product_id)
        if product_id in graph:
            stack.extend(component for component, _ in graph[product_id])
        else:
            stocked.add(product_id)
    return stocked


def availability(graph: Graph, bundle_id: int, stock: dict[int, dict[int, int]], warehouse_ids: Iterable[int]) -> dict[int, int]:
    """Per warehouse, min over components of ⌊component available / quantity⌋, recursively.

    `stock` maps product id → warehouse id → available; a missing entry is 0.
    """
    memo: dict[tuple[int, int], int] = {}

    def available(product_id: int, warehouse_id: int) -> int:
        if product_id not in graph:
            return max(stock.get(product_id, {}).get(warehouse_id, 0), 0)
        key = (product_id, warehouse_id)
        if key not in memo:
            memo[key] = min(
                (available(component, warehouse_id) // quantity for component, quantity in graph[product_id]),
                default=0,
            )
        return memo[key]

    return {warehouse_id: available(bundle_id, warehouse_id) for warehouse_id in warehouse_ids}


def explode(graph: Graph, product_id: int, quantity: int) -> dict[int, int]:
    """The stocked products and units that `quantity` of a product consumes (itself if not a bundle)."""
    if product_id not in graph:
        return {product_id: quantity}
    units: dict[int, int] = {}
    for component, per_bundle in graph[product_id]:
        for stocked, count in explode(graph, component, quantity * per_bundle).items():
            units[stocked] = units.get(stocked, 0) + count
    return units
