"""The spec the shared tests validate against: shaped like the connectors' own (a `credentials` object
with an `auth_type` oneOf of a token and a login, a start date, a bounded window)."""

from airbyte_cdk.models import ConnectorSpecification


def _credentials(auth_type: str, **fields: dict) -> dict:
    return {
        "type": "object",
        "required": ["auth_type", *fields],
        "properties": {"auth_type": {"type": "string", "const": auth_type}, **fields},
    }


SECRET = {"type": "string", "airbyte_secret": True}
SPEC = ConnectorSpecification(
    connectionSpecification={
        "type": "object",
        "required": ["credentials", "start_date"],
        "properties": {
            "start_date": {"type": "string"},
            "window_days": {"type": "integer", "maximum": 30},
            "credentials": {
                "type": "object",
                "oneOf": [
                    _credentials("api_token", api_token=SECRET),
                    _credentials("login", email={"type": "string"}, password=SECRET),
                ],
            },
        },
    }
)
