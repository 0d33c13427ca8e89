"""Exceptions a connector raises for the user, one constructor per Airbyte failure type.

The user-facing message names the field or credential to fix; the internal message may carry more
detail for logs (secrets are masked by the CDK's secret filter before anything is printed).
"""

from __future__ import annotations

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


def config_error(message: str, internal_message: str | None = None) -> AirbyteTracedException:
    """Something the user must fix in the configuration, credentials or state."""
    return AirbyteTracedException(
        message=message, internal_message=internal_message or message, failure_type=FailureType.config_error
    )


def transient_error(message: str, internal_message: str | None = None) -> AirbyteTracedException:
    """A provider or network fault that a later sync may not meet again."""
    return AirbyteTracedException(
        message=message,
        internal_message=internal_message or message,
        failure_type=FailureType.transient_error,
    )


def system_error(message: str, internal_message: str | None = None) -> AirbyteTracedException:
    """Something neither the user nor a retry can fix: an answer the connector does not understand."""
    return AirbyteTracedException(
        message=message, internal_message=internal_message or message, failure_type=FailureType.system_error
    )
