"""Object ids as people type them in URLs and query strings.

An id is ASCII digits naming a value a 64-bit primary key can hold. Anything else (a sign, a
space, "null,null", other scripts' digits, 30 digits) names no object: a 404 in a path, a 400 in
a query parameter, and never a database error or an overflow.
"""

MAX_OBJECT_ID = 2**63 - 1  # the largest BigAutoField value, on PostgreSQL and SQLite alike
MAX_DIGITS = len(str(MAX_OBJECT_ID))
OBJECT_ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_OBJECT_ID}


def parse_object_id(raw: str) -> int | None:
    """The id written in `raw`, or None when it cannot be one."""
    if not (raw and len(raw) <= MAX_DIGITS and raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if value <= MAX_OBJECT_ID else None


class ObjectIdConverter:
    """`<id:listing_id>` in a URL pattern: the view gets an int, a bad id never reaches it."""

    regex = f"[0-9]{{1,{MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        object_id = parse_object_id(value)
        if object_id is None:
            raise ValueError(f"not an object id: {value!r}")  # Django answers 404
        return object_id

    def to_url(self, value) -> str:
        return str(value)
