"""Where the apps above viewings plug in, so that viewings names none of them.

- `register_viewing_done_receiver`: told when a buyer says a viewing took place, inside the
  transaction that records it (purchases ticks the checklist's "video viewing done" step).

Plain calls rather than Django signals, as in listings/hooks.py: every listener is one grep away
(`register_`), runs in the caller's transaction, and its error is the caller's error.
"""

from collections.abc import Callable

ViewingDoneReceiver = Callable[..., object]  # receiver(viewing=…)

_viewing_done_receivers: list[ViewingDoneReceiver] = []


def register_viewing_done_receiver(receiver: ViewingDoneReceiver) -> None:
    if receiver not in _viewing_done_receivers:
        _viewing_done_receivers.append(receiver)


def announce_viewing_done(*, viewing) -> None:
    for receiver in _viewing_done_receivers:
        receiver(viewing=viewing)
