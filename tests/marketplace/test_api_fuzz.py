"""Every operation in /api/schema/, fuzzed by schemathesis as a visitor, a buyer and an agent.

Each (operation, role) pair gets schema-valid cases (half of them aimed at ids that exist, so
the views get past their 404s) and schema-invalid ones; every response must be no 5xx, a
status code the schema documents, and a body and headers that match it. Each case runs in a
savepoint that is rolled back, so a case that deletes the conversation leaves it for the next.
"""

import copy
import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.mutations import OperatorKind
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from alerts.services import saved_search_create
from favorites.services import favorite_add
from messaging.services import conversation_start, message_send
from notifications.models import Notification
from renovations.models import Role
from renovations.services import (
    expense_add,
    invitation_accept,
    invitation_create,
    project_create,
    task_create,
)
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.messaging.factories import ready_photo
from viewings.services import day_off_add

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]


def _number_for_text(mutation) -> bool:
    return (
        mutation.operator == OperatorKind.CHANGE_TYPE
        and mutation.original_value == "string"
        and mutation.new_value in ("number", "integer")
    )


def _text_on_the_wire(mutation, case) -> bool:
    """In a multipart body every part is text: a "boolean" note arrives as the note "true", and a
    text part where files are expected is not a file. The server cannot tell such a mutation
    from a valid request, so it is no schema violation it could refuse."""
    return (
        (case.media_type or "").startswith("multipart/")
        and mutation.operator == OperatorKind.CHANGE_TYPE
        and mutation.new_value in ("boolean", "number", "integer")
    )


def rejected_unless_only_a_number_for_text(ctx, response, case):
    """negative_data_rejection, except when all that is wrong is a JSON number sent for text.

    DRF's CharField takes a number as its decimal text on purpose (CharField.to_internal_value:
    "We're lenient with allowing basic numerics to be coerced into strings"): `{"body": 12}` is
    the message "12". That stores what the client meant and cannot break anything, so the API
    keeps DRF's behaviour rather than every text field refusing it.
    """
    mutations = case.meta.phase.data.mutations if case.meta else ()
    if mutations and all(
        _number_for_text(mutation) or _text_on_the_wire(mutation, case) for mutation in mutations
    ):
        return None
    return negative_data_rejection(ctx, response, case)


ROLES = ("anonymous", "buyer", "agent")
# At most this many cases per (operation, role) and mode: about 3,000 cases, 2½ minutes on
# SQLite and 1½ on PostgreSQL on a 2-core machine (measured).
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}
# Left out, on purpose: positive_data_acceptance (a schema-valid request may name an id the caller
# may not see, and that is a 404 by design), use_after_free and ensure_resource_availability
# (sequences of calls; every case here is rolled back), ignored_auth (each role is tested as
# itself), max_response_time (a shared CI machine says nothing about the API).
CHECKS = {
    GenerationMode.POSITIVE: [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ],
    # Schema-invalid input must be refused (4xx), not stored.
    GenerationMode.NEGATIVE: [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        # negative_data_rejection, but for one leniency we keep (see there)
        rejected_unless_only_a_number_for_text,
    ],
}
PLACEHOLDER = re.compile(r"([\w-]+)/\{(\w+)\}")


