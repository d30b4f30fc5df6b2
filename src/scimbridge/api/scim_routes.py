"""``/scim/v2/{directory_id}/…``: thin adapters from HTTP to ``services.scim``.

Each handler reads the body (size-capped by ``bodies.BodyLimit``), hands plain data to a
synchronous service function (on the event loop or in a worker thread, as
``store.calls`` decides from whether the work is bounded) and renders the answer as
``application/scim+json`` (RFC 7644 §3.1). Clients may send ``application/json`` too.

These are plain Starlette routes, placed first in the application's route table, not
FastAPI path operations: the SCIM surface is outside the OpenAPI document anyway, and
FastAPI's dependency and route resolution cost about 0.5 ms of CPU per request
(profiled on a 2-core machine; a GET by id costs 1 ms in all), which an IdP pushing a
whole company pays on every call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from scimbridge.api.bodies import parse_json
from scimbridge.api.deps import bearer_token, runtime_of
from scimbridge.api.request_capture import recorded
from scimbridge.api.responses import scim_response
from scimbridge.scim import discovery, listing
from scimbridge.scim.errors import ScimError, not_found
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE, ResourceType
from scimbridge.services import scim, scim_bulk, scim_search

PREFIX = "/scim/v2/{directory_id}"
RESOURCE_TYPES = {"Users": USER_RESOURCE, "Groups": GROUP_RESOURCE}


def _call(request: Request) -> scim.ScimCall:
    return scim.ScimCall(
        directory_id=request.path_params["directory_id"],
        token=bearer_token(request),
        query=dict(request.query_params),
        if_match=request.headers.get("if-match"),
        if_none_match=request.headers.get("if-none-match"),
    )


FIXED_ENDPOINTS = frozenset({"ServiceProviderConfig", "ResourceTypes", "Schemas", "Bulk"})


def _resource_type(request: Request) -> ResourceType:
    endpoint: str = request.path_params["endpoint"]
    resource_type = RESOURCE_TYPES.get(endpoint)
    if resource_type is not None:
        return resource_type
    if endpoint in FIXED_ENDPOINTS:
        # RFC 7644 §4: discovery endpoints are read-only; Bulk takes POST only (§3.7).
        raise ScimError(405, f"/{endpoint} does not support this method")
    raise not_found(f"no resource type at /{endpoint}")


def _render(answer: scim.ScimAnswer) -> Response:
    if answer.body is None:
        return Response(status_code=answer.status, headers=answer.headers)
    return scim_response(answer.body, answer.status, answer.headers)


async def _body(request: Request) -> Any:
    return parse_json(await request.body())


# --------------------------------------------------------------------------- discovery


async def _discovery(request: Request, build: Callable[[str], Any]) -> Response:
    """Discovery documents need the directory's token too (RELIABILITY.md §6.1)."""
    runtime = runtime_of(request)
    call = _call(request)
    await runtime.run_db(True, scim.authorize, runtime, call)
    return scim_response(build(runtime.scim_base_url(call.directory_id)))


def _listed(documents: list[dict[str, Any]]) -> dict[str, Any]:
    return listing.list_response(documents, len(documents), 1)


async def service_provider_config(request: Request) -> Response:
    limits = scim_bulk.limits(runtime_of(request))
    return await _discovery(request, lambda base: discovery.service_provider_config(base, limits))


async def resource_types(request: Request) -> Response:
    return await _discovery(request, lambda base: _listed(discovery.resource_types(base)))


async def resource_type(request: Request) -> Response:
    name = request.path_params["name"]
    return await _discovery(request, lambda base: discovery.resource_type(base, name))


async def schemas(request: Request) -> Response:
    return await _discovery(request, lambda base: _listed(discovery.schemas_documents(base)))


async def schema(request: Request) -> Response:
    urn = request.path_params["urn"]
    return await _discovery(request, lambda base: discovery.schema_document(base, urn))


# --------------------------------------------------------------------------- /Me

ME_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


async def me(request: Request) -> Response:
    """RFC 7644 §3.11: "If the service provider does not support the "/Me" URI
    authentication model, it SHOULD respond with HTTP status code 501 (Not Implemented)".

    A SCIM token belongs to a directory, not to a user, so there is no subject for /Me to
    alias. The token is still checked first, so /Me cannot tell a caller whether a
    directory exists (RELIABILITY.md §6.1).
    """
    runtime = runtime_of(request)
    await runtime.run_db(True, scim.authorize, runtime, _call(request))
    raise ScimError(
        501,
        "/Me is not implemented: a SCIM token authenticates a directory, not a user; "
        "use /Users/{id}",
    )


# --------------------------------------------------------------------------- bulk and root search
# Both can touch any number of rows: always in the thread pool (store.calls).


