"""Bad input never gets a 500, and every error a client sees is a documented one.

For every action a server registers (RAM, STS, the ramsts extension, the IoT sample), requests
with missing, empty, over-long, non-ASCII, mistyped, malformed or surplus parameters go through
the real ASGI app, signed with a real AccessKey (the account root's, and a RAM user's that has no
policy). Whatever they ask, the answer is a success, or a 4xx listed in ``docs/errors.md`` with
that status, in the real envelope; it never carries a traceback, a Python class name or a secret.
"""

from __future__ import annotations

import builtins
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ramsts.errors as errors_module
from ramsts.api.actions import RegisteredAction
from ramsts.caller import Caller
from ramsts.cli.demo import demo_action_modules
from ramsts.config import Settings
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.parameters import SECRET_PARAMETERS
from ramsts.services import Services, build_services, create_server_app
from ramsts.signing import sign_rpc_v1
from ramsts.types import Secret
from test_docs import documented_statuses

SRC = Path(__file__).resolve().parents[2] / "src" / "ramsts"
RAM = "2015-05-01"

ENVELOPE_REQUIRED = ("RequestId", "HostId", "Code", "Message")
ENVELOPE_OPTIONAL = ("Recommend", "AccessDeniedDetail")
SIGNING_PARAMETERS = frozenset(
    {
        "Action",
        "Version",
        "Format",
        "Timestamp",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "AccessKeyId",
        "Signature",
        "SecurityToken",
    }
)

_PARAMETER_READ = re.compile(
    r"""(?:\.(?:required|optional|integer|boolean|choice|json_list|tags|raw|get)\(|\[)\s*"""
    r"""["']([A-Z][A-Za-z0-9]*)["']"""
)
_LEAKS = re.compile(r"Traceback|File \"|<class |<module|sqlalchemy|psycopg|sqlite3|\.py\b")


def _python_class_names() -> frozenset[str]:
    """Names a message must not show: Python's exceptions and ramsts's own error classes, except
    those that are also wire codes or code prefixes (``InternalError``, ``InvalidParameter``…)."""
    classes = [
        value
        for value in [*vars(builtins).values(), *vars(errors_module).values()]
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and not issubclass(value, Warning)
    ]
    prefixes = {getattr(cls, "family", "") for cls in classes}
    names = {cls.__name__ for cls in classes}
    names |= {"IntegrityError", "OperationalError", "DataError", "ProgrammingError"}
    names |= {"PolicyError", "MalformedTokenError", "ExpiredTokenError", "StatementError"}
    return frozenset(n for n in names if n not in prefixes and not documented_statuses(n))


CLASS_NAMES = re.compile(r"\b(?:" + "|".join(sorted(_python_class_names())) + r")\b")


# -- the server under test ---------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    access_key_id: str
    secret: str


@dataclass
class Api:
    """A whole server (every product) in this process, with an account and what it holds."""

    services: Services
    client: httpx.AsyncClient
    portal: BlockingPortal
    """One event loop for every request, so the worker threads are reused."""
    root: Key
    nobody: Key
    """A RAM user's key; the user has no policy at all."""
    account_id: str
    actions: list[RegisteredAction]
    names: dict[str, list[str]]
    """Parameter names each action's module reads."""
    all_names: list[str]

    def send(self, action: RegisteredAction, params: Mapping[str, str], key: Key) -> httpx.Response:
        query = {"Action": action.name, "Version": action.product.version}
        if "Format" in params:
            query["Format"] = params["Format"]
        form = {name: value for name, value in params.items() if name != "Format"}
        signed = sign_rpc_v1("POST", query, key.access_key_id, Secret(key.secret), form=form)

        async def post() -> httpx.Response:
            return await self.client.post(
                f"/?{signed.query}", headers=dict(signed.headers), content=signed.body
            )

        return self.portal.call(post)

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.root.secret, self.nobody.secret)


def _parameter_names(action: RegisteredAction) -> list[str]:
    module = getattr(action.handler, "__module__", None) or type(action.handler).__module__
    path = SRC.joinpath(*module.split(".")[1:]).with_suffix(".py")
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return sorted(set(_PARAMETER_READ.findall(text)) - SIGNING_PARAMETERS)


