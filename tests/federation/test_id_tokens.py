"""ID tokens verified against a provider, with hand-minted tokens for every way one can be wrong
(forged, tampered, expired, not yet valid, too old, of another issuer or audience, of an unknown
key, unsigned, HMAC-signed with the public key) and an issuer whose documents the test serves."""

from __future__ import annotations

import hashlib
import hmac as hmac_module
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from loop_support import on_the_loop
from ramsts.errors import AuthenticationFail
from ramsts.federation import IssuerKeys, verify_id_token
from ramsts.federation.issuer_keys import (
    FAILURE_BACKOFF,
    KEYS_TTL,
    UNKNOWN_KEY_REFETCH_INTERVAL,
    Fetched,
)
from ramsts.store import OidcProvider

ISSUER = "https://idp.example.com"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EPOCH = int(NOW.timestamp())
PRINT = "aa" * 20
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def jwk(key: Any, kid: str, **extra: str) -> dict[str, Any]:
    algorithm = RSAAlgorithm if isinstance(key, rsa.RSAPublicKey) else ECAlgorithm
    return {**algorithm.to_jwk(key, as_dict=True), "kid": kid, "use": "sig", **extra}


@dataclass
class Issuer:
    """The IdP's two documents as the fetcher would get them, and every URL fetched."""

    keys: list[dict[str, Any]]
    fingerprints: frozenset[str] = frozenset({PRINT})
    down: bool = False
    fetched: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> Fetched:
        self.fetched.append(url)
        if self.down:
            raise AuthenticationFail("OIDCToken.HttpsUrlInvalid", f"{url} is down")
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return Fetched({"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks"}, self.fingerprints)
        assert url == f"{ISSUER}/jwks"
        return Fetched({"keys": self.keys}, frozenset())


@dataclass
class Clock:
    seconds: float = 1000.0

    def __call__(self) -> float:
        return self.seconds


def provider(**changes: Any) -> OidcProvider:
    fields: dict[str, Any] = {
        "provider_id": "1",
        "account_id": "1234567890123456",
        "provider_name": "idp",
        "issuer_url": ISSUER,
        "description": "",
        "client_ids": ("sts.aliyuncs.com",),
        "fingerprints": (PRINT,),
        "issuance_limit_time": 12,
        "created_at": NOW,
        "updated_at": NOW,
        **changes,
    }
    return OidcProvider(**fields)


def mint(key: Any = RSA_KEY, *, algorithm: str = "RS256", kid: str = "k1", **claims: Any) -> str:
    payload = {
        "iss": ISSUER,
        "sub": "system:serviceaccount:default:app",
        "aud": "sts.aliyuncs.com",
        "iat": EPOCH - 60,
        "exp": EPOCH + 600,
        **claims,
    }
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture
def issuer() -> Issuer:
    return Issuer([jwk(RSA_KEY.public_key(), "k1"), jwk(EC_KEY.public_key(), "e1")])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(issuer: Issuer, clock: Clock) -> IssuerKeys:
    return IssuerKeys(fetch=issuer, monotonic=clock)


def refusal(token: str, keys: IssuerKeys, at: datetime = NOW, **changes: Any) -> str:
    with pytest.raises(AuthenticationFail) as caught:
        verify_id_token(token, provider(**changes), keys, at)
    assert caught.value.http_status == 401
    return caught.value.code


def test_a_token_signed_by_the_issuers_key_is_verified(keys: IssuerKeys) -> None:
    token = verify_id_token(mint(aud=["other", "sts.aliyuncs.com"]), provider(), keys, NOW)
    assert token.subject == "system:serviceaccount:default:app"
    assert token.issuer == ISSUER
    assert token.audiences == ("other", "sts.aliyuncs.com")
    assert (token.issued_at, token.expires_at) == (EPOCH - 60, EPOCH + 600)
    elliptic = mint(EC_KEY, algorithm="ES256", kid="e1")
    assert verify_id_token(elliptic, provider(), keys, NOW).subject


