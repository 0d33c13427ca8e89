"""Console entry point: `source-ozonetel spec|check|discover|read`."""

import sys

from cdr_shared.entrypoint import launch
from source_ozonetel.source import SourceOzonetel


def run() -> None:
    launch(SourceOzonetel(), sys.argv[1:])