def _every_name() -> list[str]:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        found |= set(_PARAMETER_READ.findall(path.read_text(encoding="utf-8")))
    return sorted(found - SIGNING_PARAMETERS)


def _root_caller(services: Services, account_id: str, access_key_id: str) -> Caller:
    return Caller(
        account_id=account_id,
        identity_type="Account",
        arn=f"acs:ram::{account_id}:root",
        principal_id=account_id,
        access_key_id=access_key_id,
        display_name=account_id,
    )


def trust(account_id: str) -> str:
    principal = {"RAM": [f"acs:ram::{account_id}:root"]}
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
    return json.dumps({"Version": "1", "Statement": [statement]})


DOCUMENT = json.dumps(
    {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:Get*", "Resource": "*"}]}
)


@pytest.fixture
def make_api(tmp_path: Path) -> Iterator[Any]:
    built: list[Services] = []
    portal_context = start_blocking_portal()
    portal = portal_context.__enter__()

    def make(db_url: str) -> Api:
        services = build_services(
            Settings(db_url=db_url, data_dir=tmp_path),
            env={MASTER_KEY_ENV: MasterKey.generate().encoded()},
            action_modules=demo_action_modules(),
        )
        created = services.accounts.create_account("acme")
        root = Key(created.access_key_id, created.access_key_secret.reveal())
        caller = _root_caller(services, created.account_id, root.access_key_id)

        def call(name: str, **params: str) -> dict[str, Any]:
            return services.actions.resolve(RAM, name).handler(caller, params)

        call("CreateUser", UserName="nobody")
        key = call("CreateAccessKey", UserName="nobody")["AccessKey"]
        call("CreateUser", UserName="alice")
        call("CreateGroup", GroupName="devs")
        call("CreateRole", RoleName="reader", AssumeRolePolicyDocument=trust(created.account_id))
        call("CreatePolicy", PolicyName="readers", PolicyDocument=DOCUMENT)
        app = create_server_app(services)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("192.0.2.9", 40000)),
            base_url="http://testserver",
        )
        built.append(services)
        actions = sorted(services.actions, key=lambda a: (a.product.version, a.name))
        return Api(
            services=services,
            client=client,
            portal=portal,
            root=root,
            nobody=Key(key["AccessKeyId"], key["AccessKeySecret"]),
            account_id=created.account_id,
            actions=actions,
            names={a.name: _parameter_names(a) for a in actions},
            all_names=_every_name(),
        )

    try:
        yield make
    finally:
        portal_context.__exit__(None, None, None)
        for services in built:
            services.close()


# -- what every answer must be -----------------------------------------------------------------


def _envelope(response: httpx.Response) -> dict[str, Any]:
    content_type = response.headers["content-type"]
    if content_type.startswith("text/xml"):
        root = ET.fromstring(response.content)
        assert root.tag == "Error"
        return {
            child.tag: child.text if len(child) == 0 else {c.tag: c.text for c in child}
            for child in root
        }
    assert content_type.startswith("application/json"), content_type
    body = response.json()
    assert isinstance(body, dict)
    return body


def check_answer(
    api: Api, action: RegisteredAction, params: Mapping[str, str], response: httpx.Response
) -> str | None:
    """Assert everything an answer to bad input must be; the error code, or None on success."""
    text = response.text
    where = f"{action.name} {dict(params)!r:.200} → {response.status_code} {text[:400]}"
    assert response.status_code < 500, f"server error: {where}"
    assert not _LEAKS.search(text), f"internals shown: {where}"
    shown = text
    for value in params.values():
        if value:
            shown = shown.replace(value, "")  # a class name the client sent may be quoted back
    assert not CLASS_NAMES.search(shown), f"class name shown: {where}"
    for secret in api.secrets:
        assert secret not in text, f"AccessKeySecret shown: {where}"
    sent_elsewhere = [v for n, v in params.items() if n not in SECRET_PARAMETERS]
    for name, value in params.items():
        if (
            name in SECRET_PARAMETERS
            and len(value) >= 8
            and not any(value in v for v in sent_elsewhere)
        ):
            assert value not in text, f"{name} quoted back: {where}"
    if response.status_code < 300:
        return None
    body = _envelope(response)
    keys = set(body)
    assert set(ENVELOPE_REQUIRED) <= keys <= {*ENVELOPE_REQUIRED, *ENVELOPE_OPTIONAL}, (
        f"not the envelope: {where}"
    )
    assert all(isinstance(body[k], str) and body[k] for k in ENVELOPE_REQUIRED), (
        f"empty envelope member: {where}"
    )
    assert body["RequestId"] == response.headers["x-acs-request-id"], f"RequestId: {where}"
    assert body["HostId"] == action.product.host_id, f"HostId: {where}"
    statuses = documented_statuses(body["Code"])
    assert statuses, f"undocumented code {body['Code']}: {where}"
    assert response.status_code in statuses, f"docs/errors.md says {statuses}: {where}"
    return str(body["Code"])