def test_keys_are_fetched_once_and_kept(keys: IssuerKeys, issuer: Issuer, clock: Clock) -> None:
    for _ in range(3):
        verify_id_token(mint(), provider(), keys, NOW)
    assert issuer.fetched == [f"{ISSUER}/.well-known/openid-configuration", f"{ISSUER}/jwks"]
    clock.seconds += KEYS_TTL
    verify_id_token(mint(), provider(), keys, NOW)
    assert len(issuer.fetched) == 4


@pytest.mark.parametrize(
    "token",
    [
        mint(OTHER_RSA_KEY),
        mint()[:-6] + ("AAAAAA" if not mint().endswith("AAAAAA") else "BBBBBB"),
    ],
    ids=["forged", "signature-changed"],
)
def test_a_token_not_signed_by_the_issuers_key_is_refused(token: str, keys: IssuerKeys) -> None:
    assert refusal(token, keys) == "AuthenticationFail.OIDCToken.InvalidSignature"


def test_changed_claims_break_the_signature(keys: IssuerKeys) -> None:
    header, _, signature = mint().split(".")
    claims = jwt.utils.base64url_encode(
        json.dumps(
            {
                "iss": ISSUER,
                "sub": "admin",
                "aud": "sts.aliyuncs.com",
                "iat": EPOCH,
                "exp": EPOCH + 60,
            }
        ).encode()
    ).decode()
    assert refusal(f"{header}.{claims}.{signature}", keys).endswith("InvalidSignature")


def test_unsigned_and_hmac_tokens_are_refused_before_any_fetch(
    keys: IssuerKeys, issuer: Issuer
) -> None:
    unsigned = jwt.encode({"iss": ISSUER, "sub": "x", "aud": "sts.aliyuncs.com"}, None, "none")
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # The classic confusion: the public key used as an HMAC secret.
    hmac = _hs256(public_pem)
    assert refusal(unsigned, keys) == "AuthenticationFail.OIDCToken.Invalid"
    assert refusal(hmac, keys) == "AuthenticationFail.OIDCToken.Invalid"
    assert issuer.fetched == []


def _hs256(secret: bytes) -> str:
    """An HS256 JWS made by hand: PyJWT itself refuses a PEM key as an HMAC secret."""
    encode = jwt.utils.base64url_encode
    head = encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = encode(
        json.dumps(
            {"iss": ISSUER, "sub": "x", "aud": "sts.aliyuncs.com", "iat": EPOCH, "exp": EPOCH + 60}
        ).encode()
    )
    signature = hmac_module.new(secret, head + b"." + body, hashlib.sha256).digest()
    return b".".join([head, body, encode(signature)]).decode()


def test_a_key_is_only_used_with_its_own_algorithm(keys: IssuerKeys) -> None:
    # The RSA key's kid, with an EC algorithm in the header.
    confused = mint(EC_KEY, algorithm="ES256", kid="k1")
    assert refusal(confused, keys).endswith("InvalidSignature")


def test_another_issuer_is_refused_without_fetching(keys: IssuerKeys, issuer: Issuer) -> None:
    assert refusal(mint(iss="https://evil.example"), keys).endswith("OIDCToken.IssuerNotMatch")
    assert refusal(mint(iss=ISSUER + "/"), keys).endswith("OIDCToken.IssuerNotMatch")
    assert issuer.fetched == []


def test_the_audience_must_be_one_of_the_client_ids(keys: IssuerKeys) -> None:
    assert refusal(mint(aud="someone-else"), keys).endswith("OIDCToken.AudienceNotMatch")
    assert refusal(mint(aud=["a", "b"]), keys).endswith("OIDCToken.AudienceNotMatch")
    assert refusal(mint(), keys, client_ids=()).endswith("OIDCToken.AudienceNotMatch")


