"""Ids: a deleted user's id is never reused because no id is ever minted twice."""

from __future__ import annotations

import re

import pytest

from scimbridge import ids

FROZEN_NS = 1_764_676_800_000_000_000  # 2025-12-02 12:00 UTC


def test_ids_minted_in_the_same_millisecond_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    """The time prefix orders ids; the 80 random bits after it keep them apart."""
    monkeypatch.setattr(ids.time, "time_ns", lambda: FROZEN_NS)
    minted = [ids.user_id() for _ in range(10_000)]
    assert len(set(minted)) == len(minted)
    assert all(re.fullmatch(r"user_[0-9A-HJKMNP-TV-Z]{26}", i) for i in minted)
    assert {i[: len("user_") + 10] for i in minted} == {minted[0][:15]}  # 48 time bits


def test_later_ids_sort_after_earlier_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids.time, "time_ns", lambda: FROZEN_NS)
    earlier = ids.user_id()
    monkeypatch.setattr(ids.time, "time_ns", lambda: FROZEN_NS + 1_000_000)
    assert ids.user_id() > earlier
