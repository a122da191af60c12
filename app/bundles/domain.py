"""Bundle rules that need no database: cycles, nesting depth, what bundles (and orders of them)
consume, and how many can be made.

Every walk of the graph here uses an explicit stack, never recursion: however deep a company's
bundles nest (older data may predate MAX_DEPTH), reading them cannot exhaust the interpreter's stack.
"""

from collections.abc import Iterable

# bundle id → [(component id, quantity per bundle)]
Graph = dict[int, list[tuple[int, int]]]

# A bundle of plain products is nested 1 level deep; one containing such a bundle, 2; and so on.
MAX_DEPTH = 10


def creates_cycle(graph: Graph, bundle_id: int, component_ids: Iterable[int]) -> bool:
    """Would giving the bundle these components let it contain itself, directly or indirectly?"""
    return bundle_id in _reachable(graph, component_ids)


def too_deep(graph: Graph, bundle_id: int, component_ids: Iterable[int]) -> bool:
    """Would giving the bundle these components nest it, or a bundle containing it, past MAX_DEPTH?"""
    changed = {**graph, bundle_id: [(component, 1) for component in component_ids]}
    containers: Graph = {}  # the graph reversed: product → [(bundle containing it, 1)]
    for bundle, components in changed.items():
        for component, _ in components:
            containers.setdefault(component, []).append((bundle, 1))
    depths = _depths(changed)
    return any(depths[b] > MAX_DEPTH for b in _reachable(containers, [bundle_id]))


def parts(graph: Graph, bundle_ids: Iterable[int]) -> set[int]:
    """Every product these bundles are made of, nested bundles included (not the bundles themselves)."""
    return _reachable(graph, (component for b in bundle_ids for component, _ in graph.get(b, ())))


def stocked_components(graph: Graph, bundle_ids: Iterable[int]) -> set[int]:
    """The products that hold the stock of these bundles: their components, through nested bundles."""
    return {product_id for product_id in parts(graph, bundle_ids) if product_id not in graph}


def availability(graph: Graph, bundle_id: int, stock: dict[int, dict[int, int]], warehouse_ids: Iterable[int],
                 unavailable: frozenset[int] = frozenset()) -> dict[int, int]:
    """Per warehouse, min over the stocked products a bundle consumes of ⌊available / units per
    bundle⌋: through nested bundles, a product used on several paths counts once with its units
    added up (what a sale of the bundle takes: explode), so every bundle shown can be sold.

    `stock` maps product id → warehouse id → available; a missing entry is 0. A product in
    `unavailable` (archived), the bundle or any part of it, makes the bundle 0.
    """
    warehouse_ids = list(warehouse_ids)
    if bundle_id not in graph or not unavailable.isdisjoint(parts(graph, [bundle_id]) | {bundle_id}):
        return dict.fromkeys(warehouse_ids, 0)
    needs = explode(graph, bundle_id, 1)
    return {
        w: min((max(stock.get(product_id, {}).get(w, 0), 0) // units for product_id, units in needs.items()), default=0)
        for w in warehouse_ids
    }


def explode(graph: Graph, product_id: int, quantity: int) -> dict[int, int]:
    """The stocked products and units that `quantity` of a product consumes (itself if not a bundle)."""
    needed = {product_id: quantity}
    # Bundles before their components: each bundle's total is complete when it is handed down.
    for bundle in reversed(_components_first(graph, [product_id])):
        for component, per_bundle in graph[bundle]:
            needed[component] = needed.get(component, 0) + needed[bundle] * per_bundle
    return {p: units for p, units in needed.items() if p not in graph}


def holdings(graph: Graph, quantities: dict[int, int]) -> dict[tuple[int, int | None], int]:
    """What an order of these products (product id → quantity) must hold: (stocked product, the bundle
    whose line needs it, or None for a plain line) → units, through nested bundles."""
    holds: dict[tuple[int, int | None], int] = {}
    for product_id, quantity in quantities.items():
        bundle_id = product_id if product_id in graph else None
        for stocked, units in explode(graph, product_id, quantity).items():
            holds[(stocked, bundle_id)] = holds.get((stocked, bundle_id), 0) + units
    return holds


def stocked_units(holds: dict[tuple[int, int | None], int]) -> dict[int, int]:
    """The units of each stocked product that holdings add up to, whichever lines they came from."""
    needed: dict[int, int] = {}
    for (stocked, _), units in holds.items():
        needed[stocked] = needed.get(stocked, 0) + units
    return needed


def _reachable(graph: Graph, starts: Iterable[int]) -> set[int]:
    """The products reachable from `starts` through bundle components, `starts` included."""
    stack, seen = list(starts), set()
    while stack:
        product_id = stack.pop()
        if product_id not in seen:
            seen.add(product_id)
            stack.extend(component for component, _ in graph.get(product_id, ()))
    return seen


def _components_first(graph: Graph, roots: Iterable[int]) -> list[int]:
    """The bundles reachable from `roots`, each listed after every bundle it contains (a depth-first
    post-order, iterative). A cycle, which the service never stores, would be cut, not followed forever."""
    order: list[int] = []
    entered: set[int] = set()
    for root in roots:
        if root not in graph or root in entered:
            continue
        entered.add(root)
        stack = [(root, iter(graph[root]))]
        while stack:
            bundle, components = stack[-1]
            for component, _ in components:
                if component in graph and component not in entered:
                    entered.add(component)
                    stack.append((component, iter(graph[component])))
                    break
            else:
                stack.pop()
                order.append(bundle)
    return order


def _depths(graph: Graph) -> dict[int, int]:
    """Each bundle's nesting depth: 1 + the deepest bundle among its components (0 for a product)."""
    depths: dict[int, int] = {}
    for bundle in _components_first(graph, graph):
        depths[bundle] = 1 + max((depths.get(component, 0) for component, _ in graph[bundle]), default=0)
    return depths