@functools.cache
def _raw_schema() -> dict:
    """What /api/schema/ serves, from drf-spectacular's generator (no request, no database)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations() -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, operations in _raw_schema()["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def api_schema():
    return schemathesis.openapi.from_dict(copy.deepcopy(_raw_schema()))


@dataclass
class World:
    tokens: dict[str, str | None]
    ids_by_collection: dict[str, int]


@pytest.fixture
def world() -> World:
    """A little of everything, so that some generated requests reach the views' real work."""
    buyer, agent = BuyerFactory(), AgentFactory()
    listing = ListingFactory(agent=agent)
    ListingFactory(agent=agent, draft=True)
    photo = ready_photo(listing, 1, is_cover=True)
    conversation, _ = conversation_start(buyer=buyer, listing=listing, body="Still for sale?")
    message_send(conversation=conversation, sender=agent, body="Yes, come and see it.")
    favorite_add(user=buyer, listing=listing)
    saved_search = saved_search_create(
        user=buyer, name="Cheap", params={"price_max": "50000"}, frequency="instant"
    )
    project = project_create(
        owner=buyer, data={"title": "Hegang flat", "budget": 20_000}, from_template=False
    )
    invitation, _ = invitation_create(
        project=project, by=buyer, username=agent.username, role=Role.MANAGER
    )
    member = invitation_accept(invitation=invitation, by=agent)
    # One still waiting for its answer: the agent's own, on a second project.
    second = project_create(owner=buyer, data={"title": "Second flat", "budget": 9_000})
    pending, _ = invitation_create(
        project=second, by=buyer, username=agent.username, role=Role.VIEWER
    )
    task = task_create(project=project, by=buyer, data={"name": "Tiling", "estimated_cost": 900})
    expense = expense_add(
        project=project,
        by=buyer,
        data={"amount": 300, "category": "materials", "task": task, "spent_on": date(2026, 1, 5)},
    )
    day_off = day_off_add(agent=agent, day=timezone.localdate() + timedelta(days=3))
    return World(
        tokens={
            "anonymous": None,
            "buyer": AuthToken.objects.create(buyer)[1],
            "agent": AuthToken.objects.create(agent)[1],
        },
        # The segment before an id in a path names what the id is of.
        ids_by_collection={
            "listings": listing.pk,
            "favorites": listing.pk,
            "photos": photo.pk,
            "conversations": conversation.pk,
            "notifications": Notification.objects.filter(recipient=buyer).latest("id").pk,
            "saved-searches": saved_search.pk,
            "renovations": project.pk,
            "members": member.pk,
            "invitations": pending.pk,
            "tasks": task.pk,
            "expenses": expense.pk,
            "days-off": day_off.pk,
        },
    )


@pytest.fixture
def wsgi_app(settings):
    """The real WSGI application, in this thread and this test's transaction.

    Like Django's test client, keep `close_old_connections` from closing the connection that
    holds the test's transaction at the start and end of each request.
    """
    settings.ALLOWED_HOSTS = ["localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def known_ids(path: str, world: World) -> dict[str, int] | None:
    """Path parameters naming objects that exist, or None if the path names an unknown kind."""
    params = {}
    for collection, name in PLACEHOLDER.findall(path):
        if collection not in world.ids_by_collection:
            return None
        params[name] = world.ids_by_collection[collection]
    return params


def takes_input(operation) -> bool:
    """Whether a request to it can be made invalid (the API declares no header parameters)."""
    return any(
        len(inputs) for inputs in (operation.path_parameters, operation.query, operation.body)
    )


def run_cases(strategy, max_examples: int, check) -> None:
    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def each(case):
        check(case)

    each()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_api_answers_every_case_as_its_schema_says(
    api_schema, world, wsgi_app, fuzz_tally, method, path, role
):
    operation = api_schema[path][method]
    token = world.tokens[role]
    headers = {"Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Token {token}"
    ids = known_ids(path, world)
    fuzz_tally["operations"] += 1

    for mode, max_examples in EXAMPLES.items():
        if mode == GenerationMode.NEGATIVE and not takes_input(operation):
            continue  # nothing to make invalid (GET /cities/)

        def answers_as_documented(case, checks=CHECKS[mode]):
            fuzz_tally["cases"] += 1
            with transaction.atomic():
                response = case.call(app=wsgi_app, headers=headers)
                transaction.set_rollback(True)
            fuzz_tally[f"status {response.status_code}"] += 1
            case.validate_response(response, checks=checks)

        strategy = operation.as_strategy(generation_mode=mode)
        if ids:
            strategy = st.one_of(
                strategy, operation.as_strategy(generation_mode=mode, path_parameters=ids)
            )
        try:
            run_cases(strategy, max_examples, answers_as_documented)
        except BaseException:
            fuzz_tally["failures"] += 1
            raise
