"""Airbyte source connector for Acefone / Servetel call detail records."""

from source_acefone.source import SourceAcefone

__all__ = ["SourceAcefone"]
