"""Where a synchronous database call runs: on the event loop, or in the thread pool.

Every database call of the server is synchronous SQLAlchemy. Handing one to a thread and
back costs two wake-ups and a trip of the GIL between threads, which on SQLite costs
more than the query itself (profiled on a 2-core machine: a SCIM GET by id takes 1.4 ms
of CPU through the thread pool and 0.86 ms on the event loop; bench/README.md). So the
caller says whether a call is *bounded* (a few rows by index), and :func:`run` runs
bounded calls in place when the database allows it: SQLite, which answers in-process in
microseconds. PostgreSQL answers over a socket and can make a writer wait for a row lock,
so there every call goes to a thread, as does anything unbounded on either database.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

import anyio.to_thread
from sqlalchemy import Engine

P = ParamSpec("P")
T = TypeVar("T")


def may_run_inline(engine: Engine, enabled: bool) -> bool:
    """Whether bounded calls on ``engine`` may run on the event loop."""
    return enabled and engine.dialect.name == "sqlite"


async def run(inline: bool, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``func(*args, **kwargs)`` here when ``inline``, else in the thread pool."""
    if inline:
        return func(*args, **kwargs)
    return await anyio.to_thread.run_sync(partial(func, *args, **kwargs))
