from django import template

from favorites.services import SAVEABLE_STATUSES

register = template.Library()


@register.filter
def saveable(listing) -> bool:
    """Whether a buyer may save this flat now (favorite_add's rule): a saved one that left the
    market can still be unsaved, which the button decides with `is_favorite`."""
    return listing.status in SAVEABLE_STATUSES
