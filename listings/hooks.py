"""Where the apps above listings plug in, so that listings names none of them.

listings is the base the marketplace apps are built on and imports none of them
(docs/architecture.md, "Layers"). An app that adds to what listings shows, or wants to hear what
happens to a listing, registers here at start-up (its AppConfig.ready); listings calls what is
registered, in the order registered:

- `register_viewer_flag`: a yes/no fact about a listing for the person looking (favorites:
  `is_favorite`). It is annotated in the listings query itself, so cards cost no extra query,
  and the API's list and detail show and document it.
- `register_card_note`: a figure another app keeps about a listing, shown as a line on its card
  that links to that app's page (insights: how far the price per m² is from the city's median,
  linking to the city's market page). Worked out once per page of cards, never per card, and
  shown in the API's search results and detail under its name.
- `register_detail_field`: a read-only API field of one listing that another app computes
  (messaging: `agent_median_response_seconds`).
- `register_price_cut_receiver`: told of a price cut on a listing on the market, inside the
  transaction that records it (favorites tells the buyers who saved the flat).
- `register_listing_count`: a figure per listing annotated in the listings query, for the agent's
  dashboard (/agent/) and workbench (the admin's listing list): favorites' `saves`, messaging's
  `unread_conversations` (urgent: such listings come first), insights' views and conversations.
- `register_listing_viewed_receiver`: told when someone reads a listing's page or API detail
  (insights counts the view).
- `register_todo_provider`: what an agent has to do today, on the admin's index page (listings:
  expiring listings and failed photos; messaging: buyers waiting for a reply). An app built later
  (viewings to confirm) registers its own provider in its AppConfig.ready and nothing else changes.

Plain calls rather than Django signals: every listener is one grep away (`register_`), runs in
the caller's transaction, and its error is the caller's error.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers


@dataclass(frozen=True)
class ViewerFlag:
    name: str
    annotate: Callable[..., QuerySet]  # annotate(listings, user=user): listings with `name`
    help_text: str

    def field(self) -> serializers.BooleanField:
        return serializers.BooleanField(read_only=True, default=False, help_text=self.help_text)


# A callable returning a new read-only serializer field whose source is the listing ("*").
FieldFactory = Callable[[], serializers.Field]
PriceCutReceiver = Callable[..., object]  # receiver(listing=…, change=…)

_viewer_flags: dict[str, ViewerFlag] = {}
_detail_fields: dict[str, FieldFactory] = {}
_price_cut_receivers: list[PriceCutReceiver] = []


@dataclass(frozen=True)
class TodoItem:
    """One thing to do: what (a sentence), since when or until when, and where to do it."""

    text: str
    link: str
    when: datetime | None = None  # how long it has waited, or when it is due
    overdue: bool = False

    @property
    def is_ahead(self) -> bool:
        return self.when is not None and self.when > timezone.now()


@dataclass(frozen=True)
class TodoGroup:
    title: str
    items: list[TodoItem]
    more: int = 0  # how many more there are than shown
    more_link: str = ""


# provider(user) -> a TodoGroup, or None when there is nothing to do.
TodoProvider = Callable[..., "TodoGroup | None"]

_todo_providers: list[TodoProvider] = []


def _register(registry: dict, name: str, entry) -> None:
    registered = registry.get(name)
    if registered is not None and registered != entry:
        raise ImproperlyConfigured(f"Listing field {name!r} is registered twice.")
    registry[name] = entry


def register_viewer_flag(name: str, annotate: Callable[..., QuerySet], *, help_text: str) -> None:
    """Cards and the listing page carry `name`, annotated by `annotate(listings, user=user)`."""
    _register(_viewer_flags, name, ViewerFlag(name, annotate, help_text))


def viewer_flags() -> list[ViewerFlag]:
    return list(_viewer_flags.values())


def with_viewer_flags(listings: QuerySet, *, user) -> QuerySet:
    for flag in _viewer_flags.values():
        listings = flag.annotate(listings, user=user)
    return listings


def register_detail_field(name: str, make_field: FieldFactory) -> None:
    """The API's listing detail shows `name`, computed by the field `make_field()` returns."""
    _register(_detail_fields, name, make_field)


