"""Airbyte source connector for Acefone / Servetel call detail records.

`SourceAcefone` is imported on first use (`cdr_shared.cdk_import.lazy_attributes`): the console entry point
(`run.py`) starts before any CDK module is imported.
"""

from cdr_shared.cdk_import import lazy_attributes

__all__ = ["SourceAcefone"]
__getattr__ = lazy_attributes(__name__, SourceAcefone="source_acefone.source")
