"""A crowd of clients for the concurrency stories: each its own OS process with its own HTTP session.

Kept apart from the test modules (and free of app imports) so a process starts quickly even
where it has to be spawned rather than forked.
"""

import multiprocessing
import queue

import requests

ANSWER_SECONDS = 120


def at_once(target, arguments: list[tuple]) -> list[tuple]:
    """Run target(*args, barrier, results) in one process per args, all released together; collect results."""
    # fork starts thirty clients in a blink on a small machine; spawn where fork does not exist.
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    barrier, results = context.Barrier(len(arguments)), context.Queue()
    processes = [context.Process(target=target, args=(*args, barrier, results)) for args in arguments]
    for process in processes:
        process.start()
    try:
        return [results.get(timeout=ANSWER_SECONDS) for _ in processes]
    except queue.Empty:
        raise AssertionError(f"a client process did not answer within {ANSWER_SECONDS} s") from None
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


def sell_one(base_url: str, token: str, product_id: int, warehouse_id: int, till: int, barrier, results) -> None:
    """Wait for every other till, then try to sell one unit; report (till, status, error slug)."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        try:
            barrier.wait(timeout=60)
            response = session.post(base_url + "/api/inventory/movements", timeout=60, json={
                "type": "sale", "product_id": product_id, "warehouse_id": warehouse_id, "quantity": 1,
                "reference": f"TILL-{till:02d}"})
            body = response.json()
            results.put((till, response.status_code, body.get("error")))
        except Exception as error:  # the parent must hear about every till, failed or not
            results.put((till, None, repr(error)))


def post_at_once(base_url: str, token: str, path: str, body: dict, headers: dict, client: int, barrier, results) -> None:
    """Wait for every other client, then POST; report (client, status, Idempotent-Replayed, body)."""
    with requests.Session() as session:
        session.headers.update({"Authorization": f"Bearer {token}", **headers})
        try:
            barrier.wait(timeout=60)
            response = session.post(base_url + path, json=body, timeout=60)
            results.put((client, response.status_code, response.headers.get("Idempotent-Replayed"), response.json()))
        except Exception as error:  # the parent must hear about every client, failed or not
            results.put((client, None, None, repr(error)))