# -- the inputs --------------------------------------------------------------------------------

PASSWORD_SENTINEL = "Sentinel-Pa55word!x"
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t\n",
    "ä",
    "用户名",
    "😀" * 10,
    "-1",
    "0",
    "1",
    "1.5",
    "1e3",
    "0x10",
    "NaN",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "true",
    "True",
    "yes",
    "null",
    "[",
    "[{",
    "{}",
    "[]",
    "[null]",
    '["a"]',
    '[{"Key":1}]',
    '[{"Key":"k"}]',
    '[{"Key":"k","Value":null}]',
    '[{"Key":"acs:x","Value":"v"}]',
    '{"Key":"k"}',
    '{"Version":"1"}',
    '{"Version":"1","Statement":[{}]}',
    '{"Version":"1","Statement":"x"}',
    '{"Statement":[{"Effect":"Allow","Action":1,"Resource":[]}]}',
    "acs:ram::1:role/reader",
    "acs:ram::*:role/*",
    "acs:ram:::",
    "Active",
    "Inactive",
    "System",
    "Custom",
    "User",
    "Group",
    "Role",
    "v1",
    "v0",
    "v99",
    "alice",
    "nobody",
    "devs",
    "reader",
    "readers",
    "AliyunRAMReadOnlyAccess",
    "%00%zz",
    "<x>&amp;</x>",
    "'; DROP TABLE ram_users;--",
    "../../etc/passwd",
    "ValueError",
    PASSWORD_SENTINEL,
]
LENGTHS = [33, 65, 129, 257, 1025, 2049, 6145, 10241, 100_001]


def values(api: Api) -> st.SearchStrategy[str]:
    nasty = NASTY
    text = st.text(max_size=40)
    return st.one_of(
        st.sampled_from(nasty),
        st.sampled_from(
            [
                f"acs:ram::{api.account_id}:role/reader",
                f"acs:ram::{api.account_id}:user/alice",
                trust(api.account_id),
                DOCUMENT,
            ]
        ),
        text,
        st.integers().map(str),
        st.builds(lambda c, n: c * n, st.sampled_from("aZ9-é用"), st.sampled_from(LENGTHS)),
    )


def requests(api: Api, action: RegisteredAction) -> st.SearchStrategy[dict[str, str]]:
    names = api.names[action.name] or api.all_names
    own = st.dictionaries(st.sampled_from(names), values(api), max_size=len(names) + 1)
    extra = st.dictionaries(
        st.one_of(
            st.sampled_from(api.all_names),
            st.text(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-",
                min_size=1,
                max_size=20,
            ),
        ).filter(lambda n: n not in SIGNING_PARAMETERS),
        values(api),
        max_size=3,
    )
    fmt = st.one_of(st.none(), st.sampled_from(["JSON", "XML", "xml", "json", "yaml", ""]))
    return st.builds(
        lambda a, b, f: {**b, **a, **({"Format": f} if f is not None else {})}, own, extra, fmt
    )


def fuzz(api: Api, data: st.DataObject, *, as_nobody: bool = False) -> None:
    action = data.draw(st.sampled_from(api.actions), label="action")
    params = data.draw(requests(api, action), label="params")
    key = api.nobody if as_nobody else data.draw(st.sampled_from([api.root, api.root, api.nobody]))
    check_answer(api, action, params, api.send(action, params, key))


