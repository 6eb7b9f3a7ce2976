"""The console's long-lived parts, built once from the composition root's services."""

from __future__ import annotations

from dataclasses import dataclass

from ramsts.audit import AuditRecorder
from ramsts.console.backend import ConsoleServices
from ramsts.console.cookies import ConsoleCookies
from ramsts.console.rendering import Renderer
from ramsts.ram.service import RamService
from ramsts.ram.sign_in import SignInService
from ramsts.ram.sign_in_sessions import SignedInSessions
from ramsts.types import Clock


@dataclass(frozen=True, slots=True)
class Site:
    clock: Clock
    ram: RamService
    cookies: ConsoleCookies
    renderer: Renderer
    sign_in: SignInService
    """One per process: it counts failed sign-ins for the lockout."""
    sessions: SignedInSessions
    """Whether a signed-in session may still act (asked on every request)."""
    audit: AuditRecorder | None = None
    """The audit trail sign-ins and changes are recorded on."""

    @classmethod
    def build(cls, services: ConsoleServices) -> Site:
        return cls(
            clock=services.clock,
            ram=services.ram,
            cookies=ConsoleCookies(services.master_key),
            renderer=Renderer(),
            sign_in=SignInService(services.store, services.master_key, clock=services.clock),
            sessions=SignedInSessions(services.store),
            audit=services.audit,
        )
