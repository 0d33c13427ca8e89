"""`request_token` keeps the HTTP status of a refusal, so a caller can tell a wrong request shape from wrong credentials."""

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType

from cdr_shared.tokens import TokenRefused, request_token


@pytest.mark.parametrize("status", [400, 401, 403])
def test_a_refused_token_request_is_a_config_error_carrying_its_status(status):
    with requests_mock.Mocker() as mock:
        mock.post("https://auth.example/login", status_code=status, json={"message": "nope"})
        with pytest.raises(TokenRefused) as refused:
            request_token(
                requests.Session(), "POST", "https://auth.example/login", credential_hint="x", provider="P"
            )
    assert refused.value.status_code == status
    assert refused.value.failure_type == FailureType.config_error
    assert f"HTTP {status}: nope" in refused.value.message
