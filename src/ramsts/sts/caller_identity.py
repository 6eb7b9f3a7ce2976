"""GetCallerIdentity (api.md §8.4): who the credentials of this request belong to.

Any authenticated caller may ask; no policy is consulted, as in the real service. The response
shape depends on the kind of principal:

=================  ==================================================  ====================
IdentityType       Arn                                                  PrincipalId, extra
=================  ==================================================  ====================
Account            ``acs:ram::<uid>:root``                              account id
RAMUser            ``acs:ram::<uid>:user/<userName>``                   UserId, ``UserId``
AssumedRoleUser    ``acs:ram::<uid>:assumed-role/<role>/<session>``     ``<RoleId>:<session>``,
                                                                        ``RoleId``
=================  ==================================================  ====================

A role session that carries a ``SourceIdentity`` (set at the start of its role chain, see
:mod:`ramsts.sts.assume_role`) answers it too, as ``SourceIdentity``: a ramsts addition, which
the SDKs' response models ignore, so that who started a chain can be read from any session in it.
"""

from __future__ import annotations

from ramsts.caller import Caller


def get_caller_identity(caller: Caller, _: None = None) -> Caller:
    """Who signed the request: the caller as authentication resolved it (answered by
    :mod:`ramsts.sts.wire.caller_identity`)."""
    return caller
