"""Console entry point: `source-huawei-cms spec|check|discover|read`."""

from cdr_shared.cdk_import import launch_source


def run() -> None:
    launch_source("source_huawei_cms.source:SourceHuaweiCms")