def fuzz_settings(share: float) -> settings:
    """``share`` of the profile's examples (tests/conftest.py: 60 locally, 200 in CI)."""
    return settings(
        max_examples=max(20, int(settings.default.max_examples * share)),
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# -- the tests ---------------------------------------------------------------------------------


@pytest.fixture
def sqlite_api(make_api, sqlite_url) -> Api:
    return make_api(sqlite_url)


@pytest.fixture
def postgres_api(make_api, postgres_url) -> Api:
    return make_api(postgres_url)


@fuzz_settings(1.0)
@given(data=st.data())
def test_random_bad_input_to_any_action_is_a_documented_4xx_on_sqlite(sqlite_api, data):
    fuzz(sqlite_api, data)


@fuzz_settings(0.25)
@given(data=st.data())
def test_a_user_without_policies_gets_documented_refusals_on_sqlite(sqlite_api, data):
    fuzz(sqlite_api, data, as_nobody=True)


@pytest.mark.postgres
@fuzz_settings(0.25)
@given(data=st.data())
def test_random_bad_input_to_any_action_is_a_documented_4xx_on_postgres(postgres_api, data):
    fuzz(postgres_api, data)


SWEEPS = {
    "nothing": lambda name: None,
    "empty": lambda name: "",
    "NUL": lambda name: "\x00",
    "non-ASCII": lambda name: "名前-ä",
    "negative": lambda name: "-1",
    "huge": lambda name: "9" * 40,
    "over-long": lambda name: "x" * 6145,
    "bad JSON": lambda name: '[{"Key":',
}


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_every_action_answers_each_kind_of_bad_value_with_a_documented_error(request, store):
    """The same bad value in every parameter an action reads, for every action: deterministic,
    so each action meets each kind of bad input whatever hypothesis draws."""
    api = request.getfixturevalue(f"{store}_api")
    failures: list[str] = []
    for action in api.actions:
        for kind, make in SWEEPS.items():
            params = {
                name: value for name in api.names[action.name] if (value := make(name)) is not None
            }
            if kind == "NUL" and params:
                params = {name: f"ok{value}" for name, value in params.items()}
            response = api.send(action, {**params, "Format": "JSON"}, api.root)
            try:
                check_answer(api, action, params, response)
            except AssertionError as failure:
                failures.append(f"[{kind}] {str(failure).splitlines()[0]:.500}")
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures)


FREE_TEXT = [
    ("CreateUser", {"UserName": "bob", "DisplayName": "a\x00b"}),
    ("CreateUser", {"UserName": "carol", "Comments": "a\x00b"}),
    ("CreateGroup", {"GroupName": "ops", "Comments": "a\x00b"}),
    ("CreatePolicy", {"PolicyName": "p1", "Description": "a\x00b", "PolicyDocument": DOCUMENT}),
    (
        "TagResources",
        {
            "ResourceType": "role",
            "ResourceNames": '["reader"]',
            "Tag": '[{"Key":"k","Value":"a\\u0000b"}]',
        },
    ),
]


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize(("action", "params"), FREE_TEXT, ids=[a for a, _ in FREE_TEXT])
def test_a_nul_character_in_free_text_is_refused_not_a_500(request, store, action, params):
    api = request.getfixturevalue(f"{store}_api")
    registered = next(a for a in api.actions if a.name == action and a.product.code == "Ram")
    check_answer(api, registered, params, api.send(registered, params, api.root))


def test_control_characters_are_refused_and_xml_answers_stay_well_formed(sqlite_api):
    by_name = {a.name: a for a in sqlite_api.actions if a.product.code == "Ram"}  # Ims has some
    refused = sqlite_api.send(
        by_name["CreateUser"], {"UserName": "bell", "DisplayName": "ring\x07\x01"}, sqlite_api.root
    )
    assert refused.status_code == 400
    assert refused.json()["Code"] == "InvalidParameter.DisplayName.InvalidChars"
    created = sqlite_api.send(
        by_name["CreateUser"],
        {"UserName": "bell", "DisplayName": 'ring <&> "bell"\tü'},
        sqlite_api.root,
    )
    assert created.status_code == 200
    answer = sqlite_api.send(
        by_name["GetUser"], {"UserName": "bell", "Format": "XML"}, sqlite_api.root
    )
    assert answer.status_code == 200
    assert ET.fromstring(answer.content).find("User/DisplayName").text == 'ring <&> "bell"\tü'
