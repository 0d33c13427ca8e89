"""Console entry point: `source-acefone spec|check|discover|read`."""

from cdr_shared.cdk_import import launch_source


def run() -> None:
    launch_source("source_acefone.source:SourceAcefone")
