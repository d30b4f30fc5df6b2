"""Receive an uploaded file onto disk, chunk by chunk (CSV imports can be 100,000 rows).

Two shapes are accepted: the file as the whole body (``Content-Type: text/csv``), or as
the ``file`` part of a ``multipart/form-data`` form (what a browser form sends, RFC 7578).
The body is copied to a temporary file as it arrives and the path is handed on; the file
is removed when the request is done. Starlette's form parser spools parts to disk past
1 MiB (python-multipart), so neither shape is held whole in memory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request

from scimbridge.errors import InvalidRequest

_CHUNK = 1 << 16


@asynccontextmanager
async def receive_upload(request: Request) -> AsyncIterator[Path]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    handle, name = tempfile.mkstemp(prefix="scimbridge-upload-", suffix=".csv")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            if content_type == "multipart/form-data":
                form = await request.form(max_files=1, max_fields=10)
                part = form.get("file")
                if not isinstance(part, UploadFile):
                    raise InvalidRequest('a multipart upload needs the file in a part named "file"')
                await run_in_threadpool(shutil.copyfileobj, part.file, target, _CHUNK)
                await form.close()
            elif content_type in ("text/csv", "application/csv", "text/plain"):
                async for chunk in request.stream():
                    target.write(chunk)
            else:
                raise InvalidRequest(
                    "send the CSV file as the body (Content-Type: text/csv) or as the "
                    '"file" part of a multipart/form-data form'
                )
        yield path
    finally:
        path.unlink(missing_ok=True)
