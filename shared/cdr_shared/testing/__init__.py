"""Test support for the connectors (never imported by connector code at run time; imports no emulator).

- `config_builder`: `ConfigBuilder`, the fluent base of each connector's config builder.
- `http_mock`: `RequestBuilder`, `ResponseBuilder` and `answer()` for the CDK's `HttpMocker`.
- `state_builder`: `StateBuilder`, `StreamCursor` (the saved state to resume from, the cursor values a run saved).
- `output`: `StreamReader` (one `read` call for every connector), `assert_failed`, `everything_printed`...
- `console`: `run_console_script` (`source-x spec|check|discover|read` as a subprocess with JSON files) and
  `run_entry_point` (the same in-process), both returning the parsed Airbyte messages.
- `check_suite`: `CheckSuite`, the `check` tests every connector runs with its own table of cases.
- `state_suite`: `SavedStateSuite`, the saved-state contract every connector keeps.
- `bad_inputs`: the table-driven bad-input harness; see its docstring.

Each connector's `unit_tests/builders.py` names its provider's requests and answers on top of these;
its `conftest.py` holds only fixtures.
"""
