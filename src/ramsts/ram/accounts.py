"""Accounts: creating one (a 16-digit AccountId with its root AccessKey pair) and the bootstrap of
an empty installation.

An AccessKeySecret is stored sealed under the master key, bound to its AccessKeyId
(:mod:`ramsts.authentication.access_key_secrets`). The root console password, when there is one,
is stored as an argon2 hash.

The plain secret and password exist only in the :class:`CreatedAccount` returned to whoever asked
for the account (``ramsts account create``, ``ramsts serve``'s first start), which shows them once.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from ramsts.authentication.access_key_secrets import seal_access_key_secret
from ramsts.crypto import MasterKey, hash_password, new_access_key_id, new_access_key_secret
from ramsts.errors import EntityNotExist, InvalidParameter, LimitExceeded
from ramsts.ram.quotas import DEFAULT_QUOTAS
from ramsts.store import Store
from ramsts.types import Clock, Secret, system_clock

DEFAULT_ACCOUNT_NAME = "default"
ROOT_ACCESS_KEY_LIMIT = DEFAULT_QUOTAS.access_keys_per_user
"""An account's root holds at most as many AccessKeys as a RAM user."""
ACCOUNT_NAME_MAX_LENGTH = 64
PASSWORD_MIN_LENGTH = 8
"""RAM's default password policy (MinimumPasswordLength 8, api.md §9.3)."""
PASSWORD_MAX_LENGTH = 128
GENERATED_PASSWORD_LENGTH = 20
_PASSWORD_SYMBOLS = "!@#$%^&*()-_=+"  # noqa: S105 (an alphabet, not a password)


@dataclass(frozen=True, slots=True)
class CreatedAccount:
    """A new account and the credentials to show its owner once."""

    account_id: str
    name: str
    access_key_id: str
    access_key_secret: Secret
    console_password: Secret | None


def generate_console_password() -> Secret:
    """A random password with a lower-case letter, an upper-case letter, a digit and a symbol,
    so that it passes any password policy an account can set on length 20."""
    alphabet = string.ascii_letters + string.digits + _PASSWORD_SYMBOLS
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(GENERATED_PASSWORD_LENGTH))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in _PASSWORD_SYMBOLS for c in candidate)
        ):
            return Secret(candidate)


class AccountService:
    """Creates accounts. Thread-safe."""

    def __init__(self, store: Store, master_key: MasterKey, *, clock: Clock = system_clock):
        self._store = store
        self._master_key = master_key
        self._clock = clock

    def create_account(self, name: str, *, password: Secret | None = None) -> CreatedAccount:
        """A new account with an Active root AccessKey and, if given, a console password."""
        name = _checked_name(name)
        password_hash = None
        if password is not None:
            _check_password(password)
            password_hash = hash_password(password)
        access_key_id = new_access_key_id()
        secret = new_access_key_secret()
        sealed = seal_access_key_secret(self._master_key, access_key_id, secret)
        now = self._clock()
        with self._store.transaction() as tx:
            account = tx.accounts.create(name=name, now=now, root_password_hash=password_hash)
            tx.access_keys.create(
                account.account_id,
                user_id=None,
                access_key_id=access_key_id,
                sealed_secret=sealed,
                now=now,
            )
        return CreatedAccount(
            account_id=account.account_id,
            name=name,
            access_key_id=access_key_id,
            access_key_secret=secret,
            console_password=password,
        )

    def issue_root_credentials(
        self, account_id: str, *, revoke_others: bool = False, console_password: bool = False
    ) -> CreatedAccount:
        """A new root AccessKey for an existing account (and, if asked, a new generated console
        password), for whoever runs ramsts's own machine and lost the first ones.
        ``revoke_others`` deletes the root's other AccessKeys in the same transaction, as the
        root may hold only two; otherwise a root that has two already is ``LimitExceeded``."""
        access_key_id = new_access_key_id()
        secret = new_access_key_secret()
        sealed = seal_access_key_secret(self._master_key, access_key_id, secret)
        password = generate_console_password() if console_password else None
        password_hash = hash_password(password) if password is not None else None
        now = self._clock()
        with self._store.transaction() as tx:
            account = tx.accounts.get(account_id)
            if account is None:
                raise EntityNotExist("Account", f"The account does not exist: {account_id}.")
            existing = tx.access_keys.list_for(account_id, None)
            if revoke_others:
                for key in existing:
                    tx.access_keys.delete(key.access_key_id)
                tx.announce_change(account_id)
            elif len(existing) >= ROOT_ACCESS_KEY_LIMIT:
                raise LimitExceeded(
                    "User.AccessKey",
                    f"The root already has {ROOT_ACCESS_KEY_LIMIT} AccessKeys: pass revoke_others"
                    " to delete them, or delete one first.",
                )
            tx.access_keys.create(
                account_id, user_id=None, access_key_id=access_key_id, sealed_secret=sealed, now=now
            )
            if password_hash is not None:
                tx.accounts.set_root_password(account_id, password_hash)
        return CreatedAccount(
            account_id=account_id,
            name=account.name,
            access_key_id=access_key_id,
            access_key_secret=secret,
            console_password=password,
        )

    def bootstrap(self) -> CreatedAccount | None:
        """On an installation without accounts, create the default one with a generated console
        password; ``None`` when accounts exist already.

        Run it once before the server starts its workers, not from each worker.
        """
        with self._store.read() as tx:
            if tx.accounts.list():
                return None
        return self.create_account(DEFAULT_ACCOUNT_NAME, password=generate_console_password())


def _checked_name(name: str) -> str:
    stripped = name.strip()
    if not stripped or len(stripped) > ACCOUNT_NAME_MAX_LENGTH or not stripped.isprintable():
        raise InvalidParameter(
            "AccountName",
            f"The account name must be 1 to {ACCOUNT_NAME_MAX_LENGTH} printable characters: "
            f"{name!r}.",
        )
    return stripped


def _check_password(password: Secret) -> None:
    length = len(password.reveal())
    if not PASSWORD_MIN_LENGTH <= length <= PASSWORD_MAX_LENGTH:
        # The message gives the rule, never the password.
        raise InvalidParameter(
            "Password.TooWeak",
            f"The password must be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters long.",
        )
