"""Airbyte source connector for Ozonetel CloudAgent call logs and call detail records.

`SourceOzonetel` is imported on first use (`cdr_shared.cdk_import.lazy_attributes`): the console entry point
(`run.py`) starts before any CDK module is imported.
"""

from cdr_shared.cdk_import import lazy_attributes

__all__ = ["SourceOzonetel"]
__getattr__ = lazy_attributes(__name__, SourceOzonetel="source_ozonetel.source")
