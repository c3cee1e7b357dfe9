"""The subset of Graylog's Lucene query syntax the emulator searches with, and a clear error for the rest.

Supported: `*`, bare terms and quoted phrases (searched in `message`), `field:value`, field
grouping `field:(a OR "b c")` (Lucene's: the terms inside search that field),
`field:"a phrase"`, wildcards `*` and `?` in values, `_exists_:field`, `AND`, `OR`, `NOT` (also
`&&`, `||`, `!`), parentheses, and ranges: `field:[low TO high]` (inclusive), `field:{low TO high}`
(exclusive), mixed `[low TO high}`, `*` for an open end, and `field:>N`, `>=`, `<`, `<=`. Adjacent
terms are OR-ed, Lucene's and Graylog's default operator.

Ranges compare numbers when every bound is a number (a numeric field, like a GELF `status`), else
text in code-point order (a keyword field; Lucene's TermRangeQuery), as Graylog's search syntax
reference describes: https://go2docs.graylog.org/current/making_sense_of_your_log_data/search_syntax_reference.htm

Matching follows Graylog's index mapping: `message` and `full_message` are analysed (split into
lower-cased words), every other string field is a keyword (whole value, case-sensitive).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Predicate = Callable[[Mapping[str, Any]], bool]
ANALYZED = frozenset({"message", "full_message"})
SUPPORTED = (
    'field:value, "quoted phrases", AND, OR, NOT, wildcards * and ?, parentheses, field:(a OR b), '
    "_exists_:field and ranges field:[a TO b], field:{a TO b}, field:>=N"
)
_WORD = re.compile(r"[\w.@-]+", re.UNICODE)
_TOKEN = re.compile(
    r"\s*(?:(?P<group>[\w.@-]+):\(|(?P<lparen>\()|(?P<rparen>\))|(?P<and>&&)|(?P<or>\|\|)|(?P<not>!)"
    r"|(?P<range>[\w.@-]+):(?P<rvalue>[\[{][^\]}]*[\]}])"
    r'|(?P<field>[\w.@-]+):(?P<fvalue>(?:[<>]=?)?"(?:[^"\\]|\\.)*"|[^\s()"]+)'
    r'|(?P<phrase>"(?:[^"\\]|\\.)*")|(?P<word>[^\s()"]+))'
)
_KINDS = ("group", "lparen", "rparen", "and", "or", "not", "range", "field", "phrase", "word")
_UNSUPPORTED = re.compile(r"[\[\]{}~^/]|^[+-]|[<>]=?|\bTO\b")
_BOUND = r'"(?:[^"\\]|\\.)*"|[^\s"]+'
_RANGE = re.compile(rf"^(?P<open>[\[{{])\s*(?P<low>{_BOUND})\s+TO\s+(?P<high>{_BOUND})\s*(?P<close>[\]}}])$")
_NUMBER = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)$")
_COMPARISON = re.compile(r"^(?P<op>>=|<=|>|<)(?P<bound>.+)$")


class QueryError(ValueError):
    """A query outside the supported subset or malformed; the message says what and what works."""


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    value: str = ""


def compile_query(query: str) -> Predicate:
    """A predicate over stored messages for `query`.

    Raises:
        QueryError: names the part of the query the emulator cannot search.
    """
    text = query.strip()
    if text in ("", "*"):
        return lambda _message: True
    tokens = _tokenize(text)
    parser = _Parser(tokens)
    predicate = parser.expression()
    if parser.position != len(tokens):
        raise QueryError(f"unexpected {tokens[parser.position].text!r} in query {query!r}")
    return predicate


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            if text[position:].strip():
                raise QueryError(f"cannot read the query from {text[position:].strip()!r}")
            break
        position = match.end()
        kind = next(k for k in _KINDS if match.group(k) is not None)
        raw = match.group(kind)
        if kind == "range":
            _reject(raw)
            tokens.append(_Tok("range", raw, match.group("rvalue")))
        elif kind == "field":
            value = match.group("fvalue")
            _reject(raw)
            if not _COMPARISON.match(value):
                _reject(value)
            tokens.append(_Tok("field", raw, value))
        elif kind == "group":
            tokens.append(_Tok("group", raw, raw))  # `field:(`: the field its terms search
        elif kind == "word" and raw.endswith(":"):
            raise QueryError(f"{raw!r} names a field but no value: write {raw}value or {raw}(a OR b)")
        elif kind == "word" and raw in ("AND", "OR", "NOT"):
            tokens.append(_Tok(raw.lower(), raw))
        elif kind == "word":
            _reject(raw)
            tokens.append(_Tok("term", raw, raw))
        elif kind == "phrase":
            tokens.append(_Tok("term", raw, raw))
        else:
            tokens.append(_Tok(kind, raw))
    return tokens


def _reject(value: str) -> None:
    if not value.startswith('"') and _UNSUPPORTED.search(value):
        raise QueryError(f"{value!r} uses syntax the emulator does not support (supported: {SUPPORTED})")


class _Parser:
    """or := and (OR? and)*; and := unary (AND unary)*; unary := NOT unary | atom."""

    def __init__(self, tokens: list[_Tok]) -> None:
        self.tokens = tokens
        self.position = 0
        self.fields = ["message"]  # the field bare terms search: `field:( ... )` scopes its own

    def _peek(self) -> str | None:
        return self.tokens[self.position].kind if self.position < len(self.tokens) else None

    def expression(self) -> Predicate:
        parts = [self._and()]
        while self._peek() in ("or", "term", "field", "lparen", "not", "group", "range"):
            if self._peek() == "or":
                self.position += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda m: any(p(m) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._unary()]
        while self._peek() == "and":
            self.position += 1
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else (lambda m: all(p(m) for p in parts))

    def _unary(self) -> Predicate:
        if self._peek() == "not":
            self.position += 1
            inner = self._unary()
            return lambda m: not inner(m)
        return self._atom()

    def _atom(self) -> Predicate:
        if self.position >= len(self.tokens):
            raise QueryError("the query ends where a term was expected")
        token = self.tokens[self.position]
        self.position += 1
        if token.kind in ("lparen", "group"):
            if token.kind == "group":
                self.fields.append(token.value)  # Lucene's field grouping: title:(a OR "b c")
            inner = self.expression()
            if token.kind == "group":
                self.fields.pop()
            if self._peek() != "rparen":
                raise QueryError("a parenthesis is not closed")
            self.position += 1
            return inner
        if token.kind == "range":
            return _range_predicate(token.text, token.value)
        if token.kind == "field":
            field, _, _ = token.text.partition(":")
            comparison = _COMPARISON.match(token.value)
            if comparison:
                return _comparison_predicate(field, comparison["op"], comparison["bound"])
            return _field_predicate(field, token.value)
        if token.kind == "term":
            return _field_predicate(self.fields[-1], token.value)
        raise QueryError(f"unexpected {token.text!r} where a term was expected")


def _field_predicate(field: str, raw: str) -> Predicate:
    if field == "_exists_":
        name = raw.strip('"')
        return lambda m: m.get(name) not in (None, "")
    phrase = raw.startswith('"')
    value = raw[1:-1].replace('\\"', '"') if phrase else raw
    if field in ANALYZED:
        return _analyzed(field, value, phrase)
    if not phrase and value == "*":
        return lambda m: m.get(field) not in (None, "")
    if not phrase and ("*" in value or "?" in value):
        pattern = re.compile(fnmatch.translate(value))
        return lambda m: field in m and _values_match(m[field], lambda s: bool(pattern.match(s)))
    return lambda m: field in m and _values_match(m[field], lambda s: s == value)


def _values_match(stored: Any, test: Callable[[str], bool]) -> bool:
    values = stored if isinstance(stored, list) else [stored]
    return any(test(_as_text(v)) for v in values)


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _analyzed(field: str, value: str, phrase: bool) -> Predicate:
    words = [w.lower() for w in _WORD.findall(value)]
    if not words:
        return lambda _m: False
    if phrase and len(words) > 1:
        return lambda m: _contains_sequence(_WORD.findall(str(m.get(field, "")).lower()), words)
    if not phrase and ("*" in value or "?" in value):
        pattern = re.compile(fnmatch.translate(value.lower()))
        return lambda m: any(pattern.match(w) for w in _WORD.findall(str(m.get(field, "")).lower()))
    word = words[0] if len(words) == 1 else None
    if word is None:  # an unquoted value the analyser splits, e.g. message:a/b: every word, in order
        return lambda m: _contains_sequence(_WORD.findall(str(m.get(field, "")).lower()), words)
    return lambda m: word in _WORD.findall(str(m.get(field, "")).lower())


def _contains_sequence(haystack: list[str], needle: list[str]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


Bound = float | str | None  # None: an open end (`*`)


def _range_predicate(field: str, raw: str) -> Predicate:
    """`[low TO high]` includes its ends, `{low TO high}` excludes them; the brackets may be mixed."""
    match = _RANGE.match(raw)
    if match is None:
        raise QueryError(
            f"cannot read the range {raw!r}: write [low TO high] or {{low TO high}}, * for an open end"
        )
    return _between(
        field,
        match["low"],
        match["high"],
        low_inclusive=match["open"] == "[",
        high_inclusive=match["close"] == "]",
    )


def _comparison_predicate(field: str, op: str, bound: str) -> Predicate:
    """`field:>N` and friends: Lucene's one-sided ranges."""
    if op.startswith(">"):
        return _between(field, bound, "*", low_inclusive=op == ">=", high_inclusive=True)
    return _between(field, "*", bound, low_inclusive=True, high_inclusive=op == "<=")


def _between(
    field: str, low_text: str, high_text: str, *, low_inclusive: bool, high_inclusive: bool
) -> Predicate:
    texts = [t for t in (low_text, high_text) if t != "*"]
    numeric = bool(texts) and all(_number(t) is not None for t in texts)
    low, high = (_bound(t, numeric) for t in (low_text, high_text))

    def inside(value: Any) -> bool:
        if numeric:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return False  # a number range does not match text, as on a numeric field
            key: float | str = float(value)
        else:
            key = _as_text(value)
        if low is not None and (key < low or (key == low and not low_inclusive)):  # type: ignore[operator]
            return False
        return high is None or key < high or (key == high and high_inclusive)  # type: ignore[operator]

    def matches(message: Mapping[str, Any]) -> bool:
        stored = message.get(field)
        if stored is None:
            return False
        return any(inside(v) for v in (stored if isinstance(stored, list) else [stored]))

    return matches


def _number(text: str) -> float | None:
    return float(text) if _NUMBER.match(text) else None


def _bound(text: str, numeric: bool) -> Bound:
    if text == "*":
        return None
    if numeric:
        return float(text)
    return text[1:-1].replace('\\"', '"') if text.startswith('"') else text
