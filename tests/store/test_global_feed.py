"""The global feed's order: positions only for committed events, per-directory prefixes,
late commits after every cursor, exact ``types`` paging (issue 11 §1), on both databases.

The interleavings that broke the old order need two open write transactions, which only
PostgreSQL allows; those tests skip SQLite, where one writer at a time makes insert order
commit order.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, Engine, insert, select, text, update

from scimbridge.directory.models import PendingEvent
from scimbridge.errors import InvalidRequest
from scimbridge.ids import event_id
from scimbridge.services.events_feed import read_global_page
from scimbridge.store import global_feed, unit_of_work
from scimbridge.store.events import StoredEvent
from scimbridge.store.resources import SqlDirectoryStore
from scimbridge.store.tables import directories, events
from tests.store.test_events_store import NOW, append, make_directory


def only_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: no transaction can commit while another is open")


def append_in(connection: Connection, directory_id: str, count: int) -> None:
    store = SqlDirectoryStore(connection, NOW)
    directory = store.lock_directory(directory_id)
    assert directory is not None
    store.append_events(directory, [PendingEvent("user.created", {}) for _ in range(count)])


def whole_feed(engine: Engine, limit: int = 3, types: list[str] | None = None) -> list[StoredEvent]:
    """Follow the global feed page by page, as a poller does."""
    read: list[StoredEvent] = []
    after = None
    while page := read_global_page(engine, after=after, limit=limit, types=types):
        read.extend(page)
        after = page[-1].id
    return read


def order(page: list[StoredEvent]) -> list[tuple[str, int]]:
    return [(e.directory_id, e.sequence) for e in page]


def positions(engine: Engine) -> list[tuple[str, int, int | None]]:
    """(directory, sequence, feed position) of every event, in insert order."""
    with unit_of_work.read(engine) as connection:
        rows = connection.execute(
            select(events.c.directory_id, events.c.sequence, events.c.feed_position).order_by(
                events.c.position
            )
        )
        return [(row[0], row[1], row[2]) for row in rows]


def forget_positions(engine: Engine) -> None:
    """Make every event committed but unpositioned, as on PostgreSQL before a poll."""
    with unit_of_work.write(engine) as connection:
        connection.execute(update(events).values(feed_position=None))


def assert_prefixes(engine: Engine) -> None:
    """Per directory, the positioned events are sequences 1..k, positioned in order."""
    positioned: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for directory_id, sequence, feed_position in positions(engine):
        if feed_position is not None:
            positioned[directory_id].append((feed_position, sequence))
    for placed in positioned.values():
        assert [sequence for _, sequence in sorted(placed)] == list(range(1, len(placed) + 1))


class TestCommitOrder:
    def test_a_transaction_that_took_its_id_first_but_committed_second_comes_second(
        self, engine: Engine
    ) -> None:
        """The old feed ordered by transaction id: this event came out before sequence 1."""
        only_postgresql(engine)
        directory_id = make_directory(engine)
        with unit_of_work.write(engine) as late:
            late.execute(text("SELECT pg_current_xact_id()"))
            append(engine, directory_id, 1)
            append_in(late, directory_id, 1)
        assert order(whole_feed(engine)) == [(directory_id, 1), (directory_id, 2)]

    def test_an_open_transaction_holds_back_only_its_own_events(self, engine: Engine) -> None:
        only_postgresql(engine)
        slow, busy = make_directory(engine, "directory_slow"), make_directory(engine, "busy")
        append(engine, busy, 1)
        with unit_of_work.write(engine) as open_transaction:
            append_in(open_transaction, slow, 1)
            append(engine, busy, 1)
            seen = whole_feed(engine)
            assert order(seen) == [(busy, 1), (busy, 2)]
            # The sequencer ran (the busy directory's events have places) and left it alone.
            unplaced = select(events.c.feed_position).where(events.c.directory_id == slow)
            assert open_transaction.execute(unplaced).scalar_one() is None
        rest = read_global_page(engine, after=seen[-1].id, limit=10, types=None)
        assert order(rest) == [(slow, 1)]  # after the cursor already handed out


class TestSequencer:
    def test_positions_a_batch_at_a_time_in_insert_order(self, engine: Engine) -> None:
        first, second = make_directory(engine, "directory_a"), make_directory(engine, "b")
        for directory_id, count in [(first, 2), (second, 1), (first, 1), (second, 3)]:
            append(engine, directory_id, count)
        forget_positions(engine)
        given = []
        while True:
            with unit_of_work.write(engine) as connection:
                count = global_feed.position_committed(connection, batch=3)
            if not count:
                break
            given.append(count)
            assert_prefixes(engine)
            placed = [p for _, _, p in positions(engine) if p is not None]
            assert placed == list(range(1, len(placed) + 1))  # insert order, no hole
        assert given == [3, 3, 1]
        assert order(whole_feed(engine)) == [
            (first, 1),
            (first, 2),
            (second, 1),
            (first, 3),
            (second, 2),
            (second, 3),
            (second, 4),
        ]

    @pytest.fixture
    def backlog(self, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
        """Seven committed, unpositioned events and a sequencer that positions two a step."""
        monkeypatch.setattr(global_feed, "SEQUENCER_BATCH", 2)
        append(engine, make_directory(engine), 7)
        forget_positions(engine)

    @pytest.mark.usefixtures("backlog")
    def test_a_full_page_stops_the_sequencer(self, engine: Engine) -> None:
        """What is not positioned yet comes after every position: a full page is final."""
        page = read_global_page(engine, after=None, limit=3, types=None)
        assert [e.sequence for e in page] == [1, 2, 3]
        assert [p for _, _, p in positions(engine)] == [1, 2, 3, 4, None, None, None]

    @pytest.mark.usefixtures("backlog")
    def test_a_short_page_positions_everything_committed_before_the_request(
        self, engine: Engine
    ) -> None:
        page = read_global_page(engine, after=None, limit=100, types=None)
        assert [e.sequence for e in page] == list(range(1, 8))

    def test_a_held_lock_times_out_into_the_positioned_page(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A stuck sequencer costs freshness, never an error."""
        only_postgresql(engine)
        monkeypatch.setattr(global_feed, "SEQUENCER_LOCK_TIMEOUT", "50ms")
        directory_id = make_directory(engine)
        append(engine, directory_id, 2)
        read_global_page(engine, after=None, limit=10, types=None)
        append(engine, directory_id, 1)
        with unit_of_work.write(engine) as holder:
            holder.execute(text(f"SELECT pg_advisory_xact_lock({global_feed.FEED_LOCK_ID})"))
            page = read_global_page(engine, after=None, limit=10, types=None)
        assert [e.sequence for e in page] == [1, 2]
        assert [e.sequence for e in whole_feed(engine)] == [1, 2, 3]


