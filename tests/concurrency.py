"""Many requests at the same instant, each on its own thread and database connection."""

import threading
from collections.abc import Callable

from django.db import connections


def at_once(count: int, request: Callable[[int], object]) -> list[object]:
    """Run request(0) … request(count - 1) on `count` threads released together by a barrier;
    returns their results in order (an exception is returned as the result)."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = request(index)
        except Exception as error:  # the test reads it from the results
            results[index] = error
        finally:
            connections.close_all()  # each thread opened its own connection

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
