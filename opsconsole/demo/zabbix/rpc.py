"""The Zabbix 6.0 API's error shapes and the request helpers every method shares: parameter shapes,
filters, search, limits and output projection, as the real server applies them (facts)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

INVALID_PARAMS = -32602
APPLICATION_ERROR = -32500
NO_SUCH_OBJECT = "No permissions to referred object or it does not exist!"


class ApiError(Exception):
    def __init__(self, code: int, message: str, data: str = "") -> None:
        super().__init__(data or message)
        self.code, self.message, self.data = code, message, data

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}


def invalid(data: str) -> ApiError:
    return ApiError(INVALID_PARAMS, "Invalid params.", data)


def application(data: str) -> ApiError:
    return ApiError(APPLICATION_ERROR, "Application error.", data)


def _object(params: Any) -> dict[str, Any]:
    if isinstance(params, dict):
        return params
    if params in ([], None):
        return {}
    raise invalid('Invalid parameter "/": an array is not expected.')


def _objects(params: Any) -> list[dict[str, Any]]:
    items = params if isinstance(params, list) else [params]
    if not all(isinstance(i, dict) for i in items):
        raise invalid('Invalid parameter "/1": an array is expected.')
    return items


def _create(params: Any, answer: str, add: Callable[[dict[str, Any]], str]) -> dict[str, list[str]]:
    """An `<object>.create`: one object or a list, each checked and stored in turn by `add`, which
    returns its new id; the answer lists the ids under `answer` (`groupids`, `hostids`, ...)."""
    return {answer: [add(p) for p in _objects(params)]}


def _new_name(p: dict[str, Any], key: str, rows: Iterable[dict[str, Any]], missing: str, taken: str) -> str:
    """`p[key]`, required (else `missing`) and unique among `rows` (else `taken`, given the name)."""
    name = str(p.get(key, ""))
    if not name:
        raise invalid(missing)
    if any(row[key] == name for row in rows):
        raise invalid(taken.format(name))
    return name


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _ids(params: Any) -> list[str]:
    """A single id or a list of them; a nested list is refused as 6.0 does (facts, gotcha 9)."""
    ids = _listed(params)
    if any(isinstance(i, list | dict) for i in ids):
        raise invalid('Invalid parameter "/1": a number is expected.')
    return [str(i) for i in ids]


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(f'Invalid parameter "/{field}": an integer is expected.') from None


def _in(p: dict[str, Any], name: str, values: Iterable[str]) -> bool:
    """A get method's id filter: absent means any; present means one of `values` is listed."""
    if name not in p or p[name] is None:
        return True
    wanted = {str(v) for v in _listed(p[name])}
    return bool(wanted & set(values))


def _tags_match(tags: list[dict[str, str]], p: dict[str, Any]) -> bool:
    """6.0 tag filters: operator 0 contains, 1 equals, 2 not contains, 3 not equals, 4 exists,
    5 not exists; evaltype 0 and/or (and between tag names), 2 or."""
    wanted = p.get("tags") or []
    if not wanted:
        return True

    def one(f: dict[str, Any]) -> bool:
        name, value, op = str(f.get("tag", "")), str(f.get("value", "")), int(f.get("operator", 0))
        values = [t["value"] for t in tags if t["tag"] == name]
        checks: dict[int, Callable[[], bool]] = {
            0: lambda: any(value.lower() in v.lower() for v in values),
            1: lambda: value in values,
            2: lambda: not any(value.lower() in v.lower() for v in values),
            3: lambda: value not in values,
            4: lambda: bool(values),
            5: lambda: not values,
        }
        return checks.get(op, checks[0])()

    if int(p.get("evaltype", 0)) == 2:
        return any(one(f) for f in wanted)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for f in wanted:
        by_name.setdefault(str(f.get("tag", "")), []).append(f)
    return all(any(one(f) for f in group) for group in by_name.values())


def _search_ok(row: dict[str, Any], search: Any) -> bool:
    if not isinstance(search, dict):
        return True
    return all(
        any(str(v).lower() in str(row.get(k, "")).lower() for v in _listed(value))
        for k, value in search.items()
    )


def _filter_ok(row: dict[str, Any], flt: Any) -> bool:
    if not isinstance(flt, dict):
        return True
    return all(str(row.get(k)) in {str(v) for v in _listed(value)} for k, value in flt.items() if k in row)


def _matching(
    rows: Iterable[dict[str, Any]], p: dict[str, Any], *, ids: tuple[str, str]
) -> list[dict[str, Any]]:
    name, key = ids
    return [
        r
        for r in rows
        if _in(p, name, [r[key]]) and _filter_ok(r, p.get("filter")) and _search_ok(r, p.get("search"))
    ]


def _limited(rows: list[Any], p: dict[str, Any], key: Callable[[Any], Any] | None = None) -> list[Any]:
    if key is not None and p.get("sortfield"):
        rows = sorted(rows, key=key, reverse=str(p.get("sortorder", "ASC")).upper() == "DESC")
    if p.get("limit"):
        rows = rows[: int(p["limit"])]
    return rows


def _finish(
    rows: list[dict[str, Any]], p: dict[str, Any], shape: Callable[[dict[str, Any]], dict[str, Any]]
) -> list[dict[str, Any]]:
    return [shape(r) for r in _limited(rows, p)]


def _project(row: dict[str, Any], output: Any) -> dict[str, Any]:
    """`output`/`select*`: "extend" for every field, a list for some; unknown names are ignored (facts,
    gotcha 11)."""
    if output == "extend" or output is None:
        return dict(row)
    if isinstance(output, list):
        return {k: row[k] for k in output if k in row}
    return {}
