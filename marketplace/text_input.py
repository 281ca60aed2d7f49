"""No request may carry a NUL character: PostgreSQL cannot store or even compare one.

A NUL reaching a query is a DataError (a 500) on PostgreSQL and works on SQLite, so the rule is
kept at the door, once, for every field: query strings here, JSON bodies in the API's parser.
Form and multipart fields are Django and DRF CharFields, which already refuse NUL.
"""

from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from marketplace.errors import API_PREFIX, json_error

NUL = "\x00"


def contains_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False


def nul_message() -> str:
    return _("Text cannot contain NUL characters.")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a NUL anywhere in the body (keys included) with a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if contains_nul(data):
            raise ParseError(nul_message())
        return data


class RefuseNulInQueryMiddleware:
    """A query string with a NUL in a name or a value is a 400 before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or any(
            NUL in key or any(NUL in value for value in values)
            for key, values in request.GET.lists()
        ):
            if request.path.startswith(API_PREFIX):
                return json_error(nul_message(), status=400)
            return defaults.bad_request(request, ValueError(nul_message()))
        return self.get_response(request)
