"""Transactions: the SQLite writer gate queues writers of every process, not only threads."""

from __future__ import annotations

import fcntl
import multiprocessing
import multiprocessing.connection
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from scimbridge.store import migrate, unit_of_work
from scimbridge.store.engine import create_db_engine


def _hold_write(url: str, control: multiprocessing.connection.Connection) -> None:
    """Child process: open a write transaction, say so, keep it until told to stop."""
    engine = create_db_engine(url)
    with unit_of_work.write(engine) as connection:
        connection.execute(text("SELECT 1"))
        control.send("holding")
        control.recv()
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    migrate.upgrade(url)
    return url


def test_a_write_in_another_process_holds_the_lock_file(sqlite_url: str, tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_hold_write, args=(sqlite_url, child))
    process.start()
    try:
        assert parent.poll(60), "the child never opened its write transaction"
        assert parent.recv() == "holding"
        lock_file = tmp_path / ("gate.db" + unit_of_work.LOCK_FILE_SUFFIX)
        fd = os.open(lock_file, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            parent.send("release")
            process.join(60)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once the writer is done
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    finally:
        if process.is_alive():
            process.kill()
        process.join()
    assert process.exitcode == 0


def test_writers_of_one_process_take_turns(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    inside = 0
    most_inside = 0
    guard = threading.Lock()

    def write() -> None:
        nonlocal inside, most_inside
        for _ in range(20):
            with unit_of_work.write(engine) as connection:
                with guard:
                    inside += 1
                    most_inside = max(most_inside, inside)
                connection.execute(text("SELECT 1"))
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    engine.dispose()
    assert most_inside == 1


def test_a_failed_write_releases_the_gate(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    with pytest.raises(RuntimeError), unit_of_work.write(engine):
        raise RuntimeError("the command failed")
    with unit_of_work.write(engine) as connection:  # would block forever if still held
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
