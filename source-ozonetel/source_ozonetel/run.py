"""Console entry point: `source-ozonetel spec|check|discover|read`."""

from cdr_shared.cdk_import import launch_source


def run() -> None:
    launch_source("source_ozonetel.source:SourceOzonetel")
