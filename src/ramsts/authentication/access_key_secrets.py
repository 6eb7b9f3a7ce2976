"""AccessKeySecrets at rest: sealed under the master key, bound to their AccessKeyId.

Every module that mints long-term keys (:mod:`ramsts.ram.accounts`, :mod:`ramsts.ram.access_keys`)
or reads them (the authenticator) goes through these functions, so that the sealing context is
spelled in one place.
"""

from __future__ import annotations

from ramsts.crypto import MasterKey
from ramsts.store import AccessKey
from ramsts.types import Secret


def access_key_secret_context(access_key_id: str) -> str:
    """The sealing context of an AccessKeySecret: a sealed value moved to another key's row
    does not open."""
    return f"access-key-secret:{access_key_id}"


def seal_access_key_secret(master_key: MasterKey, access_key_id: str, secret: Secret) -> str:
    return master_key.seal(secret.reveal(), access_key_secret_context(access_key_id))


def unseal_access_key_secret(master_key: MasterKey, key: AccessKey) -> Secret:
    plain = master_key.unseal(key.sealed_secret, access_key_secret_context(key.access_key_id))
    return Secret(plain.decode("utf-8"))
