import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.credentials import header_safe

SECRET = "canary-header-9f1b"


def test_a_token_of_printable_ascii_is_returned_as_it_is():
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-_~+/="
    assert header_safe(token, "credentials.api_token") == token


@pytest.mark.parametrize(
    "value",
    [
        f"{SECRET}\nmore",
        f"{SECRET} more",
        f"{SECRET}\u200b",
        f"{SECRET}\u00a0",
        f"{SECRET}é",
        f"{SECRET}\x00",
    ],
)
def test_a_token_that_cannot_travel_in_a_header_is_a_config_error_naming_the_field_not_quoting_it(value):
    with pytest.raises(AirbyteTracedException) as caught:
        header_safe(value, "credentials.api_token")
    assert caught.value.failure_type == FailureType.config_error
    assert "'credentials.api_token'" in caught.value.message
    assert SECRET not in caught.value.message and SECRET not in (caught.value.internal_message or "")


def test_a_bearer_prefix_is_named_as_the_likely_cause():
    with pytest.raises(AirbyteTracedException) as caught:
        header_safe(f"Bearer {SECRET}", "credentials.api_token")
    assert "without the 'Bearer' prefix" in caught.value.message
