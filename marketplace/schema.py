"""The OpenAPI schema documents the refusals as well as the successes.

Rules, so that every operation documents what it can answer (the API fuzz test holds us to it):
- 400 (field → messages): every write, whose serializer and service refuse bad input, and every
  read that takes query parameters;
- 401: every operation that reads a token (a missing, expired or revoked one);
- 403: every write that reads a token (a role that may not, a session without its CSRF token),
  and the reads marked `@also_answers(403)`;
- 404: every operation with an object id in its path;
- 415: every operation with a request body (sent in a media type it does not read);
- 429 with Retry-After: every write (marketplace.limits: quotas and rates guard writes only).

A FilterSet's parameters also say what the filters take: their bounds, and that an empty value
(a search form's untouched field) filters nothing.
"""

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import SAFE_METHODS

DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
COMPONENTS = {
    "Error": DETAIL,
    "ValidationError": {
        "type": "object",
        "description": "Each field that is wrong, with its messages; `non_field_errors` for the "
        "request as a whole.",
        "additionalProperties": {},
    },
    "LimitError": {
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "retry_after": {"type": "integer", "description": "Seconds to wait."},
        },
        "required": ["detail"],
    },
}
DESCRIPTIONS = {
    "400": "The request is not valid: each field that is wrong, with its messages.",
    "401": "No token, or one that has expired or was revoked.",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found, or not yours to see: an id that is not a whole number in range is too.",
    "415": "The body is not in a media type this operation reads.",
    "429": "Too many in too little time: wait for Retry-After seconds.",
}
BODIES = {"400": "ValidationError", "429": "LimitError"}


def also_answers(*statuses: int):
    """Mark a read that answers more than the rules above give it (`@also_answers(403)`)."""

    def mark(view_method):
        view_method.also_answers = tuple(str(status) for status in statuses)
        return view_method

    return mark


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for status in self._refusals(operation):
            operation["responses"].setdefault(status, self._refusal(status))
        self._describe_filters(operation.get("parameters", []))
        return operation

    def _describe_filters(self, parameters: list[dict]) -> None:
        filterset = getattr(self.view, "filterset_class", None)
        filters = filterset.base_filters if filterset else {}
        for parameter in parameters:
            search_filter = filters.get(parameter["name"]) if parameter["in"] == "query" else None
            if search_filter is None:
                continue
            parameter["allowEmptyValue"] = True
            for bound, keyword in (
                ("min_value", "minimum"),
                ("max_value", "maximum"),
                ("max_length", "maxLength"),
            ):
                if bound in search_filter.extra:
                    parameter["schema"][keyword] = search_filter.extra[bound]

    def _refusals(self, operation) -> list[str]:
        writes = self.method not in SAFE_METHODS
        reads_token = bool(self.view.get_authenticators())
        locations = {parameter["in"] for parameter in operation.get("parameters", [])}
        statuses = set(self._marked())
        if writes or "query" in locations:
            statuses.add("400")
        if reads_token:
            statuses.add("401")
        if reads_token and writes:
            statuses.add("403")
        if "path" in locations:
            statuses.add("404")
        if "requestBody" in operation:
            statuses.add("415")
        if writes:
            statuses.add("429")
        return sorted(statuses)

    def _marked(self) -> tuple[str, ...]:
        handler = getattr(self.view, "action", None) or self.method.lower()
        return getattr(getattr(self.view, handler, None), "also_answers", ())

    def _refusal(self, status: str) -> dict:
        name = BODIES.get(status, "Error")
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=COMPONENTS[name]
        )
        self.registry.register_on_missing(component)
        response = {
            "description": DESCRIPTIONS[status],
            "content": {"application/json": {"schema": component.ref}},
        }
        if status == "429":
            response["headers"] = {
                "Retry-After": {
                    "description": "Whole seconds to wait before trying again.",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
        return response
