"""AllowedPattern in CloudFormation's dialect (java.util.regex): each case states what Java's
Pattern.matches answers for the value (from the Java documentation's rules), and the translation
must agree."""

from __future__ import annotations

import pytest

from opsconsole.stacks.java_regex import UncheckablePattern, java_fullmatch, translate

# (pattern, values Java matches, values Java does not match)
AGREES = [
    (r"^[\w-\+]+$", ["a-b+c_1"], ["a b", "é"]),  # a dash next to \w is a literal in Java
    (r"[\d-z]+", ["1-z"], ["y"]),
    (r"[a-z]++", ["abc"], ["ABC"]),  # possessive
    (r"a++a", [], ["aaa"]),  # possessive gives nothing back
    (r"\p{Alpha}+", ["abc"], ["é", "1"]),  # POSIX classes are US-ASCII in Java
    (r"\p{Lower}+", ["abc"], ["é"]),
    (r"\p{L}+", ["abcé"], ["1"]),  # Unicode categories stay Unicode
    (r"\p{javaLowerCase}+", ["abcé"], ["A"]),
    (r"\w+", ["a_1"], ["é"]),  # \w is ASCII unless UNICODE_CHARACTER_CLASS
    (r"[\W]+", ["é-"], ["a"]),
    (r"\Qa.b\E", ["a.b"], ["axb"]),
    (r"(?<name>ab)\k<name>", ["abab"], ["abac"]),
    (r"[a-z&&[^aeiou]]+", ["bcd"], ["bad"]),  # intersection
    (r"[[a-c][x-z]]+", ["ax"], ["d"]),  # union of nested classes
    (r"\x{41}\u0042\cA\e\0101", ["AB\x01\x1bA"], ["AB"]),
    (r"\P{Digit}+", ["ab"], ["1"]),
    (r"[\p{Lu}\d]+", ["A1"], ["a"]),
    (r"abc\Z", ["abc"], ["abcd"]),
    (r"[.\-_ ]+", [". -_"], ["a"]),
    (r"[-a-z]+", ["-a"], ["A"]),
    (r"^arn:aws:iam::\d{12}:role/[\w+=,.@-]+$", ["arn:aws:iam::123456789012:role/my-role"], ["x"]),
    (r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})", ["10.0.0.0/16"], ["10.0.0/16"]),
]


@pytest.mark.parametrize(("pattern", "matches", "misses"), AGREES, ids=[c[0] for c in AGREES])
def test_translation_agrees_with_java(pattern: str, matches: list[str], misses: list[str]) -> None:
    assert [java_fullmatch(pattern, v) for v in matches] == [True] * len(matches), translate(pattern)
    assert [java_fullmatch(pattern, v) for v in misses] == [False] * len(misses), translate(pattern)


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [
        (r"\p{javaMirrored}", "javaMirrored"),
        (r"(?d)a", "(?d)"),
        ("[a", "unclosed character class"),
        ("a\\", "trailing backslash"),
        ("[z-a]", "reversed range"),
        ("(a", "missing )"),
    ],
)
def test_what_cannot_be_translated_is_named(pattern: str, construct: str) -> None:
    with pytest.raises(UncheckablePattern, match=construct.replace("(", r"\(").replace(")", r"\)")):
        java_fullmatch(pattern, "a")


def test_catastrophic_backtracking_is_uncheckable_not_a_hang() -> None:
    with pytest.raises(UncheckablePattern, match="backtracking"):
        java_fullmatch(r"(a|aa)+c", "a" * 40)
