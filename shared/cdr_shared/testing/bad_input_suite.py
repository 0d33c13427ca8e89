"""One bad-input suite for every connector: each fills the tables, the suite holds the tests.

What every connector promises of a bad config, state or catalog file (issue 10; the harness is
`cdr_shared.testing.bad_inputs`), tested the same way for all four: the refusal names the field, file or
stream; no traceback, no HTTP request (none through `requests`, and no connection to the loopback server
standing in for `base_url`), no secret in any form; a `check` of a bad config answers a FAILED status; only
secrets (and a URL's secret-looking query values) are masked, never the words of the message.

Usage, in a connector's `unit_tests/test_bad_inputs.py`::

    class TestBadInputs(BadInputSuite):
        source = SourceAcefone
        now = NOW
        canaries = (TOKEN, PASSWORD)
        placeholder_url = PLACEHOLDER_URL   # base_url of the table's configs, pointed at a LoopbackCounter
        default_config = BASE.build()
        default_catalog = catalog_of("call_records")
        configs, states, catalogs = CONFIGS, STATES, CATALOGS
        more_cases = DISCOVER               # rows that are none of the three (optional)

A connector whose configs name no loopback `base_url` (a host that must not be reached at all) leaves
`placeholder_url` None: requests are still blocked and counted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from freezegun import freeze_time

from cdr_shared.testing.bad_inputs import BadInput, Run, run_connector, run_with_loopback

MINIMUM_ROWS = {"configs": 60, "states": 15, "catalogs": 7}
"""How many rows of each kind issue 10 asks every connector's table for (bad configs: not bad files)."""


class BadInputSuite:
    source: ClassVar[Callable[[], Any]]
    now: ClassVar[str]
    canaries: ClassVar[Sequence[str]] = ()
    placeholder_url: ClassVar[str | None] = None
    default_config: ClassVar[Mapping[str, Any]]
    default_catalog: ClassVar[Mapping[str, Any]]
    configs: ClassVar[Sequence[BadInput]]
    states: ClassVar[Sequence[BadInput]]
    catalogs: ClassVar[Sequence[BadInput]]
    more_cases: ClassVar[Sequence[BadInput]] = ()

    @classmethod
    def cases(cls) -> list[BadInput]:
        return [*cls.configs, *cls.states, *cls.catalogs, *cls.more_cases]

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "case" in metafunc.fixturenames:
            cases = self.cases()
            metafunc.parametrize("case", cases, ids=[case.id for case in cases])

    def run(self, case: BadInput, tmp_path: Path) -> tuple[Run, int]:
        """`case` through the real entry point; the run and the connections the loopback server got."""
        defaults = {"default_config": self.default_config, "default_catalog": self.default_catalog}
        with freeze_time(self.now):
            if self.placeholder_url is None:
                return run_connector(self.source, case, tmp_path, **defaults), 0
            return run_with_loopback(
                self.source, case, tmp_path, placeholder_url=self.placeholder_url, **defaults
            )

    def test_given_bad_input_then_refused_naming_it_without_request_traceback_or_secret(
        self, case: BadInput, tmp_path: Path
    ) -> None:
        run, connections = self.run(case, tmp_path)
        run.assert_refused(case.names, canaries=list(self.canaries))
        assert connections == 0, f"{case.command}: {connections} connection(s) made for a bad input"
        # Only secrets are masked, and a URL's secret-looking query values (`?token=****`), never words.
        assert "****" not in run.refusal().replace("=****", ""), run.refusal()
        if case.command == "check" and case.config_text is None:
            assert run.statuses() and run.statuses()[-1]["status"] == "FAILED", run.stdout[-2000:]

    def test_the_table_has_every_kind_of_bad_input_and_unique_ids(self) -> None:
        configs = [case for case in self.configs if case.config_text is None]  # bad configs, not bad files
        counts = {"configs": len(configs), "states": len(self.states), "catalogs": len(self.catalogs)}
        short = {kind: count for kind, count in counts.items() if count < MINIMUM_ROWS[kind]}
        assert not short, f"fewer rows than {MINIMUM_ROWS}: {short}"
        ids = [case.id for case in self.cases()]
        assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)
