"""What an app does once one of its photos is ready or hashed: photos names no app, apps
register here.

`register_ready_receiver(model, receiver)`: the pipeline calls `receiver(photo)` once the photo's
variants are made and in the storage they belong in (a cover to show, a cache to invalidate).

`register_hashed_receiver(model, receiver)` in the app's `AppConfig.ready`; the pipeline calls
`receiver(photo)` inside the transaction that records the hash, so what the receiver writes (the
lookalikes it found) commits with the hash or not at all, and a second run, finding the hash
there, calls nobody.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

HashedReceiver = Callable[..., None]

_receivers: dict[str, list[HashedReceiver]] = {}


def register_hashed_receiver(model, receiver: HashedReceiver) -> None:
    receivers = _receivers.setdefault(model._meta.label, [])
    if receiver in receivers:
        raise ImproperlyConfigured(f"{receiver!r} is registered twice for {model._meta.label}.")
    receivers.append(receiver)


def announce_hashed(photo) -> None:
    for receiver in _receivers.get(photo._meta.label, []):
        receiver(photo)


_ready_receivers: dict[str, list[HashedReceiver]] = {}


def register_ready_receiver(model, receiver: HashedReceiver) -> None:
    receivers = _ready_receivers.setdefault(model._meta.label, [])
    if receiver in receivers:
        raise ImproperlyConfigured(f"{receiver!r} is registered twice for {model._meta.label}.")
    receivers.append(receiver)


def announce_ready(photo) -> None:
    for receiver in _ready_receivers.get(photo._meta.label, []):
        receiver(photo)