class TestCursor:
    def test_unknown_cursor_is_refused(self, engine: Engine) -> None:
        with pytest.raises(InvalidRequest):
            read_global_page(engine, after="event_nope", limit=10, types=None)

    def test_an_unpositioned_cursor_is_positioned_and_nothing_after_it_is_skipped(
        self, engine: Engine
    ) -> None:
        """An id from a webhook or the directory feed may not have a place yet."""
        first, second = make_directory(engine, "directory_a"), make_directory(engine, "b")
        append(engine, first, 2)
        unpositioned = event_id()
        with unit_of_work.write(engine) as connection:
            connection.execute(
                insert(events).values(
                    id=unpositioned,
                    directory_id=first,
                    sequence=3,
                    type="user.created",
                    occurred_at=NOW,
                    body="{}",
                )
            )
            connection.execute(
                update(directories).where(directories.c.id == first).values(last_sequence=3)
            )
        append(engine, second, 2)
        page = read_global_page(engine, after=unpositioned, limit=10, types=None)
        feed = whole_feed(engine)
        ids = [e.id for e in feed]
        assert unpositioned in ids
        assert page == feed[ids.index(unpositioned) + 1 :]
        append(engine, first, 1)
        rest = read_global_page(engine, after=unpositioned, limit=10, types=None)
        assert order(rest) == [*order(page), (first, 4)]


