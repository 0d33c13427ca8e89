"""CC-CMS credentials: an access key / secret key pair that signs every request (auth-v2, "C2")."""

from __future__ import annotations

from dataclasses import replace

from cdr_shared.huawei_sign import DOCUMENTED, AuthV2Signer, AuthV2Variant
from source_huawei_cms.config import CmsConfig

# The documented form (second-precision timestamp, only `host` signed). A deployment that turns out to
# expect another timestamp or more signed headers is switched here, in one place; the form of `host` is
# the config's `signed_host`.
SIGNATURE_VARIANT: AuthV2Variant = DOCUMENTED


def authenticator_from_config(config: CmsConfig) -> AuthV2Signer:
    """The signer for the configured key pair (the secret key is masked in all output from now on)."""
    variant = replace(SIGNATURE_VARIANT, host_form=config.signed_host)
    return AuthV2Signer(config.access_key, config.secret_key, variant)
