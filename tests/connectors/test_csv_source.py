"""The CSV source: validation with exact line numbers, mapping to SCIM, and streaming."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from scimbridge.connectors.base import SourceError, SourceGroup
from scimbridge.connectors.csv_columns import MAX_VALUE_LENGTH
from scimbridge.connectors.csv_source import (
    CSV_USER_SCHEMA,
    CsvProblem,
    open_csv_source,
    validate_csv,
)
from scimbridge.directory.normalize import lookup_attribute
from scimbridge.directory.writer import prepare_resource
from scimbridge.scim.schemas import ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_RESOURCE, USER_SCHEMA
from scimbridge.store import tables
from tests.support.csv_files import WriteCsv, csv_text, write_csv_file

HEADER = "id,user_name,email,active,groups\n"


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    return functools.partial(write_csv_file, tmp_path)


def problems_of(path: Path, **kwargs: object) -> list[tuple[int, str | None]]:
    return [(p.line, p.column) for p in validate_csv(path, **kwargs)]  # type: ignore[arg-type]


def users_of(path: Path, header_map: dict[str, str] | None = None) -> list[dict[str, object]]:
    source = open_csv_source(path, header_map)
    try:
        return [dict(u.resource) for u in source.users()]
    finally:
        source.close()


def memberships(path: Path) -> dict[str, tuple[str, list[str]]]:
    """group source_id → (displayName, member source_ids)."""
    source = open_csv_source(path)
    try:
        return {
            g.source_id: (str(g.resource["displayName"]), list(source.members(g)))
            for g in source.groups()
        }
    finally:
        source.close()


# --------------------------------------------------------------------------- mapping


def test_a_full_row_maps_to_a_scim_user_with_the_enterprise_extension(write_csv: WriteCsv) -> None:
    path = write_csv(
        "id,user_name,email,first_name,last_name,display_name,active,groups,title,"
        "employee_number,department,organization,cost_center,division,manager_id,Badge\n"
        "E-1, ada@example.com ,ada@example.com,Ada,Lovelace,Ada L.,no,Eng,Analyst,"
        "0042,R&D,Analytical,CC-7,Engines,E-0,B17\n"
    )
    assert validate_csv(path) == []
    assert users_of(path) == [
        {
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, CSV_USER_SCHEMA],
            "externalId": "E-1",
            "userName": "ada@example.com",
            "active": False,
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "displayName": "Ada L.",
            "title": "Analyst",
            "emails": [{"value": "ada@example.com", "type": "work", "primary": True}],
            ENTERPRISE_USER_SCHEMA: {
                "employeeNumber": "0042",
                "department": "R&D",
                "organization": "Analytical",
                "costCenter": "CC-7",
                "division": "Engines",
                "manager": {"value": "E-0"},
            },
            CSV_USER_SCHEMA: {"Badge": "B17"},
        }
    ]


def test_empty_cells_leave_attributes_out_and_empty_active_means_active(
    write_csv: WriteCsv,
) -> None:
    path = write_csv("id,user_name,email,first_name,active,Badge\n7,bob,,,,\n")
    assert users_of(path) == [
        {"schemas": [USER_SCHEMA], "externalId": "7", "userName": "bob", "active": True}
    ]


def test_every_resource_passes_the_scim_write_path_validation(write_csv: WriteCsv) -> None:
    """What the engine hands ``directory/commands`` is a valid SCIM User body."""
    path = write_csv(
        "id,user_name,email,first_name,active,manager_id,department,Extra\n"
        "1,ann,ann@example.com,Ann,yes,2,Ops,x\n2,ben,,,0,,,\n"
    )
    for resource in users_of(path):
        prepared, _ = prepare_resource(USER_RESOURCE, resource)
        assert prepared["userName"] == resource["userName"]


@pytest.mark.parametrize(
    ("cell", "active"),
    [("true", True), ("TRUE", True), ("Yes", True), ("1", True), ("false", False),
     ("False", False), ("NO", False), ("0", False)],
)  # fmt: skip
def test_active_accepts_true_false_yes_no_1_0_in_any_case(
    write_csv: WriteCsv, cell: str, active: bool
) -> None:
    path = write_csv(f"id,user_name,active\n1,ann,{cell}\n")
    assert validate_csv(path) == []
    assert users_of(path)[0]["active"] is active


def test_header_names_match_case_insensitively_and_header_map_renames(
    write_csv: WriteCsv,
) -> None:
    path = write_csv(
        "Employee ID, Login ,Work Email,DEPARTMENT,Cost Centre\nE1,ann,ann@example.com,Ops,CC1\n"
    )
    header_map = {"employee id": "id", "Login": "user_name", "Work Email": "email"}
    assert validate_csv(path, header_map) == []
    [user] = users_of(path, header_map)
    assert user["externalId"] == "E1"
    assert user["userName"] == "ann"
    assert user["emails"] == [{"value": "ann@example.com", "type": "work", "primary": True}]
    assert user[ENTERPRISE_USER_SCHEMA] == {"department": "Ops"}
    assert user[CSV_USER_SCHEMA] == {"Cost_Centre": "CC1"}


@pytest.mark.parametrize(
    ("header", "attribute"),
    [("Badge", "Badge"), ("Cost Centre", "Cost_Centre"), (" Start date (UTC) ", "Start_date_UTC"),
     ("e-mail 2", "e-mail_2"), ("2FA", "column_2FA"), ("Coût", "Co_t"), ("_x_", "x")],
)  # fmt: skip
def test_unknown_columns_become_scim_attribute_names_an_attribute_map_can_reach(
    write_csv: WriteCsv, header: str, attribute: str
) -> None:
    """RFC 7643 §2.1 attribute names, so ``attribute_map`` paths parse and find them."""
    path = write_csv(csv_text([["id", "user_name", header], ["1", "ann", "v"]]))
    [user] = users_of(path)
    assert user[CSV_USER_SCHEMA] == {attribute: "v"}
    assert lookup_attribute(user, f"{CSV_USER_SCHEMA}:{attribute}") == "v"


def test_header_map_wins_over_a_documented_name(write_csv: WriteCsv) -> None:
    path = write_csv("ID,Login\n0042,ann\n")
    header_map = {"ID": "employee_number", "Login": "user_name"}
    assert problems_of(path, header_map=header_map) == [(1, "id")]  # id now missing
    path = write_csv("ID,Login,Person\n0042,ann,P1\n")
    [user] = users_of(path, {"ID": "employee_number", "Login": "user_name", "Person": "id"})
    assert user["externalId"] == "P1"
    assert user[ENTERPRISE_USER_SCHEMA] == {"employeeNumber": "0042"}


# --------------------------------------------------------------------------- header rules


@pytest.mark.parametrize(
    ("content", "header_map", "expected"),
    [
        ("user_name\nann\n", None, [(1, "id")]),
        ("email\na@b.io\n", None, [(1, "id"), (1, "user_name")]),
        ("id,user_name,Email,email\n1,ann,a@b.io,a@b.io\n", None, [(1, "email")]),
        ("id,user_name,X,x\n1,ann,a,b\n", None, [(1, "x")]),
        ("id,user_name,Cost Centre,cost_centre\n1,ann,a,b\n", None, [(1, "cost_centre")]),
        ("id,user_name,\n1,ann,\n", None, [(1, None)]),
        ("id,user_name\n1,ann\n", {"Badge": "badge_no"}, [(1, "Badge")]),
        ("id,login,user_name\n1,a,b\n", {"login": "user_name"}, [(1, "user_name")]),
        ("", None, [(1, None)]),
        ("\nid,user_name\n1,ann\n", None, [(1, None)]),
    ],
    ids=["no-id", "no-required", "twice", "unknown-twice", "same-attribute", "unnamed",
         "bad-map-target", "mapped-twice", "empty-file", "blank-first-line"],
)  # fmt: skip
def test_header_problems_are_reported_on_line_1(
    write_csv: WriteCsv,
    content: str,
    header_map: dict[str, str] | None,
    expected: list[tuple[int, str | None]],
) -> None:
    assert problems_of(write_csv(content), header_map=header_map) == expected


def test_an_unusable_header_stops_before_the_rows(write_csv: WriteCsv) -> None:
    path = write_csv("user_name\n\n,\nann\n")
    [problem] = validate_csv(path)
    assert problem == CsvProblem(
        1,
        "id",
        "the required column 'id' is missing from the header (name a column so, "
        "or map one to it with header_map)",
    )


# --------------------------------------------------------------------------- row rules


def test_each_row_rule_is_reported_with_its_line_and_column(write_csv: WriteCsv) -> None:
    path = write_csv(
        HEADER
        + "1,ann,ann@example.com,true,Eng\n"  # 2: valid
        + ",bob,,,\n"  # 3: empty id
        + "3, ,,,\n"  # 4: empty user_name (blank after trimming)
        + "1,carl,,,\n"  # 5: duplicate id of line 2
        + "5,ANN,,,\n"  # 6: duplicate userName of line 2, case-insensitively
        + "6,dora,dora@,,\n"  # 7: invalid e-mail
        + "7,eve,,maybe,\n"  # 8: invalid active
        + "8,fay,,\n"  # 9: too few fields
        + "9,gus,,,,extra\n"  # 10: too many fields
        + "10,hal,,,\n"  # 11: valid
    )
    assert problems_of(path) == [
        (3, "id"),
        (4, "user_name"),
        (5, "id"),
        (6, "user_name"),
        (7, "email"),
        (8, "active"),
        (9, None),
        (10, None),
    ]
    messages = {p.line: p.message for p in validate_csv(path)}
    assert messages[5] == "id '1' is already used on line 2"
    assert messages[6] == "user_name 'ANN' is already used on line 2"
    assert messages[8] == "active is 'maybe'; use true/false, yes/no or 1/0"


def test_duplicate_user_names_use_the_stores_casefold_rule(write_csv: WriteCsv) -> None:
    """``"Straße".casefold() == "STRASSE".casefold()`` where ``lower()`` differs: the
    same rule as ``users.user_name_key``, so the file fails before the database would."""
    path = write_csv("id,user_name\n1,straße\n2,STRASSE\n")
    assert problems_of(path) == [(3, "user_name")]


def test_ids_are_compared_exactly_as_external_id_is_case_exact(write_csv: WriteCsv) -> None:
    assert validate_csv(write_csv("id,user_name\nab,ann\nAB,bob\n")) == []


@pytest.mark.parametrize(
    "address",
    ["ann@example.com", "a.b+tag@mail.example.co.uk", "jörg@bücher.de", "x@xn--p1ai.xn--p1ai"],
)
def test_plain_addresses_are_accepted(write_csv: WriteCsv, address: str) -> None:
    assert validate_csv(write_csv(f"id,user_name,email\n1,ann,{address}\n")) == []


@pytest.mark.parametrize(
    "address", ["ann", "ann@", "@example.com", "ann@example", "a b@example.com",
                "ann@@example.com", "ann@-example.com", "ann@example..com"],
)  # fmt: skip
def test_malformed_addresses_are_problems(write_csv: WriteCsv, address: str) -> None:
    path = write_csv(f'id,user_name,email\n1,ann,"{address}"\n')
    assert problems_of(path) == [(2, "email")]


def test_values_longer_than_the_stored_columns_are_problems(write_csv: WriteCsv) -> None:
    fits, too_long = "x" * MAX_VALUE_LENGTH, "x" * (MAX_VALUE_LENGTH + 1)
    path = write_csv(
        "id,user_name,first_name,groups,Note\n"
        f"1,{fits},{fits},{fits},{too_long}\n"  # unknown columns are not bounded so
        f"{too_long},b,,,\n"
        f"3,{too_long},,,\n"
        f"4,d,{too_long},,\n"
        f"5,e,,ok;{too_long},\n"
    )
    assert problems_of(path) == [(3, "id"), (4, "user_name"), (5, "first_name"), (6, "groups")]


def test_the_length_bound_is_the_width_of_the_stored_columns() -> None:
    widths = {
        tables.users.c.external_id.type.length,
        tables.users.c.user_name.type.length,
        tables.users.c.display_name.type.length,
        tables.users.c.given_name.type.length,
        tables.users.c.family_name.type.length,
        tables.user_emails.c.value.type.length,
        tables.groups.c.display_name.type.length,
    }
    assert widths == {MAX_VALUE_LENGTH}


def test_max_problems_stops_the_report(write_csv: WriteCsv) -> None:
    path = write_csv("id,user_name\n" + ",x\n" * 50)
    assert [p.line for p in validate_csv(path, max_problems=5)] == [2, 3, 4, 5, 6]
    assert len(validate_csv(path)) == 50


# --------------------------------------------------------------------------- encoding


def test_a_byte_order_mark_is_accepted_and_not_part_of_the_first_name(
    write_csv: WriteCsv,
) -> None:
    content = "id,user_name\n1,ann\n"
    with_bom = write_csv(b"\xef\xbb\xbf" + content.encode())
    without = write_csv(content)
    assert validate_csv(with_bom) == validate_csv(without) == []
    assert users_of(with_bom) == users_of(without)


def test_crlf_line_endings_give_the_same_users_and_line_numbers(write_csv: WriteCsv) -> None:
    lf = "id,user_name,email\n1,ann,a@b.io\n2,bob,nope\n"
    crlf = write_csv(lf.replace("\n", "\r\n"))
    assert problems_of(crlf) == problems_of(write_csv(lf)) == [(3, "email")]
    fixed = write_csv(lf.replace("nope", "b@b.io").replace("\n", "\r\n"))
    assert [u["userName"] for u in users_of(fixed)] == ["ann", "bob"]
    assert users_of(fixed)[1]["emails"] == [{"value": "b@b.io", "type": "work", "primary": True}]


def test_non_utf8_bytes_are_reported_on_their_line(write_csv: WriteCsv) -> None:
    latin1 = "id,user_name\n1,ann\n2,jörg\n3,cai\n".encode("latin-1")
    [problem] = validate_csv(write_csv(latin1))
    assert problem == CsvProblem(
        3, None, "byte 0xf6 at byte 4 of the line is not UTF-8; save the file as UTF-8"
    )


def test_nul_bytes_are_reported_on_their_line(write_csv: WriteCsv) -> None:
    path = write_csv(b"id,user_name\n1,ann\n2,b\x00ob\n")
    assert validate_csv(path) == [CsvProblem(3, None, "the line contains a NUL byte")]


def test_quoted_fields_spanning_lines_count_from_the_records_first_line(
    write_csv: WriteCsv,
) -> None:
    path = write_csv(
        "id,user_name,Address\n"
        '1,ann,"12 Main St\nFloor 3\r\nRoom 7"\n'  # lines 2-4
        "2,bob,\n"  # line 5
        '3,cai,"one\ntwo",4\n'  # lines 6-7: a multi-line record with a problem
        ",dan,x\n"  # line 8
    )
    assert problems_of(path) == [(6, None), (8, "id")]
    valid = write_csv('id,user_name,Address\n1,ann,"12 Main St\nFloor 3\r\nRoom 7"\n2,bob,\n')
    assert users_of(valid)[0][CSV_USER_SCHEMA] == {"Address": "12 Main St\nFloor 3\r\nRoom 7"}


def test_bad_quoting_is_reported_at_the_record_start_and_reading_goes_on(
    write_csv: WriteCsv,
) -> None:
    path = write_csv('id,user_name\n1,"ann"x\n,bob\n3,"cai\n4,dan\n')
    assert problems_of(path) == [(2, None), (3, "id"), (4, None)]
    assert validate_csv(path)[-1].message == (
        "a quoted field opened in this record is never closed (unexpected end of data)"
    )


def test_blank_lines_are_skipped_and_still_counted(write_csv: WriteCsv) -> None:
    path = write_csv("id,user_name\n\n1,ann\n\n\n,bob\n")
    assert problems_of(path) == [(6, "id")]


# --------------------------------------------------------------------------- groups


def test_groups_split_on_semicolon_or_bar_and_merge_case_insensitively(
    write_csv: WriteCsv,
) -> None:
    path = write_csv(
        "id,user_name,groups\n1,ann, Eng ; Sales|eng\n2,bob,sales|Ops;;\n3,cai,\n4,dan,ENG\n"
    )
    assert memberships(path) == {
        "eng": ("Eng", ["1", "4"]),
        "sales": ("Sales", ["1", "2"]),
        "ops": ("Ops", ["2"]),
    }
    source = open_csv_source(path)
    [group, *_] = list(source.groups())
    assert group.resource == {"schemas": [GROUP_SCHEMA], "displayName": "Eng", "externalId": "eng"}
    assert list(source.members(SourceGroup("absent", {}))) == []
    source.close()


def test_members_follow_multi_line_records(write_csv: WriteCsv) -> None:
    path = write_csv('id,user_name,Note,groups\n1,ann,"a\nb",G\n" 2 ",bob,"c\r\nd\ne",g|H\n')
    assert memberships(path) == {"g": ("G", ["1", "2"]), "h": ("H", ["2"])}


# --------------------------------------------------------------------------- the Source


def test_pages_fetched_counts_one_page_per_thousand_rows(write_csv: WriteCsv) -> None:
    path = write_csv("id,user_name\n" + "".join(f"{i},u{i}\n" for i in range(2001)))
    source = open_csv_source(path)
    assert source.pages_fetched == 1
    assert sum(1 for _ in source.users()) == 2001
    assert source.pages_fetched == 3
    source.close()


def test_an_unusable_header_fails_at_open_with_the_line(write_csv: WriteCsv) -> None:
    with pytest.raises(SourceError) as raised:
        open_csv_source(write_csv("user_name\nann\n"))
    assert raised.value.kind == "invalid_data"
    assert raised.value.explanation.startswith("line 1, column id: the required column 'id'")


def test_a_bad_row_stops_the_stream_with_its_line(write_csv: WriteCsv) -> None:
    source = open_csv_source(write_csv("id,user_name\n1,ann\n1,bob\n"))
    users = source.users()
    assert next(users).source_id == "1"
    with pytest.raises(SourceError) as raised:
        next(users)
    assert raised.value.kind == "invalid_data"
    assert raised.value.explanation == "line 3, column id: id '1' is already used on line 2"
    source.close()


@pytest.mark.parametrize("read", [open_csv_source, validate_csv])
def test_a_missing_file_is_invalid_config(tmp_path: Path, read: Any) -> None:
    with pytest.raises(SourceError) as raised:
        read(tmp_path / "absent.csv")
    assert raised.value.kind == "invalid_config"
    assert raised.value.explanation == "the CSV file cannot be read: No such file or directory"


def test_close_releases_an_unfinished_stream(write_csv: WriteCsv) -> None:
    source = open_csv_source(write_csv(csv_text([["id", "user_name"], ["1", "a"], ["2", "b"]])))
    users = source.users()
    next(users)
    source.close()
    with pytest.raises(ValueError, match="closed file"):
        next(users)


def test_a_header_only_file_is_valid_and_has_no_users(write_csv: WriteCsv) -> None:
    path = write_csv("id,user_name,groups\r\n")
    assert validate_csv(path) == []
    assert users_of(path) == []
    assert memberships(path) == {}


def test_a_cell_over_the_csv_field_limit_is_a_problem_on_its_line(write_csv: WriteCsv) -> None:
    path = write_csv(f"id,user_name,Note\n1,ann,{'n' * 131_073}\n,bob,\n")
    problems = validate_csv(path)
    assert [(p.line, p.column) for p in problems] == [(2, None), (3, "id")]
    assert "field larger than field limit" in problems[0].message


def test_a_line_over_one_mebibyte_stops_the_read_with_its_line(write_csv: WriteCsv) -> None:
    path = write_csv(b"id,user_name\n1,ann\n2," + b"b" * (1024 * 1024) + b"\n3,cai\n")
    assert validate_csv(path) == [
        CsvProblem(3, None, "line is longer than 1048576 bytes; the rest of the file was not read")
    ]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_exports_are_read_from_their_header(
    write_csv: WriteCsv, delimiter: str
) -> None:
    """Excel writes ``;`` where the region's decimal separator is a comma; a quoted
    cell may then hold ``;`` between groups and commas in names."""

    def export(bob_id: str) -> Path:
        rows = [
            ["id", "user_name", "Note", "groups"],
            ["1", "ann", '"Smith, Ann"', '"Eng;Ops"'],
            [bob_id, "bob", "", ""],
        ]
        return write_csv("".join(delimiter.join(row) + "\r\n" for row in rows))

    assert problems_of(export("")) == [(3, "id")]
    path = export("2")
    [ann, bob] = users_of(path)
    assert ann[CSV_USER_SCHEMA] == {"Note": "Smith, Ann"}
    assert bob["userName"] == "bob"
    assert memberships(path) == {"eng": ("Eng", ["1"]), "ops": ("Ops", ["1"])}


def test_a_comma_in_the_header_keeps_commas_as_the_separator(write_csv: WriteCsv) -> None:
    path = write_csv("id,user_name,Notes\n1,ann,a;b\tc\n")
    assert users_of(path)[0][CSV_USER_SCHEMA] == {"Notes": "a;b\tc"}
