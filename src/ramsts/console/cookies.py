"""The console's cookies: the sealed session, a one-time notice shown after a redirect, and a
remembered MFA check (``EnableSaveMFATicket``).

All are HttpOnly (no script reads them), SameSite=Lax (not sent on cross-site POSTs), scoped to
the console's path, and Secure when the console is reached over TLS. The notice is sealed too,
so a cookie planted by someone else cannot put words in the console's mouth. The remembered MFA
check is the sign-in service's sealed token, kept for its seven days; the sign-in service alone
decides whether it still counts.
"""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from ramsts.console.sessions import COOKIE_NAME, Session, SessionCodec
from ramsts.crypto import MasterKey, UnsealError
from ramsts.ram.sign_in_remembered import REMEMBER_FOR

NOTICE_COOKIE = "ramsts_notice"
NOTICE_CONTEXT = "console-notice:v1"
NOTICE_MAX_LENGTH = 300
NOTICE_MAX_AGE = 60
REMEMBERED_MFA_COOKIE = "ramsts_mfa_device"


class ConsoleCookies:
    def __init__(self, master_key: MasterKey) -> None:
        self._master_key = master_key
        self._codec = SessionCodec(master_key)

    def session(self, request: Request, now: datetime) -> Session | None:
        return self._codec.open(request.cookies.get(COOKIE_NAME), now)

    def session_expired(self, request: Request, now: datetime) -> bool:
        """Whether the request carries a signed-in session that has expired (not just none)."""
        return self._codec.expired(request.cookies.get(COOKIE_NAME), now)

    def set_session(self, response: Response, request: Request, session: Session) -> None:
        # No Max-Age: the browser drops it when it closes, the server when it expires.
        _set(response, request, COOKIE_NAME, self._codec.seal(session))

    def notice(self, request: Request) -> str:
        sealed = request.cookies.get(NOTICE_COOKIE)
        if not sealed:
            return ""
        try:
            return self._master_key.unseal(sealed, NOTICE_CONTEXT).decode("utf-8")
        except (UnsealError, UnicodeError):
            return ""

    def set_notice(self, response: Response, request: Request, text: str) -> None:
        sealed = self._master_key.seal(text[:NOTICE_MAX_LENGTH], NOTICE_CONTEXT)
        _set(response, request, NOTICE_COOKIE, sealed, max_age=NOTICE_MAX_AGE)

    def clear_notice(self, response: Response, request: Request) -> None:
        _set(response, request, NOTICE_COOKIE, "", max_age=0)

    def remembered_mfa(self, request: Request) -> str:
        return request.cookies.get(REMEMBERED_MFA_COOKIE, "")

    def set_remembered_mfa(self, response: Response, request: Request, token: str) -> None:
        max_age = int(REMEMBER_FOR.total_seconds())
        _set(response, request, REMEMBERED_MFA_COOKIE, token, max_age=max_age)


def _set(
    response: Response, request: Request, name: str, value: str, *, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=str(request.scope.get("root_path", "")) or "/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
