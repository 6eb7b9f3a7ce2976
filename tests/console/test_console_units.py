"""The console's pure parts: sealed sessions, login names, JSON pointers into policy text, the
policy editor's advice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ramsts.console.pages.signin import split_login_name
from ramsts.console.pages.simulator import parse_context
from ramsts.console.pointers import locate, syntax_error_span
from ramsts.console.policy_advice import fix_policy, is_role_arn
from ramsts.console.sessions import Session, SessionCodec, advanced, anonymous_session
from ramsts.crypto import MasterKey

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def signed_in(codec: SessionCodec) -> tuple[Session, str]:
    session = replace(
        advanced(anonymous_session(NOW), "signed-in", NOW, timedelta(hours=6)),
        account_id="1234567890123456",
        identity_type="RAMUser",
        user_id="200000000000000001",
        user_name="alice",
    )
    return session, codec.seal(session)


def test_a_sealed_session_opens_to_itself_until_it_expires() -> None:
    codec = SessionCodec(MasterKey.generate())
    session, cookie = signed_in(codec)
    assert codec.open(cookie, NOW + timedelta(hours=5, minutes=59)) == session
    assert codec.open(cookie, NOW + timedelta(hours=6)) is None


def test_a_session_sealed_under_another_key_or_altered_does_not_open() -> None:
    codec = SessionCodec(MasterKey.generate())
    _, cookie = signed_in(codec)
    assert SessionCodec(MasterKey.generate()).open(cookie, NOW) is None
    altered = cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]
    assert codec.open(altered, NOW) is None
    assert codec.open("", NOW) is None
    assert codec.open("not a cookie", NOW) is None


def test_only_a_signed_in_session_past_its_time_has_expired() -> None:
    codec = SessionCodec(MasterKey.generate())
    _, cookie = signed_in(codec)
    later = NOW + timedelta(hours=6)
    assert codec.open(cookie, later) is None
    assert codec.expired(cookie, later)
    assert not codec.expired(cookie, NOW)
    anonymous = codec.seal(anonymous_session(NOW))
    assert not codec.expired(anonymous, later)
    assert not codec.expired(None, later)
    assert not codec.expired(SessionCodec(MasterKey.generate()).seal(signed_in(codec)[0]), later)


def test_each_stage_gets_a_new_csrf_token_and_tokens_compare_exactly() -> None:
    first = anonymous_session(NOW)
    moved = advanced(first, "signed-in", NOW, timedelta(hours=1))
    assert moved.csrf_token != first.csrf_token
    assert moved.csrf_matches(moved.csrf_token)
    assert not moved.csrf_matches(first.csrf_token)
    assert not moved.csrf_matches("")


def test_the_sign_in_ticket_of_the_mfa_step_never_shows_in_a_repr() -> None:
    step = replace(anonymous_session(NOW), stage="mfa", ticket="v1.sealed-ticket")
    assert "sealed-ticket" not in repr(step)


def test_a_session_keeps_no_password_field() -> None:
    assert not any("password" in name for name in Session.__dataclass_fields__)


def test_login_names_say_root_or_user_of_an_account_or_alias() -> None:
    assert split_login_name("1234567890123456") == ("1234567890123456", None)
    assert split_login_name(" acme ") == ("acme", None)
    assert split_login_name("alice@acme") == ("acme", "alice")
    assert split_login_name("alice@1234567890123456.onaliyun.com") == ("1234567890123456", "alice")


def test_a_pointer_lands_on_the_value_it_names() -> None:
    text = '{\n  "Version": "1",\n  "Statement": [{"Effect": "Alow", "Action": ["a:b", "c"]}]\n}'
    start, end = locate(text, "/Statement/0/Action/1") or (0, 0)
    assert text[start:end] == '"c"'
    start, end = locate(text, "/Statement/0/Effect") or (0, 0)
    assert text[start:end] == '"Alow"'


def test_a_pointer_to_a_missing_member_lands_on_its_parent() -> None:
    text = '{"Statement": [{"Effect": "Allow"}]}'
    start, end = locate(text, "/Statement/0/Resource") or (0, 0)
    assert text[start:end] == '{"Effect": "Allow"}'
    assert locate(text, "/Nothing/here") is None


def test_keys_with_escaped_characters_are_found() -> None:
    text = '{"Condition": {"StringEquals": {"acs:a/b": "x"}}}'
    start, end = locate(text, "/Condition/StringEquals/acs:a~1b") or (0, 0)
    assert text[start:end] == '"x"'


def test_a_syntax_error_has_an_offset_instead_of_a_pointer() -> None:
    assert syntax_error_span('{"Version": }') == (12, 13)
    assert syntax_error_span("{}") is None


def test_context_lines_become_condition_keys_and_repeats_become_lists() -> None:
    context = parse_context("acs:SourceIp = 10.0.0.1\nno equals sign\noss:Prefix=a\noss:Prefix=b\n")
    assert context == {"acs:SourceIp": "10.0.0.1", "oss:Prefix": ["a", "b"]}


def test_role_arns_are_ram_roles_of_an_account_or_any() -> None:
    assert is_role_arn("acs:ram::1234567890123456:role/iotstsrole")
    assert is_role_arn("acs:ram:*:*:role/*")
    assert not is_role_arn("acs:ram::1234567890123456:user/alice")
    assert not is_role_arn("acs:ram::1234567890123456:role/")
    assert not is_role_arn("acs:ram:cn-hangzhou:1234567890123456:role/x")
    assert not is_role_arn("acs:ram::acme:role/x")
    assert not is_role_arn("acs:iot:*:*:*")
    assert not is_role_arn("acs:ram::123")


def test_the_fix_rewrites_each_mistaken_action_and_nothing_else() -> None:
    role = "acs:ram::1234567890123456:role/r"
    text = (
        '{"Version": "1", "Statement": ['
        f'{{"Effect": "Allow", "Action": ["iot:A", "iot:B"], "Resource": "{role}"}}, '
        '{"Effect": "Allow", "Action": "iot:A", "Resource": "*"}, '
        f'{{"Effect": "Deny", "Action": "iot:A", "Resource": "{role}"}}, '
        f'{{"Effect": "Allow", "NotAction": "iot:A", "Resource": "{role}"}}, '
        f'{{"Effect": "Allow", "Action": "ecs:*", "Resource": ["{role}", "{role}2"]}}]}}'
    )
    assert fix_policy(text) == (
        text.replace('["iot:A", "iot:B"]', '"sts:AssumeRole"').replace(
            '"ecs:*"', '"sts:AssumeRole"'
        )
    )
    statement = f'{{"Effect": "Allow", "Action": "x:y", "Resource": "{role}"}}'
    lone = f'{{"Version": "1", "Statement": {statement}}}'
    assert fix_policy(lone) == lone.replace('"x:y"', '"sts:AssumeRole"')
    assert fix_policy('{"Version": "1"}') == '{"Version": "1"}'
