"""The console entry point of every connector: the CDK's, with spec violations that name their field.

Before a connector's own checks run, the CDK validates the config against the spec and reports the bare
jsonschema message ("31 is greater than the maximum of 30"). This entry point reports the same violation
as "'window_days' is greater than the maximum of 30", and never repeats the offending value (it may be a
secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airbyte_cdk.entrypoint import PRINT_BUFFER, AirbyteEntrypoint
from airbyte_cdk.models import ConnectorSpecification
from airbyte_cdk.sources import Source
from airbyte_cdk.sources.utils.schema_helpers import split_config
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

from cdr_shared.errors import config_error


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
    text = error.message
    shown = repr(error.instance)
    if text.startswith(shown):
        return text[len(shown) :].strip()
    return f"does not satisfy '{error.validator}' {error.validator_value!r}"


def spec_violation(config: Mapping[str, Any], spec: ConnectorSpecification) -> ValidationError | None:
    """The most relevant violation of the spec by `config`, if any."""
    schema = spec.connectionSpecification
    validator = validator_for(schema)(schema)
    return best_match(validator.iter_errors(dict(config)))


class FieldNamingEntrypoint(AirbyteEntrypoint):
    """`AirbyteEntrypoint` whose config validation names the field that is wrong."""

    @staticmethod
    def validate_connection(source_spec: ConnectorSpecification, config: Mapping[str, Any]) -> None:
        connector_config, _ = split_config(config)
        error = spec_violation(connector_config, source_spec)
        if error is not None:
            raise config_error(f"Config validation error: '{field_path(error)}' {describe(error)}.")


def launch(source: Source, args: list[str]) -> None:
    """`airbyte_cdk.entrypoint.launch`, with `FieldNamingEntrypoint`."""
    entrypoint = FieldNamingEntrypoint(source)
    parsed_args = entrypoint.parse_args(args)
    with PRINT_BUFFER:
        for message in entrypoint.run(parsed_args):
            # One write per message, as the CDK's launch does, so concurrent writers do not interleave.
            print(f"{message}\n", end="")  # noqa: T201
