"""Ims (:data:`ramsts.products.IMS`): the identity-management API beside RAM.

ramsts serves its OIDC provider actions (:mod:`ramsts.ims.oidc_providers`), which STS's
AssumeRoleWithOIDC trusts, its SAML provider actions (:mod:`ramsts.ims.saml_providers`), which
AssumeRoleWithSAML trusts, and its actions on RAM's users, login profiles, AccessKeys, groups and
account settings, as wire adapters over RAM's use cases (:mod:`ramsts.ims.users`…); every other
Ims action answers ``InvalidAction.NotFound``.
"""
