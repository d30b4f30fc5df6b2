"""How the console's request page renders a stored request: bodies, status, explanation."""

from __future__ import annotations

from typing import Any

import orjson

from scimbridge.web.console.request_view import body, indent_prefix, request_view, status_text


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


def test_broken_json_or_plain_text_is_shown_as_stored() -> None:
    broken = body('{"userName": "ada", ', 20, False)
    assert not broken.is_json
    assert broken.text == '{"userName": "ada", '
    assert body("userName=ada", 9000, True).text == "userName=ada"


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


def test_a_cut_json_body_is_indented_as_the_whole_one_would_be() -> None:
    document = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "add", "path": "members", "value": [{"value": f"u{n}"} for n in range(3)]},
            {"op": "replace", "value": {"displayName": 'a, "b": [c]\\ {}', "tags": [], "o": {}}},
        ],
    }
    whole = orjson.dumps(document).decode()
    indented = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
    assert indent_prefix(whole) == indented
    cut = body(whole[:60], 9000, True)
    assert not cut.is_json
    assert cut.text is not None
    assert indented.startswith(cut.text.rstrip())
