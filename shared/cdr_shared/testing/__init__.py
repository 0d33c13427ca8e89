"""Test support for the connectors (never imported by connector code at run time).

`cdr_shared.testing.bad_inputs` is the table-driven bad-input harness; see its docstring.
"""