def detail_fields() -> list[tuple[str, FieldFactory]]:
    return list(_detail_fields.items())


def register_price_cut_receiver(receiver: PriceCutReceiver) -> None:
    if receiver not in _price_cut_receivers:
        _price_cut_receivers.append(receiver)


def announce_price_cut(*, listing, change) -> None:
    """Tell every receiver, in the caller's transaction: their writes commit or roll back with
    the price change itself."""
    for receiver in _price_cut_receivers:
        receiver(listing=listing, change=change)


# --- notes on cards ------------------------------------------------------------------------


@dataclass(frozen=True)
class CardNote:
    name: str
    # for_listings(listings): {listing id: value} for the listings it has something to say about,
    # in a fixed number of queries whatever the number of listings (better: from the cache). A
    # value has `text` (a sentence, in the active language) and `link` (the page it points at).
    for_listings: Callable[[list], dict]
    make_field: FieldFactory  # the API field of a value; null where there is none


_card_notes: dict[str, CardNote] = {}


def register_card_note(name: str, for_listings: Callable[[list], dict], make_field) -> None:
    """Cards carry `name`, worked out for a whole page by `for_listings(listings)`."""
    _register(_card_notes, name, CardNote(name, for_listings, make_field))


def card_notes() -> list[CardNote]:
    return list(_card_notes.values())


def with_card_notes(listings: Iterable) -> list:
    """The listings of a page of cards, each with every note's value under its name (None where
    there is none) and `card_notes`, the values to show, in the order registered."""
    listings = list(listings)
    for listing in listings:
        listing.card_notes = []
    for note in _card_notes.values():
        values = note.for_listings(listings)
        for listing in listings:
            value = values.get(listing.pk)
            setattr(listing, note.name, value)
            if value is not None:
                listing.card_notes.append(value)
    return listings


# --- figures per listing, and its page being read -----------------------------------------


@dataclass(frozen=True)
class ListingCount:
    name: str
    label: str  # a lazy translation: the column's heading
    annotate: Callable[[QuerySet], QuerySet]  # annotate(listings): listings with `name`, an int
    # Whether a listing with some of these needs its agent now: the workbench puts it first.
    urgent: bool = False


ListingViewedReceiver = Callable[..., object]  # receiver(request=…, listing=…)

_listing_counts: dict[str, ListingCount] = {}
_listing_viewed_receivers: list[ListingViewedReceiver] = []


def register_listing_count(
    name: str, annotate: Callable[[QuerySet], QuerySet], *, label, urgent: bool = False
) -> None:
    """A figure per listing that an app above listings owns (favorites' saves, messaging's
    conversations, insights' views; a viewings app's viewings), annotated in the listings query
    itself, so a list of listings with every figure costs no extra query per figure."""
    _register(_listing_counts, name, ListingCount(name, label, annotate, urgent))


def listing_counts() -> list[ListingCount]:
    return list(_listing_counts.values())


def with_listing_counts(listings: QuerySet) -> QuerySet:
    for count in _listing_counts.values():
        listings = count.annotate(listings)
    return listings


def register_listing_viewed_receiver(receiver: ListingViewedReceiver) -> None:
    if receiver not in _listing_viewed_receivers:
        _listing_viewed_receivers.append(receiver)


def announce_listing_viewed(*, request, listing) -> None:
    """Someone read the listing's page or its API detail. Receivers must be cheap and must not
    fail the page: they run before the answer is sent."""
    for receiver in _listing_viewed_receivers:
        receiver(request=request, listing=listing)


def register_todo_provider(provider: TodoProvider) -> None:
    """The admin index lists `provider(user)`'s group of things to do, in the order registered.
    A provider runs a fixed number of queries, and shows only what `user` may act on."""
    if provider not in _todo_providers:
        _todo_providers.append(provider)


def todo_for(user) -> list[TodoGroup]:
    groups = (provider(user) for provider in _todo_providers)
    return [group for group in groups if group is not None]
