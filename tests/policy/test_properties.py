"""Properties of the whole engine (hypothesis): parse ∘ dump is the identity, deny overrides
allow, statement and policy order never change the effect, and the compiled evaluator agrees
with the tiny, obviously-correct reference evaluator below."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ramsts.policy import Request, compile_policy_set, evaluate, parse_policy

SERVICES = ["oss", "ecs", "Oss"]
NAMES = ["GetObject", "getobject", "PutObject", "Get*", "*Object", "?etObject", "*"]
RESOURCES = ["*", "acs:oss:*:*:b/*", "acs:oss:*:*:b/k", "acs:oss:*:*:B/k", "acs:oss:?:*:b/k"]
REQUEST_RESOURCES = ["acs:oss:*:*:b/k", "acs:oss:*:*:B/k", "acs:oss:x:*:b/k", "acs:oss:*:*:b/"]
REQUEST_ACTIONS = ["oss:GetObject", "ecs:PutObject", "OSS:getobject", "oss:ListObjects"]

actions = st.one_of(
    st.just("*"),
    st.builds(lambda s, n: f"{s}:{n}", st.sampled_from(SERVICES), st.sampled_from(NAMES)),
)
conditions = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "StringEquals": st.fixed_dictionaries(
                {"a:tier": st.lists(st.sampled_from(["gold", "x"]), min_size=1, max_size=2)}
            )
        }
    ),
    st.fixed_dictionaries(
        {"StringNotLike": st.fixed_dictionaries({"a:tier": st.sampled_from(["g*", "x"])})}
    ),
    st.fixed_dictionaries(
        {
            "NotIpAddress": st.fixed_dictionaries(
                {"acs:SourceIp": st.sampled_from(["10.0.0.0/8", "::1"])}
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "IpAddress": st.fixed_dictionaries(
                {"ACS:SourceIP": st.sampled_from(["10.0.0.0/8", "::1"])}
            )
        }
    ),
)


@st.composite
def statements(draw: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    statement[draw(st.sampled_from(["Action", "NotAction"]))] = draw(
        st.lists(actions, min_size=1, max_size=3)
    )
    statement[draw(st.sampled_from(["Resource", "NotResource"]))] = draw(
        st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2)
    )
    condition = draw(conditions)
    if condition is not None:
        statement["Condition"] = condition
    return statement


documents = st.builds(
    lambda s: {"Version": "1", "Statement": s}, st.lists(statements(), min_size=1, max_size=4)
)
contexts = st.fixed_dictionaries(
    {},
    optional={
        "a:tier": st.sampled_from(["gold", "x", "g"]),
        "acs:SourceIp": st.sampled_from(["10.1.1.1", "::1", "8.8.8.8"]),
    },
)
requests = st.builds(
    Request, st.sampled_from(REQUEST_ACTIONS), st.sampled_from(REQUEST_RESOURCES), contexts
)


# -- the reference evaluator: a direct reading of docs/policy-language.md, no indexing ---------


def glob(pattern: str, value: str, ignore_case: bool) -> bool:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(body, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def clause_holds(operator: str, policy_values: list[str], have: str | None) -> bool:
    negated = operator in ("StringNotLike", "NotIpAddress")
    if have is None:
        return negated
    if operator == "StringEquals":
        positive = have in policy_values
    elif operator == "StringNotLike":
        positive = any(glob(v, have, False) for v in policy_values)
    else:
        positive = any(ipaddress.ip_address(have) in ipaddress.ip_network(v) for v in policy_values)
    return positive != negated


def reference_applies(statement: dict[str, Any], request: Request) -> bool:
    if "Action" in statement:
        action_ok = any(glob(a, request.action, True) for a in as_list(statement["Action"]))
    else:
        action_ok = not any(glob(a, request.action, True) for a in as_list(statement["NotAction"]))
    if "Resource" in statement:
        resource_ok = any(glob(r, request.resource, False) for r in as_list(statement["Resource"]))
    else:
        resource_ok = not any(
            glob(r, request.resource, False) for r in as_list(statement["NotResource"])
        )
    if not (action_ok and resource_ok):
        return False
    context = {k.lower(): v for k, v in request.context.items()}
    for operator, block in statement.get("Condition", {}).items():
        for key, values in block.items():
            if not clause_holds(operator, as_list(values), context.get(key.lower())):
                return False
    return True


def reference_effect(
    identity: list[dict[str, Any]], session: dict[str, Any] | None, request: Request
) -> str:
    sets = [identity] + ([[session]] if session is not None else [])
    verdicts = []
    for documents_ in sets:
        applicable = [
            s for d in documents_ for s in d["Statement"] if reference_applies(s, request)
        ]
        if any(s["Effect"] == "Deny" for s in applicable):
            return "ExplicitDeny"
        verdicts.append(any(s["Effect"] == "Allow" for s in applicable))
    return "Allow" if all(verdicts) else "ImplicitDeny"


# -- properties ---------------------------------------------------------------------------------


@given(documents)
def test_parse_of_dump_is_the_identity(document: dict[str, Any]) -> None:
    policy = parse_policy(document)
    assert parse_policy(policy.dump()) == policy


@given(st.lists(documents, min_size=1, max_size=3), st.one_of(st.none(), documents), requests)
def test_the_compiled_evaluator_agrees_with_the_reference(
    identity: list[dict[str, Any]], session: dict[str, Any] | None, request: Request
) -> None:
    pset = compile_policy_set([parse_policy(d) for d in identity])
    session_policy = parse_policy(session, "session") if session is not None else None
    decision = evaluate(request, identity=pset, session=session_policy)
    assert decision.effect == reference_effect(identity, session, request)


@given(st.lists(documents, min_size=1, max_size=3), requests, st.randoms())
def test_statement_and_policy_order_never_change_the_effect(
    identity: list[dict[str, Any]], request: Request, random: Any
) -> None:
    before = evaluate(request, identity=[parse_policy(d) for d in identity]).effect
    shuffled = []
    for document in identity:
        body = list(document["Statement"])
        random.shuffle(body)
        shuffled.append({"Version": "1", "Statement": body})
    random.shuffle(shuffled)
    assert evaluate(request, identity=[parse_policy(d) for d in shuffled]).effect == before


@given(st.lists(documents, min_size=1, max_size=3), requests)
def test_deny_overrides_allow(identity: list[dict[str, Any]], request: Request) -> None:
    deny_all = parse_policy(
        {"Version": "1", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    )
    allow_all = parse_policy(
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )
    policies = [parse_policy(d) for d in identity]
    assert evaluate(request, identity=[*policies, allow_all, deny_all]).effect == "ExplicitDeny"
    with_allow = evaluate(request, identity=[*policies, allow_all]).effect
    assert with_allow == (
        "ExplicitDeny" if evaluate(request, identity=policies).effect == "ExplicitDeny" else "Allow"
    )
