"""Evaluation (R25–R28, decision 12): deny wins, sessions narrow, decisions carry reasons."""

from __future__ import annotations

from typing import Any

from ramsts.policy import (
    DecidingStatement,
    Decision,
    Request,
    compile_policy_set,
    evaluate,
    parse_policy,
)

RESOURCE = "acs:oss:*:1234567890123456:bucket/logs/2024/app.log"


def policy(*statements: dict[str, Any], kind: str = "identity") -> Any:
    return parse_policy({"Version": "1", "Statement": list(statements)}, kind)  # type: ignore[arg-type]


def rule(effect: str, action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


def request(action: str = "oss:GetObject", resource: str = RESOURCE, **context: str) -> Request:
    return Request(action, resource, context)


def test_R25_nothing_applies_is_an_implicit_deny_naming_the_set() -> None:
    decision = evaluate(request(), identity=[policy(rule("Allow", "ecs:*"))])
    assert decision == Decision("ImplicitDeny", (), ("identity",))
    assert "identity" in decision.explain()


def test_R25_an_allow_names_the_policy_and_statement() -> None:
    pset = compile_policy_set(
        [
            ("OSSRead", policy(rule("Allow", "ecs:*"), rule("Allow", "oss:Get*", Sid="Read"))),
        ]
    )
    decision = evaluate(request(), identity=pset)
    assert decision.allowed
    assert decision.statements == (DecidingStatement("OSSRead", 1, "Allow", "Read"),)
    assert "statement 1 (Sid 'Read') of policy 'OSSRead'" in decision.explain()


def test_R25_deny_overrides_allow_across_policies() -> None:
    pset = compile_policy_set(
        [
            ("Admin", policy(rule("Allow", "*"))),
            ("NoLogs", policy(rule("Deny", "oss:*", "acs:oss:*:*:bucket/logs/*"))),
        ]
    )
    decision = evaluate(request(), identity=pset)
    assert decision.effect == "ExplicitDeny"
    assert decision.statements == (DecidingStatement("NoLogs", 0, "Deny"),)
    assert evaluate(request(resource="acs:oss:*:1:bucket/data"), identity=pset).allowed


def test_R14_actions_match_case_insensitively_resources_case_sensitively() -> None:
    identity = [policy(rule("Allow", "OSS:getobject", "acs:oss:*:*:bucket/logs/*"))]
    assert evaluate(request("oss:GetObject"), identity=identity).allowed
    assert not evaluate(
        request(resource=RESOURCE.replace("logs", "Logs")), identity=identity
    ).allowed


def test_R16_not_action_and_not_resource_subtract_from_everything() -> None:
    identity = [
        policy(
            rule("Allow", "*"),
            {"Effect": "Deny", "NotAction": ["oss:Get*", "oss:List*"], "Resource": "*"},
        )
    ]
    assert evaluate(request("oss:GetObject"), identity=identity).allowed
    assert evaluate(request("oss:PutObject"), identity=identity).effect == "ExplicitDeny"
    outside = [
        policy({"Effect": "Allow", "Action": "oss:*", "NotResource": "acs:oss:*:*:bucket/logs/*"})
    ]
    assert not evaluate(request(), identity=outside).allowed
    assert evaluate(request(resource="acs:oss:*:*:bucket/data/x"), identity=outside).allowed


def test_R26_a_session_policy_narrows_and_never_widens() -> None:
    role = [policy(rule("Allow", "oss:*"))]
    session = policy(rule("Allow", ["oss:GetObject", "ecs:*"]), kind="session")
    assert evaluate(request("oss:GetObject"), identity=role, session=session).allowed
    put = evaluate(request("oss:PutObject"), identity=role, session=session)
    assert put == Decision("ImplicitDeny", (), ("session",))
    ecs = evaluate(request("ecs:StartInstance"), identity=role, session=session)
    assert ecs == Decision("ImplicitDeny", (), ("identity",))
    nothing = evaluate(request("ram:ListUsers"), identity=role, session=session)
    assert nothing.missing == ("identity", "session")


def test_R26_an_allow_reports_the_statements_of_both_sets() -> None:
    role = [policy(rule("Allow", "oss:*"))]
    session = policy(rule("Allow", "oss:GetObject"), kind="session")
    decision = evaluate(request(), identity=role, session=session)
    assert decision.statements == (
        DecidingStatement(0, 0, "Allow"),
        DecidingStatement("SessionPolicy", 0, "Allow"),
    )


def test_R26_an_explicit_deny_in_either_set_is_an_explicit_deny() -> None:
    role = [policy(rule("Allow", "oss:*"), rule("Deny", "oss:DeleteObject"))]
    session = policy(rule("Allow", "*"), rule("Deny", "oss:GetObject"), kind="session")
    assert evaluate(request("oss:GetObject"), identity=role, session=session).effect == (
        "ExplicitDeny"
    )
    # decision 12: the role's Deny is reported even though the session policy does not allow
    narrow = policy(rule("Allow", "ecs:*"), kind="session")
    deleted = evaluate(request("oss:DeleteObject"), identity=role, session=narrow)
    assert deleted.statements == (DecidingStatement(0, 1, "Deny"),)


def test_R27_an_explicit_deny_lists_every_applicable_deny() -> None:
    pset = compile_policy_set(
        [("A", policy(rule("Deny", "oss:*"))), ("B", policy(rule("Deny", "*"), rule("Allow", "*")))]
    )
    decision = evaluate(request(), identity=pset)
    assert [(s.policy, s.statement) for s in decision.statements] == [("A", 0), ("B", 0)]


def test_the_action_memo_is_bounded_and_stays_correct(monkeypatch: Any) -> None:
    from ramsts.policy import compiler

    monkeypatch.setattr(compiler, "MEMO_LIMIT", 4)
    pset = compile_policy_set([policy(rule("Allow", "oss:Get*"))])
    for n in range(20):
        assert evaluate(request(f"oss:Get{n}"), identity=pset).allowed
        assert not evaluate(request(f"oss:Put{n}"), identity=pset).allowed
    assert len(pset._memo) <= 4


def test_a_set_of_ten_thousand_statements_reaches_only_the_few_that_can_match() -> None:
    fillers = [
        (f"f{p}", policy(*[rule("Allow", f"svc{p}:Op{n}") for n in range(100)])) for p in range(100)
    ]
    pset = compile_policy_set([*fillers, ("Mine", policy(rule("Allow", "oss:Get*")))])
    assert pset.size == 10_001
    assert len(pset.candidates("oss:getobject")) == 1
    assert evaluate(request(), identity=pset).statements == (DecidingStatement("Mine", 0, "Allow"),)
