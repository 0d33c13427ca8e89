"""Console entry point: `source-acefone spec|check|discover|read`."""

import sys

from cdr_shared.entrypoint import launch
from source_acefone.source import SourceAcefone


def run() -> None:
    launch(SourceAcefone(), sys.argv[1:])
