"""The subset of Graylog's Lucene query syntax the emulator searches with, and a clear error for the rest.

Supported: `*`, bare terms and quoted phrases (searched in `message`), `field:value`,
`field:"a phrase"`, wildcards `*` and `?` in values, `_exists_:field`, `AND`, `OR`, `NOT` (also
`&&`, `||`, `!`), parentheses. Adjacent terms are OR-ed, Lucene's and Graylog's default operator.

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
SUPPORTED = 'field:value, "quoted phrases", AND, OR, NOT, wildcards * and ?, parentheses and _exists_:field'
_WORD = re.compile(r"[\w.@-]+", re.UNICODE)
_TOKEN = re.compile(
    r"\s*(?:(?P<lparen>\()|(?P<rparen>\))|(?P<and>&&)|(?P<or>\|\|)|(?P<not>!)"
    r'|(?P<field>[\w.@-]+):(?P<fvalue>"(?:[^"\\]|\\.)*"|[^\s()"]+)'
    r'|(?P<phrase>"(?:[^"\\]|\\.)*")|(?P<word>[^\s()"]+))'
)
_KINDS = ("lparen", "rparen", "and", "or", "not", "field", "phrase", "word")
_UNSUPPORTED = re.compile(r"[\[\]{}~^/]|^[+-]|[<>]=?|\bTO\b")


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
        if kind == "field":
            value = match.group("fvalue")
            _reject(raw)
            _reject(value)
            tokens.append(_Tok("field", raw, value))
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

    def _peek(self) -> str | None:
        return self.tokens[self.position].kind if self.position < len(self.tokens) else None

    def expression(self) -> Predicate:
        parts = [self._and()]
        while self._peek() in ("or", "term", "field", "lparen", "not"):
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
        if token.kind == "lparen":
            inner = self.expression()
            if self._peek() != "rparen":
                raise QueryError("a parenthesis is not closed")
            self.position += 1
            return inner
        if token.kind == "field":
            field, _, _ = token.text.partition(":")
            return _field_predicate(field, token.value)
        if token.kind == "term":
            return _field_predicate("message", token.value)
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
