"""Airbyte source connector for Huawei CEC CC-CMS call data, signed with auth-v2 (AK/SK).

`SourceHuaweiCms` is imported on first use (`cdr_shared.cdk_import.lazy_attributes`): the console entry point
(`run.py`) starts before any CDK module is imported.
"""

from cdr_shared.cdk_import import lazy_attributes

__all__ = ["SourceHuaweiCms"]
__getattr__ = lazy_attributes(__name__, SourceHuaweiCms="source_huawei_cms.source")
