"""Console entry point: `source-casper spec|check|discover|read`."""

from cdr_shared.cdk_import import launch_source


def run() -> None:
    launch_source("source_casper.source:SourceCasper")
