"""The search page's paginator: it counts no further than the page needs.

A full COUNT(*) of a large city's listings reads them all (80 ms for 350,000 at 1M); past
COUNT_SHOWN_UP_TO the page says "1,000+" and counts only as far as the page asked for, to know
whether a next page exists.
"""

from functools import cached_property

from django.core.paginator import Paginator

COUNT_SHOWN_UP_TO = 1000
# However far a page number asks, a LIMIT the database takes (a page of 10**30 overflowed
# SQLite's integers) and beyond any city's listings: such a page counts them all, once.
MOST_COUNTED = 10**9


class CappedCountPaginator(Paginator):
    def __init__(self, object_list, per_page, *, page_number=None):
        super().__init__(object_list, per_page)
        try:
            number = max(int(page_number), 1)
        except (TypeError, ValueError):
            number = 1
        self.cap = min(max(COUNT_SHOWN_UP_TO, number * per_page), MOST_COUNTED) + 1

    @cached_property
    def count(self) -> int:
        """SELECT count(*) FROM (SELECT id ... LIMIT cap): at most `cap`. Only the id: the
        cards' annotations (cover, price cut) would be computed for every row counted."""
        return self.object_list.order_by().values("pk")[: self.cap].count()

    @property
    def count_is_capped(self) -> bool:
        """More results than shown as a number ("1,000+")."""
        return self.count > COUNT_SHOWN_UP_TO

    @property
    def total_unknown(self) -> bool:
        """The count stopped at the cap: the number of pages is not known."""
        return self.count >= self.cap
