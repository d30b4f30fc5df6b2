"""Receive an uploaded file onto disk, chunk by chunk (CSV imports can be 100,000 rows).

Two shapes are accepted: the file as the whole body (``Content-Type: text/csv``), or as
the ``file`` part of a ``multipart/form-data`` form (what a browser form sends, RFC 7578).
The body is copied to a temporary file as it arrives and the path is handed on; the file
is removed when the request is done. Starlette's form parser spools parts to disk past
1 MiB (python-multipart), so neither shape is held whole in memory.

The admin API (``receive_upload``) and the console's upload page (``form_upload``, over
the form its CSRF check already parsed) share one copy to disk.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import BinaryIO

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from scimbridge.errors import InvalidRequest

_CHUNK = 1 << 16
FILE_FIELD = "file"


@asynccontextmanager
async def _temporary_file() -> AsyncIterator[tuple[Path, BinaryIO]]:
    """A new temporary file open for writing; removed when the block ends."""
    handle, name = tempfile.mkstemp(prefix="scimbridge-upload-", suffix=".csv")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            yield path, target
    finally:
        path.unlink(missing_ok=True)


async def _copy_part(form: FormData, target: BinaryIO) -> None:
    """The form's ``file`` part onto ``target``, in chunks; the form's spooled files are
    closed afterwards (they live until then in memory up to 1 MiB, on disk past it)."""
    try:
        part = form.get(FILE_FIELD)
        if not isinstance(part, UploadFile):
            raise InvalidRequest(
                f'a multipart upload needs the file in a part named "{FILE_FIELD}"'
            )
        await run_in_threadpool(shutil.copyfileobj, part.file, target, _CHUNK)
    finally:
        await form.close()


@asynccontextmanager
async def form_upload(form: FormData) -> AsyncIterator[Path]:
    """The ``file`` part of an already parsed multipart form, as a temporary file."""
    async with _temporary_file() as (path, target):
        await _copy_part(form, target)
        target.close()
        yield path


@asynccontextmanager
async def receive_upload(request: Request) -> AsyncIterator[Path]:
    """The request's file (its body, or its form's ``file`` part) as a temporary file."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    async with _temporary_file() as (path, target):
        if content_type == "multipart/form-data":
            await _copy_part(await request.form(max_files=1, max_fields=10), target)
        elif content_type in ("text/csv", "application/csv", "text/plain"):
            async for chunk in request.stream():
                target.write(chunk)
        else:
            raise InvalidRequest(
                "send the CSV file as the body (Content-Type: text/csv) or as the "
                '"file" part of a multipart/form-data form'
            )
        target.close()
        yield path
