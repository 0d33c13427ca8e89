"""Console entry point: `source-huawei-cms spec|check|discover|read`."""

import sys

from cdr_shared.entrypoint import launch
from source_huawei_cms.source import SourceHuaweiCms


def run() -> None:
    launch(SourceHuaweiCms(), sys.argv[1:])
