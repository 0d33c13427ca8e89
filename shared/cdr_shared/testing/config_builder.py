"""A fluent config builder: a connector's tests say only what a case changes from a valid config.

Each connector subclasses `ConfigBuilder` in its `unit_tests/builders.py`, declares a valid `DEFAULTS`
(the smallest config its unit tests start from) and adds `with_<field>` methods for the fields its tests
vary, named after the spec fields. Every method returns a new builder, so a module-level builder is safe to
share between tests::

    class AcefoneConfig(ConfigBuilder):
        DEFAULTS = {"credentials": {"auth_type": "api_token", "api_token": TOKEN}, "start_date": "2024-05-09"}

        def with_login(self, email: str, password: str) -> AcefoneConfig:
            return self.with_field("credentials", {"auth_type": "login", "email": email, "password": password})

    AcefoneConfig().with_end_date("2024-05-10").build()
    config = AcefoneConfig()
    config(end_date="2024-05-10")            # the same dict

The dict-returning `set`, `drop` and `merge` serve tables of bad configs (`cdr_shared.testing.bad_inputs`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

_Builder = TypeVar("_Builder", bound="ConfigBuilder")


class ConfigBuilder:
    """Builds configs from a valid base by dotted paths (`credentials.api_token`)."""

    DEFAULTS: ClassVar[Mapping[str, Any]] = {}
    """A valid config of the connector: what `build()` returns when nothing was changed."""

    def __init__(self, base: Mapping[str, Any] | None = None) -> None:
        self.base = copy.deepcopy(dict(self.DEFAULTS if base is None else base))

    CREDENTIAL_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields a test may name at the top level (`config(api_key="")`) that the spec keeps under
    `credentials`, in the branch `CREDENTIALS_AUTH_TYPE`: `build()` moves them there."""
    CREDENTIALS_AUTH_TYPE: ClassVar[str] = ""

    def build(self) -> dict[str, Any]:
        """The config, as a new dict."""
        config = copy.deepcopy(self.base)
        moved = {name: config.pop(name) for name in self.CREDENTIAL_FIELDS if name in config}
        if moved:
            credentials = config.get("credentials")
            credentials = credentials if isinstance(credentials, dict) else {}
            config["credentials"] = {"auth_type": self.CREDENTIALS_AUTH_TYPE, **credentials, **moved}
        return config

    def __call__(self, **fields: Any) -> dict[str, Any]:
        """The config with the given top-level fields replaced, as a new dict (`config(end_date=...)`)."""
        return self.with_fields(**fields).build()

    # Fluent: each returns a new builder of the same class.

    def with_field(self: _Builder, path: str, value: Any) -> _Builder:
        """This config with `path` (dotted) set to `value`; missing parent objects are created."""
        return type(self)(self.set(path, value))

    def with_fields(self: _Builder, **fields: Any) -> _Builder:
        """This config with the given top-level fields replaced."""
        return type(self)(self.merge(**fields))

    def without(self: _Builder, path: str) -> _Builder:
        """This config without `path` (dotted)."""
        return type(self)(self.drop(path))

    def with_start_date(self: _Builder, value: str) -> _Builder:
        return self.with_field("start_date", value)

    def with_end_date(self: _Builder, value: str) -> _Builder:
        return self.with_field("end_date", value)

    def with_timezone(self: _Builder, value: str) -> _Builder:
        return self.with_field("timezone", value)

    def with_base_url(self: _Builder, value: str) -> _Builder:
        return self.with_field("base_url", value)

    def with_lookback_window_minutes(self: _Builder, value: int) -> _Builder:
        return self.with_field("lookback_window_minutes", value)

    # Dict-returning, for tables of configs.

    def set(self, path: str, value: Any, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The base (or `config`) with `path` (dotted, e.g. `credentials.api_token`) set to `value`."""
        result = copy.deepcopy(dict(config if config is not None else self.base))
        *parents, leaf = path.split(".")
        node = result
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = copy.deepcopy(value)
        return result

    def drop(self, path: str, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The base (or `config`) without `path` (a missing parent object is added, empty)."""
        result = copy.deepcopy(dict(config if config is not None else self.base))
        *parents, leaf = path.split(".")
        node = result
        for name in parents:
            node = node.setdefault(name, {})
        node.pop(leaf, None)
        return result

    def merge(self, **overrides: Any) -> dict[str, Any]:
        """The base with top-level fields replaced."""
        return {**self.build(), **copy.deepcopy(overrides)}
