"""The search page's paginator: it counts no further than the page needs.

A full COUNT(*) of a large city's listings reads them all (80 ms for 350,000 at 1M); past
COUNT_SHOWN_UP_TO the page says "1,000+" and counts only as far as the page asked for, to know
whether a next page exists. On PostgreSQL it first asks the planner how many rows the search
would find (EXPLAIN: planned, not run): an estimate far above the cap is trusted to mean
"1,000+", and the page then reads one card more than it shows to know whether a next page
exists, with no count at all. SQLite, and estimates near the cap, keep the capped count.
"""

import json
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db import connections

COUNT_SHOWN_UP_TO = 1000
# However far a page number asks, a LIMIT the database takes (a page of 10**30 overflowed
# SQLite's integers) and beyond any city's listings: such a page counts them all, once.
MOST_COUNTED = 10**9
# The planner's estimate stands for "more than the cap" only when it is this many times the
# cap: its guesses for several filters together are often off by 2 or 3, not by 10.
ESTIMATE_TRUSTED_FROM = 10


def planner_row_estimate(queryset) -> int | None:
    """How many rows PostgreSQL's planner expects the queryset to return; None elsewhere."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class CappedCountPaginator(Paginator):
    def __init__(self, object_list, per_page, *, page_number=None):
        super().__init__(object_list, per_page)
        try:
            number = max(int(page_number), 1)
        except (TypeError, ValueError):
            number = 1
        self.cap = min(max(COUNT_SHOWN_UP_TO, number * per_page), MOST_COUNTED) + 1
        self.estimated = False

    def _counted(self):
        """Only the id: the cards' annotations (cover, price cut) would be computed for every
        row counted."""
        return self.object_list.order_by().values("pk")

    @cached_property
    def count(self) -> int:
        """The planner's estimate when far above the cap (`estimated`), else
        SELECT count(*) FROM (SELECT id ... LIMIT cap): at most `cap`."""
        estimate = planner_row_estimate(self._counted())
        if estimate is not None and estimate >= ESTIMATE_TRUSTED_FROM * self.cap:
            self.estimated = True
            return estimate
        return self._counted()[: self.cap].count()

    def page(self, number):
        if not (self.count and self.estimated):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if len(rows) > self.per_page:
            return EstimatedPage(rows[: self.per_page], number, self)
        # The estimate was far off: this is the last page, or past it.
        self.estimated = False
        self.__dict__.pop("num_pages", None)
        if rows:
            self.__dict__["count"] = bottom + len(rows)
            return self._get_page(rows, number, self)
        self.__dict__["count"] = self._counted()[: self.cap].count()
        return super().page(min(number, self.num_pages))

    @property
    def count_is_capped(self) -> bool:
        """More results than shown as a number ("1,000+")."""
        return self.count > COUNT_SHOWN_UP_TO

    @property
    def total_unknown(self) -> bool:
        """The count stopped at the cap (or is an estimate): the number of pages is not known."""
        return self.estimated or self.count >= self.cap


class EstimatedPage(Page):
    """A page of a search whose count is the planner's estimate, read with one row more than it
    shows: that row says another page follows."""

    def has_next(self) -> bool:
        return True
