"""How the console's request page renders a stored request: bodies, status, explanation."""

from __future__ import annotations

from typing import Any

from scimbridge.web.console.request_view import body, request_view, status_text


def stored(**overrides: Any) -> dict[str, Any]:
    """A row as ``operations_log.get_request`` answers it."""
    return {
        "id": "request_1",
        "method": "PATCH",
        "path": "/scim/v2/directory_1/Users/user_1",
        "status": 400,
        "error": {"scim_type": "noTarget", "detail": "no value matched"},
        "request_body": '{"Operations":[{"op":"remove","path":"emails[type eq \\"home\\"]"}]}',
        "request_bytes": 62,
        "request_truncated": False,
        "response_body": None,
        "response_bytes": 0,
        "response_truncated": False,
        **overrides,
    }


def test_a_json_body_is_indented_and_keeps_its_size() -> None:
    shown = body('{"a":[1,{"b":"<i>x</i>"}]}', 27, False)
    assert shown.is_json
    assert shown.text == '{\n  "a": [\n    1,\n    {\n      "b": "<i>x</i>"\n    }\n  ]\n}'
    assert (shown.size, shown.truncated) == (27, False)


def test_broken_or_truncated_json_is_shown_as_stored() -> None:
    broken = body('{"userName": "ada", ', 9000, True)
    assert not broken.is_json
    assert broken.text == '{"userName": "ada", '
    assert broken.truncated


def test_an_empty_or_unkept_body_has_no_text() -> None:
    assert body(None, 0, False).text is None
    too_large = body(None, 2_000_000, True)
    assert too_large.text is None
    assert (too_large.size, too_large.truncated) == (2_000_000, True)


def test_status_has_its_reason_phrase_when_it_has_one() -> None:
    assert status_text(409) == "409 Conflict"
    assert status_text(599) == "599"


def test_a_failure_carries_the_portal_explanation_and_a_success_none() -> None:
    failed = request_view(stored(), "okta")
    assert failed["explanation"] is not None
    assert "noTarget" in failed["explanation"].summary
    assert failed["request"].is_json
    assert failed["response"].text is None
    succeeded = request_view(stored(status=204, error=None), "okta")
    assert succeeded["explanation"] is None
    assert succeeded["status_text"] == "204 No Content"
