"""Shared API plumbing: one error format for every endpoint."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from marketplace.errors import (
    STORAGE_RETRY_AFTER_SECONDS,
    StorageUnavailable,
    storage_unavailable_message,
)
from marketplace.limits import LimitExceeded


def exception_handler(exc, context):
    """Let services raise Django's ValidationError and still answer a 400 naming the field;
    a limit reached is a 429 that says when to retry; storage down is a 503."""
    if isinstance(exc, LimitExceeded):
        return Response(
            {"detail": exc.messages[0], "retry_after": exc.retry_after},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, StorageUnavailable):
        return Response(
            {"detail": storage_unavailable_message()},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
