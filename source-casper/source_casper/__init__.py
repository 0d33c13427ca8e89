"""Airbyte source connector for the RingCentral RingCX (formerly Engage Voice) cloud Call Detail Report."""

from source_casper.source import SourceCasper

__all__ = ["SourceCasper"]
