"""Secrets at rest: the master key, sealing under it, password hashes, new credentials; and the
development TLS certificate (:mod:`ramsts.crypto.dev_certificate`).

No SQL and no web framework here; the only I/O is reading (or creating) the master key file and
writing a development certificate's files when asked.
"""

from ramsts.crypto.credentials import (
    ACCESS_KEY_ID_PREFIX,
    STS_ACCESS_KEY_ID_PREFIX,
    new_access_key_id,
    new_access_key_secret,
    new_sts_access_key_id,
    new_sts_access_key_secret,
)
from ramsts.crypto.master_key import (
    MASTER_KEY_ENV,
    MasterKey,
    MasterKeyError,
    load_master_key,
    parse_master_key,
)
from ramsts.crypto.passwords import hash_password, password_needs_rehash, verify_password
from ramsts.crypto.sealing import UnsealError

__all__ = [
    "ACCESS_KEY_ID_PREFIX",
    "MASTER_KEY_ENV",
    "STS_ACCESS_KEY_ID_PREFIX",
    "MasterKey",
    "MasterKeyError",
    "UnsealError",
    "hash_password",
    "load_master_key",
    "new_access_key_id",
    "new_access_key_secret",
    "new_sts_access_key_id",
    "new_sts_access_key_secret",
    "parse_master_key",
    "password_needs_rehash",
    "verify_password",
]
