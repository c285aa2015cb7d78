"""Every store command a service sends, one JSON line each, for the scan check and the command counts.

Off unless `DUO_STORE_COMMAND_LOG` names a directory: then each process appends to
`<dir>/<service>-<pid>.jsonl` one line per command started: what it is, on which collection,
the filter's shape (values replaced by their type names: no personal data in the file), sort,
limit, and `sender`, the innermost frame of the suite's own code that sent it. Unset, the
client gets no listener at all, so it costs nothing.

Commands whose nearest caller is test code (a test's probe through a service's client) are not
the service's and are not written. `origin` is the outermost frame of the suite's code in the
same call chain (a route, a consumer, `ServiceRuntime._repeat` for a periodic job, `start`),
and `job` the periodic job's name: what the scan check's list of allowed scans refers to.
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Mapping

from bson.regex import Regex
from pymongo import monitoring

ENV = "DUO_STORE_COMMAND_LOG"

_REPO = str(Path(__file__).resolve().parents[2]) + os.sep
_PYMONGO = str(Path(monitoring.__file__).resolve().parent) + os.sep
_SUITE = tuple(_REPO + part + os.sep for part in ("services", "shared"))
_TESTS = _REPO + "tests" + os.sep
_HERE = str(Path(__file__).resolve())
_RUNTIME = _REPO + os.path.join("shared", "runtime.py")

# The collection a command works on: the value of its first key, except for these.
_COLLECTION_KEY = {"getMore": "collection"}
_NOT_A_COLLECTION = {"listCollections", "listDatabases", "ping", "hello", "isMaster", "ismaster",
                     "buildInfo", "endSessions", "dropDatabase", "killCursors", "serverStatus"}


def listeners(service: str) -> list[monitoring.CommandListener]:
    """The listeners for a service's client: none unless DUO_STORE_COMMAND_LOG is set."""
    directory = os.environ.get(ENV, "").strip()
    return [StoreCommandLog(directory, service)] if directory else []


class StoreCommandLog(monitoring.CommandListener):
    def __init__(self, directory: str, service: str) -> None:
        self.directory = Path(directory)
        self.service = service
        self._fd: int | None = None
        self._pid = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        try:
            where = _caller()
            if where is None:  # test code's own query: not judged, but the indexes it creates are known
                if event.command_name != "createIndexes":
                    return
                where = {"sender": None, "origin": None}
            record = describe(event.command_name, event.command, event.database_name)
            record.update(where)
            self._write(record)
        except Exception:  # noqa: BLE001 - recording must never break a service's command
            pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def _write(self, record: dict[str, Any]) -> None:
        pid = os.getpid()
        if self._fd is None or pid != self._pid:  # opened per process: a forked child gets its own file
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{self.service}-{pid}.jsonl"
            self._fd, self._pid = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), pid
        record = {"service": self.service, "pid": pid, "t": round(time.time(), 6), **record}
        # One write per line with O_APPEND: lines of two clients of one process never interleave.
        os.write(self._fd, (json.dumps(record, default=_type_name) + "\n").encode())


def describe(name: str, command: Mapping[str, Any], db: str) -> dict[str, Any]:
    """What a command does, with every value in its filters replaced by the value's type name."""
    record: dict[str, Any] = {"command": name, "db": db}
    if name not in _NOT_A_COLLECTION:
        collection = command.get(_COLLECTION_KEY.get(name, name))
        if isinstance(collection, str):
            record["collection"] = collection
    if name in ("find", "count", "distinct"):
        record["filter"] = shape(command.get("filter" if name == "find" else "query") or {})
    elif name == "findAndModify":
        record["filter"] = shape(command.get("query") or {})
    elif name in ("update", "delete"):
        statements = command.get(name + "s", [])
        # A bulk write of many alike statements: each distinct filter shape once, and how many.
        record["filters"] = shape([statement.get("q") or {} for statement in statements])
        record["statements"] = len(statements)
    elif name == "insert":
        record["documents"] = len(command.get("documents", []))
    elif name == "aggregate":
        pipeline = command.get("pipeline") or []
        record["pipeline"] = [next(iter(stage), "?") for stage in pipeline]
        match = next((stage["$match"] for stage in pipeline if "$match" in stage), None)
        if match is not None:
            record["filter"] = shape(match)
        for stage in pipeline:
            if "$sort" in stage and "sort" not in record:
                record["sort"] = dict(stage["$sort"])
            if "$limit" in stage and "limit" not in record:
                record["limit"] = stage["$limit"]
    elif name == "createIndexes":
        record["indexes"] = [_index(spec) for spec in command.get("indexes", [])]
    if name in ("find", "findAndModify") and command.get("sort"):
        record["sort"] = dict(command["sort"])
    if name == "find" and command.get("limit"):
        record["limit"] = command["limit"]
    return record


def shape(value: Any) -> Any:
    """The filter with each value replaced by its type name; a list keeps each distinct shape once."""
    if isinstance(value, Mapping):
        return {str(key): shape(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        shapes: list[Any] = []
        for item in value:
            item_shape = shape(item)
            if item_shape not in shapes:
                shapes.append(item_shape)
        return shapes
    if isinstance(value, (Regex, re.Pattern)):
        return {"$regex": "Regex"}  # an equality with a pattern is a pattern match
    return type(value).__name__


def _index(spec: Mapping[str, Any]) -> dict[str, Any]:
    index: dict[str, Any] = {"key": [[field, direction] for field, direction in dict(spec.get("key", {})).items()]}
    if spec.get("partialFilterExpression"):
        index["partial"] = shape(spec["partialFilterExpression"])
    for option in ("unique", "sparse"):
        if spec.get(option):
            index[option] = True
    return index


def _type_name(value: Any) -> str:
    return type(value).__name__


_kinds: dict[str, str] = {}


def _kind(filename: str) -> str:
    kind = _kinds.get(filename)
    if kind is None:
        if filename == _HERE or filename.startswith(_PYMONGO):
            kind = "driver"
        elif filename.startswith(_SUITE):
            kind = "suite"
        elif filename.startswith(_TESTS):
            kind = "tests"
        else:
            kind = "other"
        _kinds[filename] = kind
    return kind


def _where(frame) -> str:
    return f"{frame.f_code.co_filename[len(_REPO):]}:{frame.f_lineno} {frame.f_code.co_name}"


def _caller() -> dict[str, Any] | None:
    """sender/origin/job of the command being started, or None when test code sent it.

    Walks the frames once, outwards: past the driver, along the suite's own frames, up to the
    first frame that is neither (the framework, asyncio, or a test)."""
    frame = sys._getframe(2)
    while frame is not None and _kind(frame.f_code.co_filename) == "driver":
        frame = frame.f_back
    if frame is None:
        return {"sender": None, "origin": None}
    if _kind(frame.f_code.co_filename) != "suite":
        return None if _kind(frame.f_code.co_filename) == "tests" else {"sender": _where(frame), "origin": None}
    sender = outermost = frame
    while frame is not None and _kind(frame.f_code.co_filename) == "suite":
        outermost = frame
        frame = frame.f_back
    if frame is not None and _kind(frame.f_code.co_filename) == "tests":
        return None
    found: dict[str, Any] = {"sender": _where(sender), "origin": _where(outermost)}
    if outermost.f_code.co_filename == _RUNTIME and outermost.f_code.co_name == "_repeat":
        found["job"] = outermost.f_locals.get("name")
    return found
