"""What the RingCX emulator's CX integration APIs share (`interaction-metadata` in `ringcx_interactions.py`,
`agg-queue-stats` and `agg-agent-extended-stats` in `ringcx_stats.py`; github.com/ringcentral/engage-voice-api-docs,
specs/engage-voice_openapi3.json, tag "Public Integration API"):

- paths under `/voice/api/cx/integration/v1/accounts/{rcAccountId}/sub-accounts/{subAccountId}/`: the RingCX
  token (or API token) checked as on every route, an `rcAccountId` other than the accounts' or an unknown
  sub-account is 404, `wem_access=False` is 403 (the account lacks WEM Access), all in the spec's `Errors` shape;
- per sub-account at most 3 requests a minute and 9 per 15 minutes (periods divided by `time_scale`; a limit of
  0 switches it off): 429 with `Retry-After`; a body the API refuses is 400;
- `answer` (every request, or the next `answer_times`): `json`, `empty` (200 without body), `html`, `object`
  (a JSON object, not the list), `cut` (the list cut off mid-record);
- settings changeable while running (`configure`, `POST /__control/<control_name>`).
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, ClassVar

from .base import Request, Response

RC_ACCOUNT_ID = "37439510"
ANSWERS = ("json", "empty", "html", "object", "cut")


class RequestInvalid(Exception):
    """A body the API refuses with 400; the message is the provider's `developerMessage`."""


def errors(status: int, developer_message: str, general_message: str, request: Request) -> Response:
    """An error in the spec's `Errors` shape."""
    return Response.json(
        {
            "details": "",
            "developerMessage": developer_message,
            "cause": "",
            "generalMessage": general_message,
            "requestUri": f"{request.path} - POST",
            "timestamp": int(datetime.now(timezone.utc).timestamp() * 1000),
        },
        status,
    )


class CxIntegrationApi:
    """One CX integration API of a `RingCxEmulator`: its settings, checks, quota and odd answers."""

    control_name: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    """Every setting with its default (`answer`, `answer_times` and `wem_access` are added)."""
    choices: ClassVar[dict[str, tuple[Any, ...]]] = {}
    """The settings that take one of a few values (`answer` is added)."""

    def __init__(
        self,
        emulator: Any,
        *,
        per_minute: int = 3,
        per_15_minutes: int = 9,
        time_scale: float = 1.0,
        **settings: Any,
    ) -> None:
        self.emulator = emulator
        self.settings = {"answer": "json", "answer_times": None, "wem_access": True, **self.defaults}
        self._lock = threading.Lock()
        self.configure(**settings)
        self.per_minute, self.per_15_minutes, self.time_scale = per_minute, per_15_minutes, time_scale
        self._limiters: dict[str, tuple[Any, ...]] = {}
        emulator.add_control_route("POST", self.control_name, self._control)

    def configure(self, **settings: Any) -> dict[str, Any]:
        unknown = set(settings) - set(self.settings)
        if unknown:
            raise ValueError(f"unknown {self.control_name}: {sorted(unknown)}")
        for name, allowed in {"answer": ANSWERS, **self.choices}.items():
            if name in settings and settings[name] not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {settings[name]!r}")
        with self._lock:
            self.settings.update(settings)
            return dict(self.settings)

    def _control(self, request: Request) -> Response:
        return Response.json(self.configure(**request.json_object()))

    def answer(self, request: Request, rows_of: Callable[[Request], list[dict[str, Any]]]) -> Response:
        """The checks every integration request passes, then `rows_of(request)` in the `answer` set."""
        refusal = self.emulator._refuse_unauthenticated(request)
        if refusal is not None:
            return refusal
        account_id = request.path_params["subAccountId"]
        if (
            request.path_params["rcAccountId"] != RC_ACCOUNT_ID
            or account_id not in self.emulator.dataset.by_id
        ):
            return errors(404, "Not found", "The resource you have requested does not exist", request)
        if not self.settings["wem_access"]:
            return errors(
                403, "Access is denied.", "You do not have permission to access this resource", request
            )
        limited = self._rate_limited(account_id)
        if limited is not None:
            return limited
        try:
            rows = rows_of(request)
        except RequestInvalid as invalid:
            return errors(400, str(invalid), "The supplied data is not valid", request)
        return self.render(rows)

    def _rate_limited(self, account_id: str) -> Response | None:
        if account_id not in self._limiters:
            self._limiters[account_id] = tuple(
                self.emulator.new_rate_limiter(limit, seconds / self.time_scale)
                for limit, seconds in ((self.per_15_minutes, 900), (self.per_minute, 60))
                if limit > 0
            )
        for limiter in self._limiters[account_id]:
            decision = limiter.admit()
            if not decision.allowed:
                return self.emulator.rate_limited_response(decision.retry_after)
        return None

    def render(self, rows: list[dict[str, Any]]) -> Response:
        with self._lock:
            answer, times = self.settings["answer"], self.settings["answer_times"]
            if answer != "json" and times is not None:
                self.settings["answer_times"] = times - 1 if times > 1 else None
                if times <= 1:
                    self.settings["answer"] = "json"
        if answer == "empty":
            return Response.text("", 200, "application/json")
        if answer == "html":
            return Response.html("<!DOCTYPE html><html><body>Down for maintenance</body></html>", 200)
        if answer == "object":
            return Response.json({"data": rows})
        text = json.dumps(rows)
        if answer == "cut":
            return Response.text(text[: max(2, len(text) // 2)], 200, "application/json")
        return Response.text(text, 200, "application/json")


def add_quota_arguments(group: argparse._ArgumentGroup, prefix: str, api: str) -> None:
    """`--<prefix>-time-scale` and `--<prefix>-no-quota`: how one CX integration API plays its quota."""
    group.add_argument(
        f"--{prefix}-time-scale", type=float, default=1.0, help=f"divides the {api} quota periods"
    )
    group.add_argument(f"--{prefix}-no-quota", action="store_true", help=f"no {api} quota (3/min, 9/15 min)")


def quota_options(args: argparse.Namespace, prefix: str) -> dict[str, Any]:
    """The quota settings `add_quota_arguments` parsed for `prefix`."""
    options: dict[str, Any] = {"time_scale": getattr(args, f"{prefix}_time_scale")}
    if getattr(args, f"{prefix}_no_quota"):
        options.update(per_minute=0, per_15_minutes=0)
    return options
