"""CloudFormation's AllowedPattern dialect (java.util.regex) checked from Python.

CloudFormation accepts what Java's Pattern accepts, and Java differs from Python's `re`: a dash
next to a shorthand class is a literal (`[\\w-\\+]`), `\\p{Alpha}` and friends are ASCII POSIX
classes, `\\w`/`\\d`/`\\s` are ASCII by default, classes nest and intersect (`[a-z&&[^aeiou]]`),
`\\Q...\\E` quotes, `\\x{h..}`, `\\cX`, `\\e`, `\\0ooo`, `\\h`, `\\v`, `\\R`, `\\Z` mean other things.

The `regex` library (already the engine cfn-lint uses for the same check) runs the result: it has
possessive quantifiers, atomic groups, Unicode properties, nested sets and `&&` (version 1
syntax). This module rewrites only what differs; what it cannot map raises `UncheckablePattern`
so the caller warns instead of guessing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

_W = "a-zA-Z_0-9"
_D = "0-9"
_S = " \\t\\n\\x0B\\f\\r"
_H = "\\x20\\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000"
_V = "\\n\\x0B\\f\\r\\x85\\u2028\\u2029"
_SHORTHAND = {"w": _W, "d": _D, "s": _S, "h": _H, "v": _V}

# Java's POSIX classes are US-ASCII unless UNICODE_CHARACTER_CLASS is set.
_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": _S,
    "javaLowerCase": "\\p{Ll}",
    "javaUpperCase": "\\p{Lu}",
    "javaWhitespace": _S + "\\x1C-\\x1F\\p{Zs}\\u2028\\u2029",
    "javaDigit": "\\p{Nd}",
    "javaLetter": "\\p{L}",
    "javaLetterOrDigit": "\\p{L}\\p{Nd}",
    "javaAlphabetic": "\\p{Alphabetic}",
}
_LINE_END = "(?:\\r\\n|[\\n\\r\\x85\\u2028\\u2029])"
_SIMPLE = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "a": "\x07", "e": "\x1b"}
# Escapes whose meaning Python's `regex` shares with Java outside a class.
_SAME_OUTSIDE = set("bBAGX") | set("123456789")
MATCH_SECONDS = 1.0
"""A pattern that backtracks longer than this on one value is reported as uncheckable."""


class UncheckablePattern(ValueError):
    """A construct of Java's dialect this module cannot translate faithfully."""


@dataclass
class _Reader:
    text: str
    pos: int = 0

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def take(self, count: int = 1) -> str:
        part = self.text[self.pos : self.pos + count]
        self.pos += count
        return part

    def until(self, end: str) -> str:
        stop = self.text.find(end, self.pos)
        if stop < 0:
            stop = len(self.text)
        part = self.text[self.pos : stop]
        self.pos = min(len(self.text), stop + len(end))
        return part


@functools.lru_cache(maxsize=512)
def compile_java(pattern: str) -> regex.Pattern[str]:
    """The pattern compiled with Java's meaning.

    Raises:
        UncheckablePattern: naming the construct that has no faithful translation.
    """
    translated = translate(pattern)
    try:
        return regex.compile(translated, flags=regex.V1)
    except (regex.error, ValueError, OverflowError) as e:
        raise UncheckablePattern(f"{e}") from None


def java_fullmatch(pattern: str, value: str) -> bool:
    """Whether `value` matches the whole pattern, as CloudFormation checks an AllowedPattern.

    Raises:
        UncheckablePattern: the pattern cannot be translated, or matching it takes too long.
    """
    compiled = compile_java(pattern)
    try:
        return compiled.fullmatch(value, timeout=MATCH_SECONDS) is not None
    except TimeoutError:
        raise UncheckablePattern(
            f"matching took over {MATCH_SECONDS:g} s (catastrophic backtracking)"
        ) from None


def translate(pattern: str) -> str:
    """Java regex syntax rewritten as `regex` version-1 syntax with the same meaning."""
    reader = _Reader(pattern)
    out: list[str] = []
    while reader.peek():
        char = reader.take()
        if char == "\\":
            out.append(_escape_outside(reader))
        elif char == "[":
            out.append(_class(reader))
        elif char == "(" and reader.peek() == "?":
            out.append(_group_open(reader))
        else:
            out.append(char)
    return "".join(out)


def _group_open(reader: _Reader) -> str:
    """`(?` constructs: Java's flag letters differ from Python's in `d` (UNIX_LINES) and `U`."""
    rest = reader.text[reader.pos :]
    flags = rest[1:].split(")", 1)[0].split(":", 1)[0].lstrip("-")
    if flags and all(c.isalpha() or c == "-" for c in flags) and set(flags) & {"d", "U"}:
        raise UncheckablePattern(f"the inline flag (?{flags}) has no Python equivalent")
    return "("


def _escape_outside(reader: _Reader) -> str:
    """One escape outside a character class, already past the backslash."""
    char = reader.peek()
    if not char:
        raise UncheckablePattern("a trailing backslash")
    if char in _SHORTHAND or char.lower() in _SHORTHAND:
        reader.take()
        body = _SHORTHAND[char.lower()]
        return f"[{'^' if char.isupper() else ''}{body}]"
    if char in "pP":
        reader.take()
        return _property(reader, negated=char == "P", inside=False)
    if char == "R":
        reader.take()
        return "(?:\\r\\n|[" + _V + "])"
    if char == "Z":
        reader.take()
        return f"(?={_LINE_END}?\\z)"
    if char == "z":
        reader.take()
        return "\\z"
    if char == "Q":
        reader.take()
        return regex.escape(reader.until("\\E"))
    if char == "k" and reader.peek(1) == "<":
        reader.take(2)
        return f"(?P={reader.until('>')})"
    literal = _literal_escape(reader)
    if literal is not None:
        return regex.escape(literal)
    if char.isalpha() and char not in _SAME_OUTSIDE:
        raise UncheckablePattern(f"the escape \\{char}")
    return "\\" + reader.take()


