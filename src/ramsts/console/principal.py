"""The :class:`~ramsts.caller.Caller` a console session acts as.

A console session is an account's root or one RAM user, signed in with a password (and an MFA
code when one is bound). It has no AccessKey, so ``access_key_id`` is empty; the condition keys a
policy may test are filled from the browser's connection as the API fills them from a signed
request's, with ``acs:MFAPresent`` true when the sign-in passed an MFA check.
"""

from __future__ import annotations

from datetime import datetime

from ramsts.caller import Caller
from ramsts.console.sessions import Session
from ramsts.ram.arns import root_arn, user_arn
from ramsts.signing.timestamps import format_timestamp


def session_caller(
    session: Session, *, peer_ip: str, secure: bool, user_agent: str, now: datetime
) -> Caller:
    context = {
        "acs:SourceIp": peer_ip,
        "acs:SecureTransport": "true" if secure else "false",
        "acs:CurrentTime": format_timestamp(now),
        "acs:UserAgent": user_agent,
        "acs:AccessId": "",
        "acs:MFAPresent": "true" if session.mfa_present else "false",
    }
    account_id = session.account_id
    if session.identity_type == "Account":
        return Caller(
            account_id=account_id,
            identity_type="Account",
            arn=root_arn(account_id),
            principal_id=account_id,
            access_key_id="",
            display_name=account_id,
            context=context,
        )
    return Caller(
        account_id=account_id,
        identity_type="RAMUser",
        arn=user_arn(account_id, session.user_name),
        principal_id=session.user_id,
        access_key_id="",
        display_name=session.user_name,
        user_id=session.user_id,
        user_name=session.user_name,
        context=context,
    )
