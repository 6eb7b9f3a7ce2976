"""``ramsts call PRODUCT ACTION [Key=Value ...]``: one signed API call, printed as JSON.

The request is signed as Alibaba's SDKs sign it (V3 by default, ``--signature v1`` for RPC v1),
so it works against ramsts and against anything that accepts the SDKs. Credentials, first found:

1. ``--id``/``--secret`` [``--token``] (also spelled ``--id=…``, as in Alibaba's STS guide);
2. the ``--profile NAME`` section of the credentials file;
3. ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``ALIBABA_CLOUD_ACCESS_KEY_SECRET``
   [``ALIBABA_CLOUD_SECURITY_TOKEN``];
4. the ``default`` profile (or ``ALIBABA_CLOUD_PROFILE``).

The credentials file is ``ALIBABA_CLOUD_CREDENTIALS_FILE`` or ``~/.ramsts/credentials``, an ini
file in the alibabacloud-credentials layout (``access_key_id``, ``access_key_secret``, and
``security_token`` for ``type = sts``). The endpoint is ``--endpoint`` or ``RAMSTS_ENDPOINT``
(default ``http://127.0.0.1:8080``).

Exit codes: 0 success; 2 ``NoPermission`` (any 403); 3 any other 4xx (bad input, unknown key,
bad signature) and a product's business error (HTTP 200 with ``"Success": false``, as IoT
answers a product that does not exist; the answer is still printed); 1 anything else (5xx, no
connection).
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from ramsts.cli import EXIT_DENIED, EXIT_FAILURE, EXIT_INVALID, EXIT_OK
from ramsts.products import PRODUCTS
from ramsts.signing import sign_rpc_v1, sign_v3
from ramsts.types import Secret

API_VERSIONS = {product.code.lower(): product.version for product in PRODUCTS}
DEFAULT_ENDPOINT = "http://127.0.0.1:8080"
ENDPOINT_ENV = "RAMSTS_ENDPOINT"
CREDENTIALS_FILE_ENV = "ALIBABA_CLOUD_CREDENTIALS_FILE"
PROFILE_ENV = "ALIBABA_CLOUD_PROFILE"
DEFAULT_CREDENTIALS_FILE = Path("~/.ramsts/credentials")
TIMEOUT_SECONDS = 30.0


class CallError(Exception):
    """A problem with the command line or the local setup (exit 3), never the server's."""


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key_id: str
    secret: Secret
    security_token: str | None = None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "call",
        help="call an API action with signed credentials",
        description="Sign and send one RPC call; print the JSON response.",
    )
    parser.add_argument("product", metavar="PRODUCT", help="sts, ram, ims or iot")
    parser.add_argument("action", metavar="ACTION", help="the action, e.g. AssumeRole")
    parser.add_argument("params", metavar="Key=Value", nargs="*", help="request parameters")
    parser.add_argument("--id", dest="access_key_id", metavar="ID", help="AccessKeyId")
    parser.add_argument("--secret", metavar="SECRET", help="AccessKeySecret")
    parser.add_argument("--token", metavar="TOKEN", help="SecurityToken of STS credentials")
    parser.add_argument("--profile", metavar="NAME", help="section of the credentials file")
    parser.add_argument("--endpoint", metavar="URL", help=f"server URL ({ENDPOINT_ENV})")
    parser.add_argument("--signature", choices=("v1", "v3"), default="v3", help="default v3")
    parser.add_argument("--api-version", metavar="VERSION", help="API version of PRODUCT")
    parser.add_argument("--json", action="store_true", help="print compact JSON, one line")
    parser.set_defaults(func=call)


