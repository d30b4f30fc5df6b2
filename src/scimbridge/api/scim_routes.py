"""``/scim/v2/{directory_id}/…``: thin adapters from HTTP to ``services.scim``.

Each handler reads the body (size-capped by ``bodies.BodyLimit``), hands plain data to a
synchronous service function in a worker thread and renders the answer as
``application/scim+json`` (RFC 7644 §3.1). Clients may send ``application/json`` too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from scimbridge.api.bodies import parse_json
from scimbridge.api.deps import bearer_token, runtime_of
from scimbridge.api.responses import scim_response
from scimbridge.scim import discovery, listing
from scimbridge.scim.errors import ScimError, not_found
from scimbridge.scim.schemas import GROUP_RESOURCE, USER_RESOURCE, ResourceType
from scimbridge.services import scim, scim_bulk

router = APIRouter(prefix="/scim/v2/{directory_id}", include_in_schema=False)

RESOURCE_TYPES = {"Users": USER_RESOURCE, "Groups": GROUP_RESOURCE}


def _call(request: Request, directory_id: str) -> scim.ScimCall:
    return scim.ScimCall(
        directory_id=directory_id,
        token=bearer_token(request),
        query=dict(request.query_params),
        if_match=request.headers.get("if-match"),
        if_none_match=request.headers.get("if-none-match"),
    )


FIXED_ENDPOINTS = frozenset({"ServiceProviderConfig", "ResourceTypes", "Schemas", "Bulk"})


def _resource_type(endpoint: str) -> ResourceType:
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


async def _discovery(request: Request, directory_id: str, build: Callable[[str], Any]) -> Response:
    """Discovery documents need the directory's token too (RELIABILITY.md §6.1)."""
    runtime = runtime_of(request)
    await run_in_threadpool(scim.authorize, runtime, _call(request, directory_id))
    return scim_response(build(runtime.scim_base_url(directory_id)))


def _listed(documents: list[dict[str, Any]]) -> dict[str, Any]:
    return listing.list_response(documents, len(documents), 1)


@router.get("/ServiceProviderConfig")
async def service_provider_config(directory_id: str, request: Request) -> Response:
    limits = scim_bulk.limits(runtime_of(request))
    return await _discovery(
        request, directory_id, lambda base: discovery.service_provider_config(base, limits)
    )


@router.get("/ResourceTypes")
async def resource_types(directory_id: str, request: Request) -> Response:
    return await _discovery(
        request, directory_id, lambda base: _listed(discovery.resource_types(base))
    )


@router.get("/ResourceTypes/{name}")
async def resource_type(directory_id: str, name: str, request: Request) -> Response:
    return await _discovery(request, directory_id, lambda base: discovery.resource_type(base, name))


@router.get("/Schemas")
async def schemas(directory_id: str, request: Request) -> Response:
    return await _discovery(
        request, directory_id, lambda base: _listed(discovery.schemas_documents(base))
    )


@router.get("/Schemas/{urn}")
async def schema(directory_id: str, urn: str, request: Request) -> Response:
    return await _discovery(
        request, directory_id, lambda base: discovery.schema_document(base, urn)
    )


# --------------------------------------------------------------------------- bulk and root search


@router.post("/Bulk")
async def bulk(directory_id: str, request: Request) -> Response:
    runtime = runtime_of(request)
    body = await _body(request)
    answer = await run_in_threadpool(
        scim_bulk.run_bulk, runtime, _call(request, directory_id), body
    )
    return _render(answer)


@router.post("/.search")
async def search_root(directory_id: str, request: Request) -> Response:
    """RFC 7644 §3.4.3: a search across every resource type, Users first."""
    runtime = runtime_of(request)
    params = listing.parse_search_body(await _body(request))
    answer = await run_in_threadpool(scim.search_all, runtime, _call(request, directory_id), params)
    return _render(answer)


# --------------------------------------------------------------------------- resources


@router.get("/{endpoint}")
async def list_resources(directory_id: str, endpoint: str, request: Request) -> Response:
    runtime = runtime_of(request)
    resource_type = _resource_type(endpoint)
    call = _call(request, directory_id)
    return _render(await run_in_threadpool(scim.list_resources, runtime, call, resource_type))


@router.post("/{endpoint}/.search")
async def search(directory_id: str, endpoint: str, request: Request) -> Response:
    runtime = runtime_of(request)
    resource_type = _resource_type(endpoint)
    call = _call(request, directory_id)
    params = listing.parse_search_body(await _body(request))
    return _render(
        await run_in_threadpool(scim.list_resources, runtime, call, resource_type, params)
    )


@router.post("/{endpoint}")
async def create(directory_id: str, endpoint: str, request: Request) -> Response:
    runtime = runtime_of(request)
    resource_type = _resource_type(endpoint)
    body = await _body(request)
    call = _call(request, directory_id)
    return _render(await run_in_threadpool(scim.create, runtime, call, resource_type, body))


@router.get("/{endpoint}/{resource_id}")
async def get(directory_id: str, endpoint: str, resource_id: str, request: Request) -> Response:
    runtime = runtime_of(request)
    resource_type = _resource_type(endpoint)
    call = _call(request, directory_id)
    return _render(
        await run_in_threadpool(scim.get_resource, runtime, call, resource_type, resource_id)
    )


@router.put("/{endpoint}/{resource_id}")
async def replace(directory_id: str, endpoint: str, resource_id: str, request: Request) -> Response:
    runtime = runtime_of(request)
    resource_type = _resource_type(endpoint)
    body = await _body(request)
    call = _call(request, directory_id)
    return _render(
        await run_in_threadpool(scim.replace, runtime, call, resource_type, resource_id, body)
    )


@router.patch("/{endpoint}/{resource_id}")
async def patch(directory_id: str, endpoint: str, resource_id: str, request: Request) -> Response:
    runtime = runtime_of(request)
    resource_type = _resource_type(endpoint)
    body = await _body(request)
    call = _call(request, directory_id)
    return _render(
        await run_in_threadpool(scim.patch, runtime, call, resource_type, resource_id, body)
    )


@router.delete("/{endpoint}/{resource_id}")
async def delete(directory_id: str, endpoint: str, resource_id: str, request: Request) -> Response:
    runtime = runtime_of(request)
    resource_type = _resource_type(endpoint)
    call = _call(request, directory_id)
    return _render(await run_in_threadpool(scim.delete, runtime, call, resource_type, resource_id))
