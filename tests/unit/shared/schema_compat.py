"""Is a new JSON Schema of an event still readable by everyone who relied on the old one?

Compared are the schemas pydantic generates (objects, $refs into $defs, anyOf for optional
values, enum/const for literals, numeric and length bounds, patterns). A change is incompatible
when a message valid for an old reader or writer could now be refused or misread:

- a property removed or renamed;
- a new required property (also: an optional one that became required);
- a narrowed type (number -> integer, string|null -> string, fewer enum values, a tighter
  bound, a changed pattern or format, items narrowed the same way).

Additive optional properties are compatible, as are widened types and looser bounds.
"""
from __future__ import annotations

from typing import Any

LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
TIGHTENING_IF_CHANGED = ("pattern", "format", "multipleOf")


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every incompatible difference, as `path: what`; empty when `new` is compatible with `old`."""
    problems: list[str] = []
    _compare(old, new, old.get("$defs", {}), new.get("$defs", {}), "$", problems)
    return problems


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"cannot follow $ref {ref!r}")
        node = {**defs[ref.split("/")[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _alternatives(node: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
    node = _resolve(node, defs)
    for key in ("anyOf", "oneOf"):
        if key in node:
            rest = {k: v for k, v in node.items() if k not in (key, "title", "description", "default")}
            out = []
            for alt in node[key]:
                out.extend(_alternatives({**rest, **alt}, defs))
            return out
    types = node.get("type")
    if isinstance(types, list):
        return [{**node, "type": t} for t in types]
    return [node]


def _types(node: dict[str, Any]) -> set[str]:
    if "type" in node:
        return {node["type"]}
    if "const" in node:
        value = node["const"]
        return {"null" if value is None else type(value).__name__}
    if "enum" in node:
        return {"enum"}
    return {"any"}


def _covers(new_type: str, old_type: str) -> bool:
    return new_type == "any" or new_type == old_type or (new_type == "number" and old_type == "integer")


def _enum_values(node: dict[str, Any]) -> list[Any] | None:
    if "enum" in node:
        return list(node["enum"])
    if "const" in node:
        return [node["const"]]
    return None


def _compare(old: dict, new: dict, old_defs: dict, new_defs: dict, path: str,
             problems: list[str]) -> None:
    if len(path) > 400:  # a recursive schema: compared deep enough
        return
    old_alts = _alternatives(old, old_defs)
    new_alts = _alternatives(new, new_defs)
    for old_alt in old_alts:
        matches = [n for n in new_alts
                   if any(_covers(nt, ot) for nt in _types(n) for ot in _types(old_alt))]
        if not matches:
            old_t = "|".join(sorted(t for a in old_alts for t in _types(a)))
            new_t = "|".join(sorted(t for a in new_alts for t in _types(a)))
            problems.append(f"{path}: type narrowed from {old_t} to {new_t}")
            continue
        # The most permissive match decides; report what even the best match narrows.
        best: list[str] | None = None
        for candidate in matches:
            found: list[str] = []
            _compare_same_kind(old_alt, candidate, old_defs, new_defs, path, found)
            if best is None or len(found) < len(best):
                best = found
            if not found:
                break
        problems.extend(best or [])


def _compare_same_kind(old: dict, new: dict, old_defs: dict, new_defs: dict, path: str,
                       problems: list[str]) -> None:
    old_enum, new_enum = _enum_values(old), _enum_values(new)
    if old_enum is not None or new_enum is not None:
        if new_enum is not None:
            if old_enum is None:
                problems.append(f"{path}: now limited to the values {new_enum}")
            else:
                lost = [v for v in old_enum if v not in new_enum]
                if lost:
                    problems.append(f"{path}: values no longer allowed: {lost}")
    for bound in LOWER_BOUNDS:
        if bound in new and (bound not in old or new[bound] > old[bound]):
            problems.append(f"{path}: {bound} tightened from {old.get(bound)} to {new[bound]}")
    for bound in UPPER_BOUNDS:
        if bound in new and (bound not in old or new[bound] < old[bound]):
            problems.append(f"{path}: {bound} tightened from {old.get(bound)} to {new[bound]}")
    for constraint in TIGHTENING_IF_CHANGED:
        if constraint in new and new.get(constraint) != old.get(constraint):
            problems.append(f"{path}: {constraint} changed from {old.get(constraint)!r} to {new[constraint]!r}")

    kinds = _types(old) & _types(new)
    if "object" in kinds or "properties" in old or "properties" in new:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        for name, old_prop in old_props.items():
            if name not in new_props:
                problems.append(f"{path}.{name}: property removed or renamed")
                continue
            _compare(old_prop, new_props[name], old_defs, new_defs, f"{path}.{name}", problems)
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name in sorted(new_required - old_required):
            what = "optional property became required" if name in old_props else "new required property"
            problems.append(f"{path}.{name}: {what}")
        old_extra, new_extra = old.get("additionalProperties", True), new.get("additionalProperties", True)
        if old_extra is not False and new_extra is False:
            problems.append(f"{path}: additional properties no longer allowed")
        elif isinstance(old_extra, dict) and isinstance(new_extra, dict):
            _compare(old_extra, new_extra, old_defs, new_defs, f"{path}.*", problems)
    if "array" in kinds and "items" in old and "items" in new:
        _compare(old["items"], new["items"], old_defs, new_defs, f"{path}[]", problems)
    elif "array" in kinds and "items" not in old and "items" in new:
        problems.append(f"{path}[]: items now constrained")
