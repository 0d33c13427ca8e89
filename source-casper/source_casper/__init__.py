"""Airbyte source connector for the RingCentral RingCX (formerly Engage Voice) cloud Call Detail Report.

`SourceCasper` is imported on first use (`cdr_shared.cdk_import.lazy_attributes`): the console entry point
(`run.py`) starts before any CDK module is imported.
"""

from cdr_shared.cdk_import import lazy_attributes

__all__ = ["SourceCasper"]
__getattr__ = lazy_attributes(__name__, SourceCasper="source_casper.source")
