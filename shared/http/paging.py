"""Every list route pages the same way: `limit` and an opaque `cursor` in, `items` and `next` out.

The cursor is the last item's sort key (see shared.paging) with the list's name, as base64url
JSON: clients pass it back as it came, and a cursor of another list is refused.
A bad `limit` or `cursor` is a 422 problem naming it, like any other invalid query parameter.
"""
# No `from __future__ import annotations`: FastAPI reads PageRequest.__init__'s annotations as objects.

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from shared.http.problems import Problem
from shared.paging import Key, Order

DEFAULT_LIMIT = 100
MAXIMUM_LIMIT = 500
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(description="Path and query of the next page (the same filters, after the last item "
                                         "here); null on the last page")


def _encode_value(value: Any) -> Any:
    return {"t": value.isoformat()} if isinstance(value, datetime) else value


def _decode_value(value: Any) -> Any:
    # Only plain values come back: a dict could smuggle a query operator into the range filter.
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        return datetime.fromisoformat(value["t"])
    if isinstance(value, (str, int, float, bool)):
        return value
    raise ValueError("not a key value")


def encode_cursor(order: Order, key: Key) -> str:
    text = json.dumps({"o": order.name, "k": [_encode_value(v) for v in key]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(order: Order, cursor: str) -> Key:
    """The key in `cursor`; ValueError when it is not a cursor of this list."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError("not a cursor") from error
    if not isinstance(raw, dict) or raw.get("o") != order.name or not isinstance(raw.get("k"), list) \
            or len(raw["k"]) != len(order.keys):
        raise ValueError("not a cursor of this list")
    return tuple(_decode_value(v) for v in raw["k"])


def cursor_problem() -> Problem:
    message = "Not a cursor of this list: pass the `next` link of a previous page as it came."
    return Problem(422, "Invalid request", f"cursor: {message}", "validation", {"errors": [
        {"field": "cursor", "in": "query", "rule": "cursor_invalid", "message": message}]})


class PageRequest:
    """The `limit` and `cursor` query parameters of a list route (use as `Paging`)."""

    def __init__(self, request: Request,
                 limit: Annotated[int, Query(ge=1, le=MAXIMUM_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
                 cursor: Annotated[str | None, Query(max_length=2000, description="From a previous page's `next`; "
                                                                                 "leave out for the first page")] = None
                 ) -> None:
        self.request, self.limit, self.cursor = request, limit, cursor

    def after(self, order: Order) -> Key | None:
        if self.cursor is None:
            return None
        try:
            return decode_cursor(order, self.cursor)
        except ValueError:
            raise cursor_problem() from None

    def page(self, items: list, next_key: Key | None, order: Order) -> Page:
        if next_key is None:
            return Page(items=items, next=None)
        url = self.request.url.include_query_params(cursor=encode_cursor(order, next_key))
        return Page(items=items, next=f"{url.path}?{url.query}")


Paging = Annotated[PageRequest, Depends()]