class TestTypes:
    def test_paging_with_types_is_exact(self, engine: Engine) -> None:
        first, second = make_directory(engine, "directory_a"), make_directory(engine, "b")
        kinds = ["user.created", "group.created", "group.user_added"]
        for round_ in range(4):
            for directory_id in (first, second):
                with unit_of_work.write(engine) as connection:
                    store = SqlDirectoryStore(connection, NOW)
                    directory = store.lock_directory(directory_id)
                    assert directory is not None
                    store.append_events(
                        directory,
                        [PendingEvent(kinds[(round_ + i) % 3], {}) for i in range(round_ + 1)],
                    )
        everything = whole_feed(engine)
        for wanted in (["group.created"], ["user.created", "group.user_added"]):
            filtered = whole_feed(engine, limit=1, types=wanted)
            assert filtered == [e for e in everything if e.type in wanted]


@contextmanager
def running(target, count: int) -> Iterator[list[BaseException]]:
    """``count`` threads running ``target(index)``; their errors are collected."""
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            target(index)
        except BaseException as error:  # re-raised by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield errors
    finally:
        for thread in threads:
            thread.join()


def test_concurrent_writers_and_a_live_poller_see_every_directory_in_order(
    engine: Engine,
) -> None:
    """Writers on one busy and two quiet directories; a poller follows the global feed
    while they write. Every directory comes out 1..n, nothing twice, nothing skipped."""
    directory_ids = [make_directory(engine, f"directory_{i}") for i in range(3)]
    writing = threading.Event()
    writing.set()
    polled: list[StoredEvent] = []

    def write(index: int) -> None:
        chooser = random.Random(index)
        for _ in range(8):
            directory_id = directory_ids[0 if index % 2 else chooser.randrange(3)]
            append(engine, directory_id, chooser.randint(1, 3))
        assert_prefixes(engine)

    def poll(_: int) -> None:
        after = None
        while True:
            still_writing = writing.is_set()
            page = read_global_page(engine, after=after, limit=4, types=None)
            polled.extend(page)
            after = page[-1].id if page else after
            if not page and not still_writing:
                return

    with running(poll, 1) as poll_errors:
        with running(write, 8) as write_errors:
            pass
        writing.clear()
    assert not write_errors
    assert not poll_errors
    per_directory: dict[str, list[int]] = defaultdict(list)
    for event in polled:
        per_directory[event.directory_id].append(event.sequence)
    stored = defaultdict(int)
    for directory_id, _, _ in positions(engine):
        stored[directory_id] += 1
    for directory_id, sequences in per_directory.items():
        assert sequences == list(range(1, stored[directory_id] + 1))
    assert sum(stored.values()) == len(polled)


def test_every_concurrent_poll_sees_what_was_committed_before_it(engine: Engine) -> None:
    """Pollers race to position the same new event; each answer must hold it, also the
    answer of a poller that read its page before another's sequencer committed."""
    directory_id = make_directory(engine)
    append(engine, directory_id, 1)
    for round_ in range(5):
        head = whole_feed(engine)[-1].id
        append(engine, directory_id, 1)
        start = threading.Barrier(12)
        answers: list[list[int]] = []

        def poll(_: int, start=start, head=head, answers=answers) -> None:
            start.wait()
            page = read_global_page(engine, after=head, limit=10, types=None)
            answers.append([e.sequence for e in page])

        with running(poll, 12) as errors:
            pass
        assert not errors
        assert answers == [[round_ + 2]] * 12
