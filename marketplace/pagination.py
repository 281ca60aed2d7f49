"""Keyset ("cursor") pagination: the same cost on page 1 and page 10,000, and no COUNT."""

import base64
import binascii
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import GeneratedField, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from marketplace.object_ids import MAX_OBJECT_ID, parse_object_id

FORWARD, BACKWARD = "n", "p"


class KeysetPagination(BasePagination):
    """Pages a queryset ordered by (field, id) with opaque `next` and `previous` links.

    The queryset must already be ordered by exactly two keys, a sort field and the
    primary key in the same direction (the ListingFilterSet always does this).
    """

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = 20
    max_page_size = 100
    invalid_cursor_message = _(
        "This cursor is not valid for this search. Start again from the first page."
    )
    invalid_page_size_message = _("Enter a whole number from 1 to %(max)d.")

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        self.request = request
        self.page_size = self._page_size(request)
        sort, _tie_breaker = queryset.query.order_by
        self.sort_name = sort.lstrip("-")
        self.descending = sort.startswith("-")
        annotation = queryset.query.annotations.get(self.sort_name)
        self.sort_field = (
            annotation.output_field
            if annotation is not None
            else queryset.model._meta.get_field(self.sort_name)
        )
        cursor = self._decode_cursor(request, sort)
        self.had_cursor = cursor is not None
        self.direction = cursor[0] if cursor else FORWARD

        if cursor:
            queryset = queryset.filter(self._after(cursor[1], cursor[2], self.direction))
        if self.direction == BACKWARD:
            queryset = queryset.reverse()
        rows = list(queryset[: self.page_size + 1])
        self.has_more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if self.direction == BACKWARD:
            rows.reverse()
        self.sort_key = sort
        self.rows = rows
        return rows

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_next_link(self):
        if not self.rows:
            return None
        more_after = self.has_more if self.direction == FORWARD else True
        return self._link(FORWARD, self.rows[-1]) if more_after else None

    def get_previous_link(self):
        if not self.rows:
            return None
        more_before = self.has_more if self.direction == BACKWARD else self.had_cursor
        return self._link(BACKWARD, self.rows[0]) if more_before else None

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(_("The opaque cursor from a `next` or `previous` link.")),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Results per page, 1 to %(max)d.") % {"max": self.max_page_size}
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = parse_object_id(raw)  # digits only, and never thousands of them for int()
        if size is None or not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        self.invalid_page_size_message % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def _after(self, value, pk, direction) -> Q:
        """Rows strictly after (value, pk) in the direction of travel."""
        going_up = self.descending == (direction == BACKWARD)
        beyond, within = ("gt", "gte") if going_up else ("lt", "lte")
        name = self.sort_name
        # The redundant `within` bound lets the database start an index range scan at the cursor.
        return Q(**{f"{name}__{within}": value}) & (
            Q(**{f"{name}__{beyond}": value}) | Q(**{name: value, f"pk__{beyond}": pk})
        )

    def _link(self, direction: str, row) -> str:
        value = getattr(row, self.sort_name)
        if isinstance(value, date):  # a datetime is a date too
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        payload = json.dumps({"d": direction, "o": self.sort_key, "v": value, "id": row.pk})
        token = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, token)

    def _decode_cursor(self, request, sort_key: str):
        token = request.query_params.get(self.cursor_query_param)
        if token is None:
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if payload["o"] != sort_key or payload["d"] not in (FORWARD, BACKWARD):
                raise ValueError
            field = (
                self.sort_field.output_field
                if isinstance(self.sort_field, GeneratedField)
                else self.sort_field
            )
            # clean(), not just to_python(): the field's validators bound the value the way
            # the stored rows are bounded, so no forged value can overflow the database.
            value = field.clean(payload["v"], None)
            pk = payload["id"]
        except (
            ValueError,
            TypeError,
            KeyError,
            AttributeError,
            OverflowError,
            binascii.Error,
            DjangoValidationError,
        ):
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None
        if (
            value is None
            or (isinstance(value, datetime) and not self._storable(value))
            or type(pk) is not int
            or not 0 < pk <= MAX_OBJECT_ID
        ):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        return payload["d"], value, pk

    @staticmethod
    def _storable(moment: datetime) -> bool:
        """Aware, and still a datetime in UTC (0001-01-01 at +14:00 is not)."""
        if timezone.is_naive(moment):
            return False
        try:
            moment.astimezone(UTC)
        except OverflowError:
            return False
        return True
