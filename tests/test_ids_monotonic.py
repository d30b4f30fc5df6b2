"""Id generation (ids.py)."""

from __future__ import annotations

from scimbridge import ids


def test_monotonic_ids_sort_in_creation_order_within_a_millisecond() -> None:
    factory = ids.MonotonicIds("audit")
    made = [factory.new() for _ in range(2000)]  # far more than one per millisecond
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert all(i.startswith("audit_") and len(i) == len("audit_") + 26 for i in made)
