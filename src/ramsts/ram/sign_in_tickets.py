"""Sign-in tickets: what the MFA steps of a console sign-in know about the password.

The password is checked once. A ticket vouches that this user gave it: sealed under the master
key (:data:`TICKET_CONTEXT`), naming the user, valid for :data:`TICKET_LIFETIME` after the
password and spent by the step that completes it, so the console never keeps the password
between steps. A ticket is bound to what the password was checked against: its user, its
purpose, and for the ``mfa`` step the device whose code is asked (the service refuses it once
the user's password is set again or its device changes).

Spending goes through the store's nonce ledger (``Store.use_nonce``) under its own key prefix,
where the primary key decides: a ticket is spent once across every server process on the
database, and the mark is kept until the ticket would have expired anyway.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from ramsts.crypto import MasterKey, UnsealError
from ramsts.store import Store, User

TICKET_LIFETIME = timedelta(minutes=5)
"""How long the MFA step (or binding a device) may take after the password was right."""
TICKET_CONTEXT = "sign-in-ticket:v1"
SPENT_PREFIX = "sign-in-ticket:"
"""The nonce ledger's keys of spent tickets (signature nonces are ``<AccessKeyId>:<nonce>`` or
``anonymous:<nonce>``, so the two never meet)."""

TicketPurpose = Literal["mfa", "bind"]


@dataclass(frozen=True, slots=True)
class Ticket:
    """What a ticket vouches for: this user gave the right password at ``issued_at``."""

    purpose: TicketPurpose
    ticket_id: str
    account_id: str
    user_id: str
    user_name: str
    issued_at: float
    expires_at: float
    serial_number: str = ""
    """``mfa``: the device whose code is asked; a device bound since then needs a new sign-in."""
    seed: str = ""
    """``bind``, once begun: the base32 seed of the device being bound (sealed with the rest)."""


class SpentTickets:
    """Tickets already used, in the store. Thread-safe; any number of instances over one
    database agree."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def spend(self, ticket: Ticket) -> bool:
        """Mark ``ticket`` spent; ``False`` if it was spent already, by any process."""
        expires_at = datetime.fromtimestamp(ticket.expires_at, UTC)
        return self._store.use_nonce(_spent_key(ticket), expires_at)

    def is_spent(self, ticket: Ticket) -> bool:
        with self._store.read() as tx:
            return tx.sign_ins.is_spent(_spent_key(ticket))


class SignInTickets:
    """Issues tickets, and opens the genuine, unexpired, unspent ones."""

    def __init__(self, store: Store, master_key: MasterKey) -> None:
        self._master_key = master_key
        self.spent = SpentTickets(store)

    def issue(
        self, user: User, purpose: TicketPurpose, moment: datetime, serial_number: str = ""
    ) -> str:
        ticket = Ticket(
            purpose=purpose,
            ticket_id=secrets.token_urlsafe(16),
            account_id=user.account_id,
            user_id=user.user_id,
            user_name=user.user_name,
            issued_at=moment.timestamp(),
            expires_at=(moment + TICKET_LIFETIME).timestamp(),
            serial_number=serial_number,
        )
        return self.seal(ticket)

    def with_seed(self, ticket: Ticket, seed: str) -> Ticket:
        """A new ticket for binding the device of ``seed``. It keeps the password's expiry:
        asking for new seeds buys no time."""
        return replace(ticket, ticket_id=secrets.token_urlsafe(16), seed=seed)

    def seal(self, ticket: Ticket) -> str:
        return self._master_key.seal(json.dumps(asdict(ticket)), TICKET_CONTEXT)

    def open(self, sealed: str, purpose: TicketPurpose, moment: datetime) -> Ticket | None:
        """The ticket in ``sealed`` if it is genuine, for ``purpose``, unexpired and unspent."""
        if not sealed:
            return None
        try:
            ticket = Ticket(**json.loads(self._master_key.unseal(sealed, TICKET_CONTEXT)))
        except (UnsealError, ValueError, TypeError):
            return None
        if ticket.purpose != purpose or moment.timestamp() >= ticket.expires_at:
            return None
        return None if self.spent.is_spent(ticket) else ticket

    def spend(self, ticket: Ticket) -> bool:
        """Mark ``ticket`` spent; ``False`` if it was spent already, by any process."""
        return self.spent.spend(ticket)


def _spent_key(ticket: Ticket) -> str:
    return f"{SPENT_PREFIX}{ticket.ticket_id}"
