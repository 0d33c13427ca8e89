"""Airbyte source connector for Ozonetel CloudAgent call logs and call detail records."""

from source_ozonetel.source import SourceOzonetel

__all__ = ["SourceOzonetel"]