def test_times_are_checked_with_a_bounded_skew(keys: IssuerKeys) -> None:
    assert refusal(mint(exp=EPOCH - 61), keys).endswith("OIDCToken.Expired")
    verify_id_token(mint(exp=EPOCH - 30), provider(), keys, NOW)  # within the skew
    assert refusal(mint(iat=EPOCH + 120), keys).endswith("OIDCToken.Invalid")
    assert refusal(mint(nbf=EPOCH + 120), keys).endswith("OIDCToken.Invalid")
    assert refusal(mint(exp=None), keys).endswith("OIDCToken.Invalid")
    assert refusal(mint(iat=None), keys).endswith("OIDCToken.Invalid")
    assert refusal(mint(sub=None), keys).endswith("OIDCToken.Invalid")


def test_a_token_older_than_the_issuance_limit_is_expired(keys: IssuerKeys) -> None:
    old = mint(iat=EPOCH - 2 * 3600 - 120, exp=EPOCH + 600)
    assert refusal(old, keys, issuance_limit_time=2).endswith("OIDCToken.Expired")
    verify_id_token(old, provider(issuance_limit_time=3), keys, NOW)


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c", "x" * 20_001])
def test_what_is_not_a_jwt_is_invalid(token: str, keys: IssuerKeys) -> None:
    assert refusal(token, keys) == "AuthenticationFail.OIDCToken.Invalid"


def test_an_unknown_key_id_fetches_the_keys_again_at_most_every_few_seconds(
    keys: IssuerKeys, issuer: Issuer, clock: Clock
) -> None:
    verify_id_token(mint(), provider(), keys, NOW)
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer.keys = [jwk(rotated.public_key(), "k2")]
    # Too soon after the last fetch: refused without one.
    assert refusal(mint(rotated, kid="k2"), keys).endswith("InvalidSignature")
    assert len(issuer.fetched) == 2
    clock.seconds += UNKNOWN_KEY_REFETCH_INTERVAL
    assert verify_id_token(mint(rotated, kid="k2"), provider(), keys, NOW).subject
    assert len(issuer.fetched) == 4
    # Forged key ids cost no fetch within the interval.
    for n in range(5):
        assert refusal(mint(rotated, kid=f"forged-{n}"), keys).endswith("InvalidSignature")
    assert len(issuer.fetched) == 4


def test_the_issuers_certificate_must_carry_a_listed_fingerprint(keys: IssuerKeys) -> None:
    code = refusal(mint(), keys, fingerprints=("bb" * 20,))
    assert code == "AuthenticationFail.OIDCToken.PublicKeyFingerprintMismatch"
    assert refusal(mint(), keys, fingerprints=()).endswith("PublicKeyFingerprintMismatch")
    verify_id_token(mint(), provider(fingerprints=(PRINT.upper(),)), keys, NOW)


def test_an_issuer_that_is_down_is_not_asked_again_for_a_few_seconds(
    keys: IssuerKeys, issuer: Issuer, clock: Clock
) -> None:
    issuer.down = True
    assert refusal(mint(), keys).endswith("OIDCToken.HttpsUrlInvalid")
    assert refusal(mint(), keys).endswith("OIDCToken.HttpsUrlInvalid")
    assert len(issuer.fetched) == 1
    issuer.down = False
    clock.seconds += FAILURE_BACKOFF
    assert verify_id_token(mint(), provider(), keys, NOW).subject


def test_on_the_event_loop_a_fetch_is_sent_to_a_worker_thread(
    keys: IssuerKeys, issuer: Issuer
) -> None:
    cold = on_the_loop(lambda: verify_id_token(mint(), provider(), keys, NOW))
    assert cold.result.subject
    assert cold.hops == 1 and len(issuer.fetched) == 2  # discovery and key set, one hop

    warm = on_the_loop(lambda: verify_id_token(mint(), provider(), keys, NOW))
    assert warm.result.subject
    assert warm.hops == 0  # the keys are at hand now