def call(args: argparse.Namespace) -> int:
    try:
        version = args.api_version or _version(args.product)
        params = _params(args.params)
        credentials = resolve_credentials(args, os.environ)
        endpoint = _endpoint(args.endpoint or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT)
    except CallError as problem:
        print(f"ramsts call: {problem}", file=sys.stderr)
        return EXIT_INVALID
    try:
        response = send(
            endpoint, args.action, version, params, credentials, signature=args.signature
        )
    except httpx.HTTPError as exc:
        print(f"ramsts call: no answer from {endpoint}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        body = response.json()
    except ValueError:
        print(f"ramsts call: HTTP {response.status_code}, not JSON", file=sys.stderr)
        return EXIT_FAILURE
    if response.status_code >= 300:
        return _report_error(response.status_code, body)
    pretty = not args.json and sys.stdout.isatty()
    print(json.dumps(body, indent=2 if pretty else None, ensure_ascii=False))
    if isinstance(body, dict) and body.get("Success") is False:
        # Products such as IoT answer a refused request with HTTP 200: a script must still see it.
        code = body.get("Code", "Success=false")
        print(
            f"{code}: {body.get('ErrorMessage', '')} (RequestId {body.get('RequestId', '')})",
            file=sys.stderr,
        )
        return EXIT_INVALID
    return EXIT_OK


def send(
    endpoint: str,
    action: str,
    version: str,
    params: Mapping[str, str],
    credentials: Credentials,
    *,
    signature: str = "v3",
) -> httpx.Response:
    """Sign the call and POST it to ``endpoint``, as the SDKs do."""
    host = urlsplit(endpoint).netloc
    if signature == "v1":
        signed_v1 = sign_rpc_v1(
            "POST",
            {"Action": action, "Version": version, **params},
            credentials.access_key_id,
            credentials.secret,
            credentials.security_token,
        )
        query, headers, body = signed_v1.query, list(signed_v1.headers), signed_v1.body
    else:
        signed_v3 = sign_v3(
            "POST",
            host,
            action,
            version,
            params,
            credentials.access_key_id,
            credentials.secret,
            credentials.security_token,
        )
        # The signed Host header is sent as signed (httpx would drop a default port).
        query, headers, body = signed_v3.query, list(signed_v3.headers), signed_v3.body
    with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
        return client.post(f"{endpoint}/?{query}", headers=headers, content=body)


def resolve_credentials(args: argparse.Namespace, env: Mapping[str, str]) -> Credentials:
    """The credentials to sign with, in the order the module's docstring gives."""
    if args.access_key_id or args.secret:
        if not (args.access_key_id and args.secret):
            raise CallError("--id and --secret go together")
        return Credentials(args.access_key_id, Secret(args.secret), args.token)
    if args.profile:
        return _profile(args.profile, env)
    key_id = env.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
    secret = env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if key_id and secret:
        return Credentials(key_id, Secret(secret), env.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None)
    return _profile(env.get(PROFILE_ENV) or "default", env)


def credentials_file(env: Mapping[str, str]) -> Path:
    named = env.get(CREDENTIALS_FILE_ENV)
    return Path(named) if named else DEFAULT_CREDENTIALS_FILE.expanduser()


def _profile(name: str, env: Mapping[str, str]) -> Credentials:
    path = credentials_file(env)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        raise CallError(
            "no credentials: give --id and --secret, set ALIBABA_CLOUD_ACCESS_KEY_ID and"
            f" ALIBABA_CLOUD_ACCESS_KEY_SECRET, or write a profile to {path}"
        ) from None
    except (OSError, configparser.Error) as exc:
        raise CallError(f"cannot read the credentials file {path}: {exc}") from None
    if not parser.has_section(name):
        raise CallError(f"the credentials file {path} has no profile [{name}]")
    section = parser[name]
    kind = section.get("type", "access_key")
    if kind not in ("access_key", "sts"):
        raise CallError(f"profile [{name}]: type {kind!r} is not supported (access_key or sts)")
    key_id, secret = section.get("access_key_id"), section.get("access_key_secret")
    if not key_id or not secret:
        raise CallError(f"profile [{name}] needs access_key_id and access_key_secret")
    token = section.get("security_token") if kind == "sts" else None
    return Credentials(key_id, Secret(secret), token or None)


def _version(product: str) -> str:
    version = API_VERSIONS.get(product.lower())
    if version is None:
        known = ", ".join(sorted(API_VERSIONS))
        raise CallError(f"unknown product {product!r} (known: {known}); or give --api-version")
    return version


FILE_PREFIX = "file://"
"""``Key=file://path`` sends the file's text as the value, as the AWS CLI does: policy documents
are easier to keep in files than on one shell line."""


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CallError(f"parameters are Key=Value, not {pair!r}")
        if value.startswith(FILE_PREFIX):
            path = Path(value[len(FILE_PREFIX) :]).expanduser()
            try:
                value = path.read_text(encoding="utf-8")
            except OSError as error:
                raise CallError(f"cannot read {name} from {path}: {error.strerror}") from None
        params[name] = value
    return params


def _endpoint(text: str) -> str:
    url = text if "://" in text else f"http://{text}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CallError(f"the endpoint must be an http(s) URL, not {text!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _report_error(status: int, body: Any) -> int:
    error = body if isinstance(body, dict) else {}
    code = error.get("Code", f"HTTP{status}")
    message = error.get("Message", "")
    request_id = error.get("RequestId", "")
    print(f"{code}: {message} (RequestId {request_id}, HTTP {status})", file=sys.stderr)
    if status == 403:
        return EXIT_DENIED
    if 400 <= status < 500:
        return EXIT_INVALID
    return EXIT_FAILURE
