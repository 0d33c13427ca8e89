"""Airbyte source connector for Huawei CEC CC-CMS call data, signed with auth-v2 (AK/SK)."""

from source_huawei_cms.source import SourceHuaweiCms

__all__ = ["SourceHuaweiCms"]