def _literal_escape(reader: _Reader) -> str | None:
    """The character a Java escape stands for (`\\x{263A}`, `\\cA`, `\\0101`, `\\e`, `\\.`), or None."""
    char = reader.peek()
    if char in _SIMPLE:
        reader.take()
        return _SIMPLE[char]
    if char == "x":
        reader.take()
        if reader.peek() == "{":
            reader.take()
            return _code_point(reader.until("}"), 16)
        return _code_point(reader.take(2), 16)
    if char == "u" and reader.text[reader.pos + 1 : reader.pos + 5].isalnum():
        reader.take()
        return _code_point(reader.take(4), 16)
    if char == "c":
        reader.take()
        control = reader.take()
        if not control:
            raise UncheckablePattern("\\c without a letter")
        return chr(ord(control) ^ 64)
    if char == "0":
        reader.take()
        digits = ""
        while len(digits) < 3 and reader.peek() in "01234567" and reader.peek():
            if len(digits) == 2 and digits[0] > "3":
                break
            digits += reader.take()
        return _code_point(digits, 8)
    if char and not char.isalnum():
        return reader.take()
    return None


def _code_point(digits: str, base: int) -> str:
    try:
        return chr(int(digits, base))
    except (ValueError, OverflowError):
        raise UncheckablePattern(f"the character code {digits!r}") from None


def _property(reader: _Reader, *, negated: bool, inside: bool) -> str:
    """`\\p{Name}` / `\\pL`: Java's POSIX and java* classes mapped, Unicode properties kept."""
    name = reader.until("}") if reader.peek() == "{" and reader.take() else reader.take()
    if not name:
        raise UncheckablePattern("\\p without a property name")
    body = _POSIX.get(name.removeprefix("Is") if name.removeprefix("Is") in _POSIX else name)
    if body is None:
        if name.startswith("java"):
            raise UncheckablePattern(f"the Java property \\p{{{name}}}")
        body = f"\\p{{{name}}}"
    set_text = f"[{'^' if negated else ''}{body}]"
    return set_text if inside or negated or not body.startswith("\\p") else body


def _class(reader: _Reader) -> str:
    """A Java character class, already past its `[`, as a version-1 set."""
    negated = reader.peek() == "^"
    if negated:
        reader.take()
    items: list[tuple[str, str]] = []  # ("char", c) | ("set", text) | ("op", "&&") | ("dash", "-")
    first = True
    while True:
        char = reader.take()
        if not char:
            raise UncheckablePattern("an unclosed character class")
        if char == "]" and not first:
            break
        first = False
        if char == "[":
            items.append(("set", _class(reader)))
        elif char == "&" and reader.peek() == "&":
            reader.take()
            items.append(("op", "&&"))
        elif char == "\\":
            items.append(_escape_inside(reader))
        elif char == "-":
            items.append(("dash", "-"))
        else:
            items.append(("char", char))
    return "[" + ("^" if negated else "") + _join_class(items) + "]"


def _escape_inside(reader: _Reader) -> tuple[str, str]:
    char = reader.peek()
    if not char:
        raise UncheckablePattern("a trailing backslash")
    if char.lower() in _SHORTHAND:
        reader.take()
        body = _SHORTHAND[char.lower()]
        return ("set", f"[^{body}]" if char.isupper() else body)
    if char in "pP":
        reader.take()
        return ("set", _property(reader, negated=char == "P", inside=True))
    if char == "Q":
        reader.take()
        return ("set", "".join(regex.escape(c) for c in reader.until("\\E")))
    literal = _literal_escape(reader)
    if literal is None:
        raise UncheckablePattern(f"the escape \\{char} inside a character class")
    return ("char", literal)


def _join_class(items: list[tuple[str, str]]) -> str:
    """Ranges only between two single characters; any other dash is a literal, as Java reads it."""
    parts: list[str] = []
    index = 0
    while index < len(items):
        kind, text = items[index]
        after = items[index + 1] if index + 1 < len(items) else None
        beyond = items[index + 2] if index + 2 < len(items) else None
        if kind == "char" and after == ("dash", "-") and beyond is not None and beyond[0] == "char":
            if ord(beyond[1]) < ord(text):
                raise UncheckablePattern(f"the reversed range {text}-{beyond[1]}")
            parts.append(f"{_class_char(text)}-{_class_char(beyond[1])}")
            index += 3
            continue
        if kind == "char" or kind == "dash":
            parts.append(_class_char(text))
        else:
            parts.append(text)
        index += 1
    return "".join(parts)


def _class_char(char: str) -> str:
    return char if char.isalnum() else "\\" + char if char.isprintable() and char != " " else _hex(char)


def _hex(char: str) -> str:
    return f"\\U{ord(char):08x}" if ord(char) > 0xFFFF else f"\\u{ord(char):04x}"
