"""Config migrations: a config saved for an older spec is rewritten to the current one, once, for good.

This is the pattern of Airbyte's Python sources (`config_migrations.py`: `should_migrate`, `migrate`, write
the config back, tell the platform) on the CDK's own message for it
(`airbyte_cdk.config_observation.create_connector_config_control_message`). A connector declares its moves
(`MoveIntoObject`, `RenameKey`) once, as `config_migrations` of its source class and in its `parse_config`;
the mechanism lives here:

- `migrated(config, migrations)`: the config in the current shape, in memory (every in-process caller:
  `parse_config`, the CDK's `configure`, PyAirbyte, the CDK's test wrappers);
- `migrate_config_file(source, path)`: run by `cdr_shared.entrypoint.launch` before the command. When a
  migration applies, the `--config` file is rewritten in the new shape and one CONNECTOR_CONFIG control
  message is printed, so the Airbyte platform stores the migrated config and the next run finds nothing to
  migrate. An already-current config is left untouched: no write, no message.

The control message carries the whole config, secrets included: the platform persists exactly what it
says (a masked value would replace the user's secret with the mask). It is printed the way the CDK prints
it for rotated OAuth tokens, outside the log channel; nothing else about the migration shows a value.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from airbyte_cdk.config_observation import create_connector_config_control_message
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import AirbyteLogMessage, AirbyteMessage, Level, Type


class ConfigMigration(Protocol):
    """One move from an older config shape to the current one."""

    description: str

    def should_migrate(self, config: Mapping[str, Any]) -> bool:
        """Whether `config` still has the older shape this migration rewrites."""

    def migrate(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """`config` rewritten (a new dict; `config` itself is not changed)."""


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


@dataclass(frozen=True)
class MoveIntoObject:
    """Top-level `fields` moved into the object `target`, whose `oneOf` branch is chosen by `selector`.

    A field the object already holds is not overwritten (the object wins; the stale top-level copy is
    dropped, so no secret is left at a path the spec no longer masks). A `target` that is there but not
    an object is left for validation to name.
    """

    target: str
    fields: tuple[str, ...]
    selector: tuple[str, Any]
    """The branch's `const` property and value, e.g. `("auth_type", "api_key")`."""

    @property
    def description(self) -> str:
        return f"moved {_quoted(self.fields)} into '{self.target}' ({self.selector[0]} '{self.selector[1]}')"

    def should_migrate(self, config: Mapping[str, Any]) -> bool:
        return any(name in config for name in self.fields) and isinstance(
            config.get(self.target, {}), Mapping
        )

    def migrate(self, config: Mapping[str, Any]) -> dict[str, Any]:
        result = copy.deepcopy(dict(config))
        target = dict(result.get(self.target) or {})
        for name in self.fields:
            if name in result:
                target.setdefault(name, result.pop(name))
        target.setdefault(*self.selector)
        result[self.target] = target
        return result


@dataclass(frozen=True)
class RenameKey:
    """The key `old` of the object `parent` renamed `new` (a `oneOf` selector given the suite's name)."""

    parent: str
    old: str
    new: str

    @property
    def description(self) -> str:
        return f"renamed '{self.parent}.{self.old}' to '{self.parent}.{self.new}'"

    def should_migrate(self, config: Mapping[str, Any]) -> bool:
        parent = config.get(self.parent)
        return isinstance(parent, Mapping) and self.old in parent

    def migrate(self, config: Mapping[str, Any]) -> dict[str, Any]:
        result = copy.deepcopy(dict(config))
        parent = dict(result[self.parent])
        value = parent.pop(self.old)
        parent.setdefault(self.new, value)
        result[self.parent] = parent
        return result


def apply_migrations(
    config: Mapping[str, Any], migrations: Iterable[ConfigMigration]
) -> tuple[Mapping[str, Any], list[str]]:
    """`config` after every migration that applies (in order), and what each one that applied did."""
    applied: list[str] = []
    for migration in migrations:
        if migration.should_migrate(config):
            config = migration.migrate(config)
            applied.append(migration.description)
    return config, applied


def migrated(config: Mapping[str, Any], migrations: Iterable[ConfigMigration]) -> Mapping[str, Any]:
    """`config` in the current shape: itself (the same object) when no migration applies."""
    return apply_migrations(config, migrations)[0]


def _log_line(level: Level, message: str) -> str:
    return AirbyteEntrypoint.airbyte_message_to_string(
        AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=level, message=message))
    )


def migrate_config_file(source: Any, config_path: str | None) -> list[str]:
    """Migrate the `--config` file of `source` (its `config_migrations`) and tell the platform.

    Returns the lines to print: a log line saying what moved (names only), then the control message with
    the migrated config, or nothing when the config is current. A file that cannot be read or holds no
    JSON object is left alone: the entry point's own checks name what is wrong with it. A file that cannot
    be written (a read-only mount) only costs a warning: this run uses the migrated config in memory and
    the platform stores it from the control message.
    """
    migrations = tuple(getattr(source, "config_migrations", ()))
    if not migrations or not config_path:
        return []
    try:
        with open(config_path, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError):
        return []
    if not isinstance(config, dict):
        return []
    new_config, applied = apply_migrations(config, migrations)
    if not applied:
        return []
    lines = [_log_line(Level.INFO, f"The config was migrated to the current spec: {'; '.join(applied)}.")]
    try:
        source.write_config(new_config, config_path)
    except OSError as error:
        lines.append(
            _log_line(
                Level.WARN,
                f"The migrated config could not be written back to '--config' ({error.strerror}); the "
                "platform stores it from the control message.",
            )
        )
    message = create_connector_config_control_message(dict(new_config))
    lines.append(AirbyteEntrypoint.airbyte_message_to_string(message))
    return lines


class ConfigModelSource:
    """Mixin for a connector's `AbstractSource`: one config model per run, from a config in the current shape.

    `parse_config` (the connector's, a staticmethod) checks every field and builds the model; `parsed_config`
    runs it once per config (by content: the entry point hands `check`, `discover`, `streams` and `read`
    copies of one config), so a run validates once however many times the CDK asks for streams. `configure`
    migrates the config in memory, so in-process runs (PyAirbyte, the CDK's test wrappers) that never pass
    through `migrate_config_file` see the current shape too.
    """

    config_migrations: tuple[ConfigMigration, ...] = ()
    _parsed: tuple[str, Any] | None = None

    @staticmethod
    def parse_config(config: Mapping[str, Any]) -> Any:
        """The connector's own parser: every source sets `parse_config = staticmethod(parse_config)`."""
        raise TypeError("a ConfigModelSource must set parse_config to its connector's config parser")

    def configure(self, config: Mapping[str, Any], temp_dir: str) -> Mapping[str, Any]:
        return super().configure(migrated(config, self.config_migrations), temp_dir)  # type: ignore[misc]

    def parsed_config(self, config: Mapping[str, Any]) -> Any:
        """The connector's config model for `config`, parsed (and so validated) once."""
        fingerprint = json.dumps(config, sort_keys=True, default=repr)
        if self._parsed is None or self._parsed[0] != fingerprint:
            self._parsed = (fingerprint, self.parse_config(config))
        return self._parsed[1]
