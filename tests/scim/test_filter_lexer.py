"""Tokens of the SCIM filter language (RFC 7644 §3.4.2.2, Figure 1)."""

from __future__ import annotations

import pytest

from scimbridge.scim.errors import ScimError
from scimbridge.scim.filter.lexer import MAX_FILTER_LENGTH, Token, tokenize

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def kinds(text: str) -> list[str]:
    return [token.kind for token in tokenize(text)]


def invalid_filter_detail(text: str) -> str:
    with pytest.raises(ScimError) as caught:
        tokenize(text)
    assert (caught.value.status, caught.value.scim_type) == (400, "invalidFilter")
    return caught.value.detail


class TestNames:
    @pytest.mark.parametrize(
        "name",
        [
            "userName",
            "name.familyName",
            "members.$ref",
            "x509Certificates",
            "a_b-c",
            f"{ENTERPRISE}:department",
            "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
        ],
    )
    def test_an_attribute_path_is_one_name_token_kept_as_written(self, name: str) -> None:
        assert tokenize(name) == [Token("name", name, 0)]

    def test_names_end_at_punctuation_and_whitespace(self) -> None:
        tokens = tokenize('emails[type eq "work"]')
        assert [(t.kind, t.text) for t in tokens] == [
            ("name", "emails"),
            ("lbracket", "["),
            ("name", "type"),
            ("keyword", "eq"),
            ("string", '"work"'),
            ("rbracket", "]"),
        ]


class TestKeywords:
    @pytest.mark.parametrize(
        "word", ["eq", "NE", "Co", "sW", "EW", "pr", "GT", "ge", "Lt", "LE", "AND", "Or", "nOT"]
    )
    def test_operators_are_case_insensitive_and_lower_cased(self, word: str) -> None:
        assert tokenize(word) == [Token("keyword", word.lower(), 0)]

    @pytest.mark.parametrize(
        ("word", "value"),
        [("true", True), ("TRUE", True), ("False", False), ("null", None), ("NULL", None)],
    )
    def test_literal_keywords_carry_their_value(self, word: str, value: object) -> None:
        (token,) = tokenize(word)
        assert (token.kind, token.text, token.value) == ("keyword", word.lower(), value)
        assert token.is_literal

    def test_a_keyword_prefix_is_a_name(self) -> None:
        assert tokenize("equals tru prx") == [
            Token("name", "equals", 0),
            Token("name", "tru", 7),
            Token("name", "prx", 11),
        ]


class TestStrings:
    @pytest.mark.parametrize(
        ("literal", "value"),
        [
            ('""', ""),
            ('"O\'Malley"', "O'Malley"),
            ('"a\\"b"', 'a"b'),
            ('"back\\\\slash"', "back\\slash"),
            ('"\\/\\b\\f\\n\\r\\t"', "/\b\f\n\r\t"),
            ('"\\u00e9t\\u00C9"', "étÉ"),
            ('"\\ud83d\\ude00"', "😀"),
            ('"raw é and 😀"', "raw é and 😀"),
            ('"a]b)c"', "a]b)c"),
            ('"\\\\"', "\\"),
            ('"\\"\\""', '""'),
            ('"' + "\\n" * 1000 + '"', "\n" * 1000),
        ],
    )
    def test_json_escapes_are_decoded(self, literal: str, value: str) -> None:
        (token,) = tokenize(literal)
        assert (token.kind, token.text, token.value) == ("string", literal, value)

    @pytest.mark.parametrize(
        "literal",
        [
            '"\\x41"',
            '"\\u12"',
            '"\\uZZZZ"',
            '"tab\there"',
            '"\\ud800"',
            '"\\udc00x"',
            '"nul\\u0000"',
        ],
    )
    def test_invalid_escapes_control_characters_and_lone_surrogates(self, literal: str) -> None:
        assert "position" in invalid_filter_detail(literal)

    def test_unterminated_string_names_its_start(self) -> None:
        detail = invalid_filter_detail('userName eq "bjensen')
        assert "unterminated" in detail
        assert "position 13" in detail

    def test_escaped_quote_at_the_end_is_unterminated(self) -> None:
        assert "unterminated" in invalid_filter_detail('a eq "x\\"')


class TestNumbers:
    @pytest.mark.parametrize(
        ("literal", "value"),
        [
            ("0", 0),
            ("-0", 0),
            ("42", 42),
            ("-17", -17),
            ("1.5", 1.5),
            ("-1.5e2", -150.0),
            ("2E+3", 2000.0),
            ("5e-1", 0.5),
            ("9223372036854775807", 2**63 - 1),
            ("-9223372036854775808", -(2**63)),
        ],
    )
    def test_json_numbers(self, literal: str, value: float) -> None:
        (token,) = tokenize(literal)
        assert (token.kind, token.text, token.value) == ("number", literal, value)
        assert type(token.value) is type(value)

    @pytest.mark.parametrize(
        "literal",
        [
            "01",
            "1.",
            ".5",
            "1e",
            "1e+",
            "-",
            "--1",
            "+1",
            "1abc",
            "1.2.3",
            '1"x"',
            "1e999",
            "9223372036854775808",
        ],
    )
    def test_invalid_numbers(self, literal: str) -> None:
        invalid_filter_detail(literal)


class TestStructure:
    def test_punctuation_and_whitespace(self) -> None:
        assert kinds(" ( a pr )\t[\r\n] ") == [
            "lparen",
            "name",
            "keyword",
            "rparen",
            "lbracket",
            "rbracket",
        ]

    def test_positions_are_0_based_offsets(self) -> None:
        assert [t.position for t in tokenize('ab  eq "x"')] == [0, 4, 7]

    @pytest.mark.parametrize("char", ["@", "!", "{", "'", "$", "_", ".", "é", "\u00a0", "٣"])
    def test_unexpected_characters_name_their_position(self, char: str) -> None:
        detail = invalid_filter_detail(f"a eq 1 {char}")
        assert "position 8" in detail

    def test_empty_input_has_no_tokens(self) -> None:
        assert tokenize("") == []
        assert tokenize("  ") == []


class TestLength:
    def test_the_limit_itself_is_accepted(self) -> None:
        assert len(tokenize("a" * MAX_FILTER_LENGTH)) == 1

    @pytest.mark.parametrize(
        "text",
        ["a" * (MAX_FILTER_LENGTH + 1), "a" * 50_000, "(" * 100_000, '"' + "x" * 5000 + '"'],
    )
    def test_longer_input_is_rejected_before_scanning(self, text: str) -> None:
        assert str(MAX_FILTER_LENGTH) in invalid_filter_detail(text)
