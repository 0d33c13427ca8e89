"""Reading RingCX `reports/inputControls`: the cloud profile or destination groups and their objects.

The response shape is not documented publicly; the vendor's Call Detail Report page (github.com/ringcentral/
engage-voice-api-docs, docs/analytics/reports/DEPRECATED-call-detail-report.md) only says it lists groups with `groupId` and
children with `objId`, and that the group of ungrouped objects has the id `null`. The shapes read here:

- a list of groups: `[{"groupId": 111, "groupName": "Sales", "children": [{"objId": 1111, "objName": "DTE"}]}]`
  (`null` as the ungrouped group's id; `name` accepted for the names);
- the same list keyed by product or under `groups`: `{"CLOUD_PROFILE": [...]}`, `{"groups": [...]}`;
- a flat list of objects that carry their group: `[{"objId": 1111, "objName": "DTE", "groupId": 111, ...}]`.

Anything else is an error whose message shows the answer's structure (keys and value types, no values),
so a user can report it, rather than a guess that could silently drop profiles from every report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdr_shared.errors import system_error
from cdr_shared.secrets import scrub

PRODUCTS = {"PROFILE": "CLOUD_PROFILE", "DESTINATION": "CLOUD_DESTINATION"}
_SHAPE_LIMIT = 600


@dataclass(frozen=True)
class ControlObject:
    """One cloud profile or destination and the group it belongs to (`group_id` None: ungrouped)."""

    object_id: int
    object_name: str | None
    group_id: int | None
    group_name: str | None


@dataclass(frozen=True)
class InputControls:
    """The groups and objects one account offers for one product."""

    group_ids: tuple[int | None, ...]
    objects: tuple[ControlObject, ...]


class InputControlsShapeError(ValueError):
    """The answer has none of the known shapes; the message describes its structure."""


def structure_of(value: Any, depth: int = 0) -> Any:
    """`value` with every leaf replaced by its type name: what the answer looks like, without its data."""
    if depth >= 6:
        return "..."
    if isinstance(value, Mapping):
        items = list(value.items())
        shown = {str(key): structure_of(item, depth + 1) for key, item in items[:12]}
        if len(items) > 12:
            shown["..."] = f"{len(items) - 12} more keys"
        return shown
    if isinstance(value, list):
        if not value:
            return []
        tail = [f"... {len(value) - 1} more"] if len(value) > 1 else []
        return [structure_of(value[0], depth + 1), *tail]
    if value is None:
        return "null"
    return type(value).__name__


def describe_shape(body: Any) -> str:
    text = json.dumps(structure_of(body), separators=(",", ":"))
    if len(text) > _SHAPE_LIMIT:
        text = text[:_SHAPE_LIMIT] + "..."
    return scrub(text)


def _as_id(value: Any, what: str, body: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise InputControlsShapeError(
        f"a {what} that is not a whole number ({type(value).__name__}) in {describe_shape(body)}"
    )


def _name(item: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        if isinstance(item.get(key), str):
            return item[key].strip() or None
    return None


def _groups_list(body: Any, product: str) -> list[Any] | None:
    """The list of groups or objects inside the answer, for the shapes this module knows."""
    if isinstance(body, list):
        return body
    if isinstance(body, Mapping):
        for key in (product, "groups"):
            inner = body.get(key)
            if isinstance(inner, list):
                return inner
            if isinstance(inner, Mapping) and isinstance(inner.get("groups"), list):
                return inner["groups"]
    return None


def parse_input_controls(body: Any, product: str) -> InputControls:
    """The groups and objects of an inputControls answer for `product` (`CLOUD_PROFILE`/`CLOUD_DESTINATION`)."""
    entries = _groups_list(body, product)
    if entries is None:
        raise InputControlsShapeError(describe_shape(body))
    group_ids: dict[int | None, None] = {}
    objects: dict[int, ControlObject] = {}
    for entry in entries:
        if not isinstance(entry, Mapping) or "groupId" not in entry and "objId" not in entry:
            raise InputControlsShapeError(describe_shape(body))
        group_id = _as_id(entry.get("groupId"), "groupId", body)
        group_name = _name(entry, "groupName") if "objId" in entry else _name(entry, "groupName", "name")
        group_ids[group_id] = None
        if "objId" in entry:
            children: list[Any] = [entry]
        else:
            children = entry.get("children", [])
            if not isinstance(children, list):
                raise InputControlsShapeError(describe_shape(body))
        for child in children:
            if not isinstance(child, Mapping) or "objId" not in child:
                raise InputControlsShapeError(describe_shape(body))
            object_id = _as_id(child["objId"], "objId", body)
            if object_id is None:
                continue  # an object without an id cannot be asked for in a report
            objects[object_id] = ControlObject(
                object_id, _name(child, "objName", "name"), group_id, group_name
            )
    return InputControls(tuple(group_ids), tuple(objects.values()))


def shape_error(account_id: str, product: str, error: InputControlsShapeError) -> Exception:
    """The user-facing error for an inputControls answer this connector cannot read."""
    return system_error(
        f"RingCX answered reports/inputControls ({product}) for account {account_id} in a shape this connector "
        f"does not know, so it cannot tell which profiles or destinations to report on. Structure of the answer: "
        f"{error}. Set 'group_ids' and 'object_ids' explicitly to go on, and please report this shape."
    )