async def bulk(request: Request) -> Response:
    runtime = runtime_of(request)
    body = await _body(request)
    return _render(await runtime.run_db(False, scim_bulk.run_bulk, runtime, _call(request), body))


async def search_root(request: Request) -> Response:
    """RFC 7644 §3.4.3: a search across every resource type, Users first."""
    runtime = runtime_of(request)
    params = listing.parse_search_body(await _body(request))
    return _render(
        await runtime.run_db(False, scim_search.search_all, runtime, _call(request), params)
    )


# --------------------------------------------------------------------------- resources
# One User is bounded work; a Group carries its members (a PATCH of a few named members
# is bounded), and a list may scan unless it is a lookup by a unique key (store.calls
# decides where bounded work runs).


async def list_resources(request: Request) -> Response:
    runtime = runtime_of(request)
    resource_type = _resource_type(request)
    call = _call(request)
    bounded = scim.is_bounded_listing(resource_type, call.query.get("filter"))
    return _render(await runtime.run_db(bounded, scim.list_resources, runtime, call, resource_type))


async def search(request: Request) -> Response:
    runtime = runtime_of(request)
    resource_type = _resource_type(request)
    params = listing.parse_search_body(await _body(request))
    bounded = scim.is_bounded_listing(resource_type, params.filter)
    return _render(
        await runtime.run_db(
            bounded, scim.list_resources, runtime, _call(request), resource_type, params
        )
    )


BoundedRule = Callable[[ResourceType, Any, Mapping[str, str]], bool]


def _one_resource(resource_type: ResourceType, _body: Any, _query: Mapping[str, str]) -> bool:
    return resource_type is USER_RESOURCE


async def create(request: Request) -> Response:
    runtime = runtime_of(request)
    resource_type = _resource_type(request)
    body = await _body(request)
    bounded = scim.is_bounded_create(resource_type, body)
    return _render(
        await runtime.run_db(bounded, scim.create, runtime, _call(request), resource_type, body)
    )


async def _on_resource(
    request: Request,
    service: Callable[..., scim.ScimAnswer],
    *,
    with_body: bool,
    bounded: BoundedRule = _one_resource,
) -> Response:
    """GET, PUT, PATCH or DELETE of ``/{endpoint}/{resource_id}``."""
    runtime = runtime_of(request)
    resource_type = _resource_type(request)
    resource_id = request.path_params["resource_id"]
    call = _call(request)
    body = await _body(request) if with_body else None
    arguments = (runtime, call, resource_type, resource_id, *((body,) if with_body else ()))
    return _render(
        await runtime.run_db(bounded(resource_type, body, call.query), service, *arguments)
    )


async def get(request: Request) -> Response:
    return await _on_resource(request, scim.get_resource, with_body=False)


async def replace(request: Request) -> Response:
    return await _on_resource(request, scim.replace, with_body=True)


async def patch(request: Request) -> Response:
    return await _on_resource(request, scim.patch, with_body=True, bounded=scim.is_bounded_patch)


async def delete(request: Request) -> Response:
    return await _on_resource(request, scim.delete, with_body=False)


# --------------------------------------------------------------------------- route table


class ScimRoute(Route):
    """A route that records itself in the scope, so metrics label it by its template,
    and every request in the directory's SCIM request log (``api/request_capture.py``)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self
        await recorded(super().handle, scope, receive, send)


def _route(path: str, endpoint: Callable[[Request], Any], method: str) -> ScimRoute:
    return ScimRoute(PREFIX + path, endpoint, methods=[method], include_in_schema=False)


# Fixed names first: ``/Schemas/{urn}`` must not be taken for ``/{endpoint}/{resource_id}``.
ROUTES: list[Route] = [
    _route("/ServiceProviderConfig", service_provider_config, "GET"),
    _route("/ResourceTypes", resource_types, "GET"),
    _route("/ResourceTypes/{name}", resource_type, "GET"),
    _route("/Schemas", schemas, "GET"),
    _route("/Schemas/{urn}", schema, "GET"),
    _route("/Bulk", bulk, "POST"),
    _route("/.search", search_root, "POST"),
    ScimRoute(PREFIX + "/Me", me, methods=ME_METHODS, include_in_schema=False),
    ScimRoute(PREFIX + "/Me/{rest:path}", me, methods=ME_METHODS, include_in_schema=False),
    _route("/{endpoint}", list_resources, "GET"),
    _route("/{endpoint}/.search", search, "POST"),
    _route("/{endpoint}", create, "POST"),
    _route("/{endpoint}/{resource_id}", get, "GET"),
    _route("/{endpoint}/{resource_id}", replace, "PUT"),
    _route("/{endpoint}/{resource_id}", patch, "PATCH"),
    _route("/{endpoint}/{resource_id}", delete, "DELETE"),
]
