"""Console entry point: `source-casper spec|check|discover|read`."""

import sys

from cdr_shared.entrypoint import launch
from source_casper.source import SourceCasper


def run() -> None:
    launch(SourceCasper(), sys.argv[1:])
