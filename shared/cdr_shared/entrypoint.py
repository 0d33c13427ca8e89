"""The console entry point of every connector: the CDK's, with inputs checked so every mistake is named.

- Spec violations name their field ("'window_days' is greater than the maximum of 30") and never repeat
  the offending value (it may be a secret). Under a `oneOf` (credentials), the message is about the
  branch the user chose by its `const` selector (`auth_type`), not another branch and not "is not valid
  under any of the given schemas".
- A config saved for an older spec is migrated first (`cdr_shared.config_migration`): the `--config` file
  is rewritten and one CONNECTOR_CONFIG control message tells the platform to store the new shape.
- The config is checked against the spec once per run (the CDK would check it twice in `read`).
- The `--config`, `--state` and `--catalog` files are read before the CDK touches them: a missing file,
  bad JSON or the wrong top-level type ends with one config-error trace naming the argument, exit code 1.
- Secrets (every `airbyte_secret` field of the spec) pasted with leading or trailing whitespace are
  trimmed before use; the mask covers the pasted and the trimmed value, URL-encoded, JSON-escaped and
  base64 (`secret_forms`).
- The configured catalog is checked against `discover`: an unknown stream, a sync mode the stream does
  not support or a cursor field other than the source-defined one is a config error naming the stream
  (the CDK would only mark an unknown stream INCOMPLETE and silently accept the rest).
- `check` runs inside `check_budget()`: shared error handlers and backoffs give up within a minute.
- Every line printed but records passes the CDK's secret filter (the CDK leaves a `check` status unfiltered).
- Any error that ends the run is printed as one trace message (config errors without a stack trace) and
  exits non-zero; the CDK's own hook would also log the Python traceback.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
from collections.abc import Iterable, Mapping
from typing import Any

import dpath
from airbyte_cdk.entrypoint import PRINT_BUFFER, AirbyteEntrypoint
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    ConnectorSpecification,
    FailureType,
    SyncMode,
)
from airbyte_cdk.sources import Source
from airbyte_cdk.sources.streams.http.exceptions import BaseBackoffException
from airbyte_cdk.sources.utils.schema_helpers import split_config
from airbyte_cdk.utils.airbyte_secrets_utils import get_secret_paths, get_secrets, update_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

from cdr_shared.config_migration import migrate_config_file
from cdr_shared.errors import config_error
from cdr_shared.http_errors import check_budget
from cdr_shared.secrets import install_debug_masking, mask_secret_values, scrub, secret_forms

# The argument each file comes from, as the user typed it.
_FILE_ARGUMENTS = {"config": "--config", "state": "--state", "catalog": "--catalog"}


def field_path(error: ValidationError) -> str:
    """Dotted path of the config field a validation error is about (the missing one for `required`)."""
    parts = [str(part) for part in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, Mapping):
        missing = [name for name in error.validator_value if name not in error.instance]
        parts += missing[:1]
    return ".".join(parts) or "config"


def describe(error: ValidationError) -> str:
    """What is wrong, without the offending value."""
    if error.validator == "required":
        return "is required"
    if error.validator in ("oneOf", "anyOf") and getattr(error, "_cdr_choices", None):
        selector, choices = error._cdr_choices  # type: ignore[attr-defined]
        return f"must be one of {', '.join(repr(c) for c in choices)}"
    text = error.message
    shown = repr(error.instance)
    if text.startswith(shown):
        return text[len(shown) :].strip()
    return f"does not satisfy '{error.validator}' {error.validator_value!r}"


def _selectors(branches: list[Any]) -> dict[str, list[Any]]:
    """For each property that is a `const` in the branches of a `oneOf`, the consts (in branch order)."""
    found: dict[str, list[Any]] = {}
    for branch in branches:
        properties = branch.get("properties", {}) if isinstance(branch, Mapping) else {}
        for name, schema in properties.items():
            if isinstance(schema, Mapping) and "const" in schema:
                found.setdefault(name, []).append(schema["const"])
    return {name: consts for name, consts in found.items() if len(consts) == len(branches)}


def chosen_branch_error(error: ValidationError) -> ValidationError:
    """For a `oneOf`/`anyOf` violation, the violation inside the branch the config selected by its const.

    The branch is the one whose selector property (`auth_type`, any property that is a `const` in every
    branch) equals the config's value. No selector value, or one no branch has: the error says which
    selector to set. Not a selector-shaped `oneOf`: the error as it is.
    """
    if error.validator not in ("oneOf", "anyOf") or not isinstance(error.instance, Mapping):
        return error
    branches = list(error.validator_value)
    for selector, consts in _selectors(branches).items():
        value = error.instance.get(selector)
        if value not in consts:
            # The selector is missing or unknown: name it, with the choices.
            named = ValidationError(
                error.message,
                validator=error.validator,
                path=[*error.absolute_path, selector],
                instance=value,
            )
            named._cdr_choices = (selector, consts)  # type: ignore[attr-defined]
            return named
        index = consts.index(value)
        inside = [
            e for e in error.context or [] if e.relative_schema_path and e.relative_schema_path[0] == index
        ]
        if inside:
            return best_match([_resolve_branches(e) for e in inside])
        return error
    return error


def spec_violation(config: Mapping[str, Any], spec: ConnectorSpecification) -> ValidationError | None:
    """The most relevant violation of the spec by `config`, if any (inside the chosen `oneOf` branch)."""
    schema = spec.connectionSpecification
    validator = validator_for(schema)(schema)
    errors = [_resolve_branches(error) for error in validator.iter_errors(dict(config))]
    return best_match(errors) if errors else None


def _resolve_branches(error: ValidationError) -> ValidationError:
    """`chosen_branch_error` until the error is no longer a selector-shaped `oneOf`."""
    resolved = chosen_branch_error(error)
    return resolved if resolved is error else _resolve_branches(resolved)


def _field_message(error: ValidationError) -> str:
    return f"Config validation error: '{field_path(error)}' {describe(error)}."


def trim_secrets(
    config: Mapping[str, Any], connection_specification: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """`config` with every `airbyte_secret` string stripped of surrounding whitespace, and the values as pasted.

    A token copied with a trailing newline would otherwise be sent as is (and refused) or crash a header
    builder; trimming is what the user meant. The pasted values are returned so they stay masked too.
    """
    trimmed = copy.deepcopy(dict(config))
    pasted: list[str] = []
    for path in get_secret_paths(connection_specification.get("properties", {})):
        try:
            value = dpath.get(trimmed, path)
        except (KeyError, ValueError, TypeError):
            continue
        if isinstance(value, str) and value != value.strip():
            if value.strip():  # whitespace alone is no secret: masking it would mask every space
                pasted.append(value)
            dpath.set(trimmed, path, value.strip())
    return trimmed, pasted


def _json_file(path: str | None, argument: str, kind: type | tuple[type, ...], what: str) -> Any:
    """The JSON in `path`, or a config error naming the argument (never the file's content)."""
    try:
        with open(path or "", encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise config_error(
            f"The {what} file given as '{argument}' ({path}) could not be read: {reason}."
        ) from None
    except UnicodeDecodeError:
        raise config_error(f"The {what} file given as '{argument}' ({path}) is not UTF-8 text.") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise config_error(
            f"The {what} file given as '{argument}' ({path}) is not valid JSON "
            f"(line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    if not isinstance(value, kind):
        expected = "a JSON object" if kind is dict else "a JSON array"
        raise config_error(
            f"The {what} file given as '{argument}' ({path}) must hold {expected}; it holds {_json_type(value)}."
        )
    return value


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _first_line(error: Exception) -> str:
    """A short account of a parse failure: the serializer's first error item (path and message) if any."""
    items = getattr(error, "errors", None)
    if items:
        item = items[0]
        where = getattr(item, "instance_path", "")
        said = getattr(item, "message", str(item))
        return f"{where}: {said}"[:200] if where else str(said)[:200]
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__


def _stream_name(item: Any, *keys: str) -> str | None:
    node = item
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, str) else None


class FieldNamingEntrypoint(AirbyteEntrypoint):
    """`AirbyteEntrypoint` whose input checks name the field, file, or stream that is wrong."""

    _pasted_secrets: list[str] = []
    _validated_config: Mapping[str, Any] | None = None

    @staticmethod
    def check_against_spec(source_spec: ConnectorSpecification, config: Mapping[str, Any]) -> None:
        """A config error naming the field of the most relevant spec violation, if any."""
        connector_config, _ = split_config(config)
        error = spec_violation(connector_config, source_spec)
        if error is not None:
            raise config_error(_field_message(error))

    def validate_connection(self, source_spec: ConnectorSpecification, config: Mapping[str, Any]) -> None:  # type: ignore[override]
        """`check_against_spec`, once per config object: `read` validates before the catalog check, and the
        CDK's `read` would validate the same config again."""
        if config is self._validated_config:
            return
        self.check_against_spec(source_spec, config)
        self._validated_config = config

    # --- files ---------------------------------------------------------------------------------------

    def preflight(self, parsed_args: Any) -> None:
        """Read the files the command needs; any that is unusable is a config error naming its argument."""
        command = parsed_args.command
        if command in ("check", "discover", "read"):
            _json_file(parsed_args.config, "--config", dict, "config")
        if command != "read":
            return
        catalog = _json_file(parsed_args.catalog, "--catalog", dict, "catalog")
        for configured in catalog.get("streams") if isinstance(catalog.get("streams"), list) else [None]:
            try:
                ConfiguredAirbyteCatalogSerializer.load({"streams": [configured]} if configured else catalog)
            except Exception as error:  # noqa: BLE001 - the serializer raises its own types
                name = _stream_name(configured, "stream", "name")
                where = f"stream '{name}' in " if name else ""
                raise config_error(
                    f"The catalog file given as '--catalog' ({parsed_args.catalog}) is not a configured catalog: "
                    f"{where}{_first_line(error)}."
                ) from None
        if parsed_args.state:
            state = _json_file(parsed_args.state, "--state", (list, dict), "state")
            if isinstance(state, dict) and state:
                raise config_error(
                    f"The state file given as '--state' ({parsed_args.state}) holds a legacy state object; "
                    "it must hold a list of per-stream state messages. Reset the connection's state."
                )
            for item in state if isinstance(state, list) else []:
                try:
                    AirbyteStateMessageSerializer.load(item)
                except Exception as error:  # noqa: BLE001 - the serializer raises its own types
                    name = _stream_name(item, "stream", "stream_descriptor", "name")
                    where = f"the state of stream '{name}' " if name else "a state message "
                    raise config_error(
                        f"The state file given as '--state' ({parsed_args.state}) is not usable: {where}"
                        f"does not match the Airbyte protocol ({_first_line(error)}). Reset the stream's state."
                    ) from None
            try:
                self.source.read_state(parsed_args.state)
            except AirbyteTracedException:
                raise
            except Exception as error:  # noqa: BLE001 - the CDK raises ValueError, TypeError, KeyError...
                raise config_error(
                    f"The state file given as '--state' ({parsed_args.state}) is not a list of per-stream state "
                    f"messages: {_first_line(error)}."
                ) from None

    def run(self, parsed_args: Any) -> Iterable[str]:
        if parsed_args.command and parsed_args.command != "spec":
            self.preflight(parsed_args)
        yield from super().run(parsed_args)

    # --- secrets -------------------------------------------------------------------------------------

    def prepare(self, source_spec: ConnectorSpecification, config: Mapping[str, Any]) -> Mapping[str, Any]:
        trimmed, pasted = trim_secrets(config, source_spec.connectionSpecification)
        self._pasted_secrets = pasted
        return trimmed

    def set_up_secret_filter(
        self, config: Mapping[str, Any], connection_specification: Mapping[str, Any]
    ) -> None:  # type: ignore[override]
        values = [v for v in get_secrets(connection_specification, config) if isinstance(v, str) and v]
        forms: set[str] = set()
        for value in [*values, *self._pasted_secrets]:
            forms |= secret_forms(value)
        # Longest first: a secret that contains another is masked whole.
        update_secrets(sorted(forms, key=len, reverse=True))

    def check(self, source_spec: ConnectorSpecification, config: Any) -> Iterable[AirbyteMessage]:
        # Retries and waits bounded (`cdr_shared.http_errors.check_budget`): a FAILED status within a minute.
        with check_budget():
            yield from super().check(source_spec, self.prepare(source_spec, config))

    def discover(self, source_spec: ConnectorSpecification, config: Any) -> Iterable[AirbyteMessage]:
        return super().discover(source_spec, self.prepare(source_spec, config))

    def read(
        self, source_spec: ConnectorSpecification, config: Any, catalog: Any, state: list[Any]
    ) -> Iterable[AirbyteMessage]:
        config = self.prepare(source_spec, config)
        self.set_up_secret_filter(config, source_spec.connectionSpecification)
        if self.source.check_config_against_spec:
            self.validate_connection(source_spec, config)
        self.validate_catalog(config, catalog)
        self.warn_unknown_state_streams(state)
        yield from super().read(source_spec, config, catalog, state)

    # --- catalog -------------------------------------------------------------------------------------

    _discovered_names: set[str] | None = None

    def warn_unknown_state_streams(self, state: list[Any]) -> None:
        """A saved state for a stream this source does not have is ignored (as the CDK does), with a warning."""
        if self._discovered_names is None:
            return
        for message in state or []:
            descriptor = getattr(getattr(message, "stream", None), "stream_descriptor", None)
            name = getattr(descriptor, "name", None)
            if name and name not in self._discovered_names:
                self.logger.warning(
                    f"The state file holds a state for stream '{name}', which this source does not have "
                    f"(its streams: {', '.join(sorted(self._discovered_names))}); it is ignored."
                )

    def validate_catalog(self, config: Mapping[str, Any], catalog: ConfiguredAirbyteCatalog) -> None:
        """Every configured stream exists, in a sync mode it supports, with its source-defined cursor."""
        discovered = {s.name: s for s in self.source.discover(self.logger, config).streams}
        self._discovered_names = set(discovered)
        if not catalog.streams:
            raise config_error(
                "The catalog given as '--catalog' selects no stream; select at least one of: "
                + ", ".join(discovered)
                + "."
            )
        for configured in catalog.streams:
            name = configured.stream.name
            stream = discovered.get(name)
            if stream is None:
                raise config_error(
                    f"The catalog names stream '{name}', which this source does not have "
                    f"(its streams: {', '.join(sorted(discovered))}). Refresh the source schema."
                )
            modes = [mode.value for mode in stream.supported_sync_modes or []]
            if configured.sync_mode.value not in modes:
                raise config_error(
                    f"Stream '{name}' does not support the sync mode '{configured.sync_mode.value}' "
                    f"(supported: {', '.join(modes)})."
                )
            if (
                configured.sync_mode == SyncMode.incremental
                and stream.source_defined_cursor
                and configured.cursor_field
                and stream.default_cursor_field
                and list(configured.cursor_field) != list(stream.default_cursor_field)
            ):
                raise config_error(
                    f"Stream '{name}' syncs incrementally on its source-defined cursor "
                    f"'{'.'.join(stream.default_cursor_field)}'; the catalog asks for "
                    f"'{'.'.join(configured.cursor_field)}'."
                )


def trace_line(error: BaseException) -> str:
    """The one trace message a run ends with: secrets masked, no stack trace for a config error."""
    traced = (
        error if isinstance(error, AirbyteTracedException) else AirbyteTracedException.from_exception(error)
    )
    message = traced.as_sanitized_airbyte_message()
    if message.trace and message.trace.error and message.trace.error.failure_type == FailureType.config_error:
        message.trace.error.stack_trace = None
    return mask_trace_values(AirbyteEntrypoint.airbyte_message_to_string(message))


def strip_config_error_stack(line: str) -> str:
    """A serialized message with the stack trace removed if it is a config-error trace (user input, not a bug)."""
    if not line.startswith('{"type":"TRACE"') or '"config_error"' not in line:
        return line
    message = json.loads(line)
    error = (message.get("trace") or {}).get("error") or {}
    if error.get("failure_type") == "config_error" and error.get("stack_trace"):
        error.pop("stack_trace")
        return json.dumps(message, separators=(",", ":"))
    return line


class ConfigErrorTracebackFilter(logging.Filter):
    """Drops the traceback from log records about a config error (the CDK logs one per failed stream)
    or about retries given up (the CDK's "Retries exhausted with backoff exception"): the trace or status
    message says what to fix or what the provider answered, and a stack trace only hides that."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        expected = isinstance(error, BaseBackoffException) or (
            isinstance(error, AirbyteTracedException) and error.failure_type == FailureType.config_error
        )
        if expected:
            if isinstance(record.msg, str) and isinstance(error, BaseBackoffException):
                record.msg = f"{record.msg} {error}"
            record.exc_info = None
            record.exc_text = None
        return True


def install_config_error_filter() -> None:
    """Put a `ConfigErrorTracebackFilter` on every handler of the root logger (the CDK's console), once."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ConfigErrorTracebackFilter) for f in handler.filters):
            handler.addFilter(ConfigErrorTracebackFilter())


def scrub_line(line: str) -> str:
    """A message line as printed: registered secrets masked in every message but records (the CDK masks
    logs and traces, not a `check` status); records are data, left byte for byte as the source made them
    (a short secret could otherwise mask digits of a phone number), so connectors drop secret keys from
    records themselves (`cdr_shared.secrets.drop_secret_keys`)."""
    if line.startswith('{"type":"RECORD"'):
        return line
    if line.startswith('{"type":"TRACE"') and '"error"' in line:
        line = mask_trace_values(line)
    return scrub(strip_config_error_stack(line))


def mask_trace_values(line: str) -> str:
    """A serialized error trace with secret-looking values masked in its texts: the CDK quotes a failed
    request's response body (as a Python repr, inside the repr of an exception) in the trace's messages."""
    try:
        message = json.loads(line)
    except ValueError:
        return mask_secret_values(line)
    error = (message.get("trace") or {}).get("error") or {}
    changed = False
    for key in ("message", "internal_message", "stack_trace"):
        if isinstance(error.get(key), str):
            masked = mask_secret_values(error[key])
            changed |= masked != error[key]
            error[key] = masked
    return json.dumps(message, separators=(",", ":")) if changed else line


def launch(source: Source, args: list[str]) -> None:
    """`airbyte_cdk.entrypoint.launch`, with `FieldNamingEntrypoint`; an error ends it with exit code 1."""
    entrypoint = FieldNamingEntrypoint(source)
    parsed_args = entrypoint.parse_args(args)
    install_debug_masking()
    install_config_error_filter()
    with PRINT_BUFFER:
        try:
            # Printed as is: the control message must carry the secrets the platform is to store.
            for line in migrate_config_file(source, getattr(parsed_args, "config", None)):
                print(f"{line}\n", end="")  # noqa: T201
            for message in entrypoint.run(parsed_args):
                # One write per message, as the CDK's launch does, so concurrent writers do not interleave.
                print(f"{scrub_line(message)}\n", end="")  # noqa: T201
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # noqa: BLE001 - everything ends as one trace, never a traceback
            print(f"{trace_line(error)}\n", end="")  # noqa: T201
            logging.shutdown()
            sys.exit(1)
