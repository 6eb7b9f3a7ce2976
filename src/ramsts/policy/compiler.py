"""The compiler: policies → a :class:`PolicySet` built so a request touches only what can match.

Statements are indexed by what their Action can match:

* an exact action (``ecs:DescribeInstances``) → a dict keyed by the lower-cased name;
* a pattern whose service is literal (``ecs:Describe*``) → a list kept per service;
* a pattern whose service has a wildcard (``*``, ``*:Describe*``) and every NotAction statement
  → one short list tried for every action.

The statements an action can reach are worked out once per distinct action and kept in a bounded
memo, so a repeated action costs one dict lookup. Resource patterns are precompiled
(``patterns.any_glob_test``) and condition literals pre-parsed (``conditions.OPERATORS``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence

from ramsts.policy.conditions import OPERATORS, Predicate
from ramsts.policy.decision import DecidingStatement
from ramsts.policy.document import ConditionClause, Policy, Statement
from ramsts.policy.patterns import StringTest, any_glob_test, glob_test, has_wildcard, negated
from ramsts.policy.request import Request

CompiledCondition = tuple[str, Predicate, bool]
"""(lower-cased key, positive predicate, negated?)."""

MEMO_LIMIT = 8192
"""Distinct actions remembered per policy set; the memo starts afresh when it fills up."""


def compile_conditions(clauses: Sequence[ConditionClause]) -> tuple[CompiledCondition, ...]:
    out = []
    for clause in clauses:
        operator = OPERATORS[clause.operator]
        out.append((clause.key.lower(), operator.build(clause.values), operator.negated))
    return tuple(out)


def conditions_hold(conditions: tuple[CompiledCondition, ...], request: Request) -> bool:
    """Every clause must hold (R17); a missing key fails a positive operator only (R23)."""
    context = request.context_index()
    for key, predicate, is_negated in conditions:
        values = context.get(key)
        if values is None:
            if not is_negated:
                return False
        elif predicate(values) is is_negated:
            return False
    return True


class PatternTests:
    """The string tests of one compile, each pattern (or pattern list) built once.

    Large policy sets repeat their patterns (``*``, ``acs:ecs:*:*:instance/*``…); sharing one
    test per distinct pattern halves the closures a compile allocates.
    """

    __slots__ = ("_any", "_single")

    def __init__(self) -> None:
        self._single: dict[str, StringTest] = {}
        self._any: dict[tuple[str, ...], StringTest] = {}

    def glob(self, pattern: str) -> StringTest:
        test = self._single.get(pattern)
        if test is None:
            test = self._single[pattern] = glob_test(pattern)
        return test

    def any_glob(self, patterns: tuple[str, ...]) -> StringTest:
        test = self._any.get(patterns)
        if test is None:
            test = self._any[patterns] = any_glob_test(patterns)
        return test


class CompiledStatement:
    __slots__ = ("conditions", "deny", "ordinal", "reason", "resource")

    def __init__(
        self, ordinal: int, statement: Statement, reason: DecidingStatement, tests: PatternTests
    ) -> None:
        self.ordinal = ordinal
        self.deny = statement.effect == "Deny"
        self.reason = reason
        test = tests.any_glob(tuple(statement.resources))
        self.resource: StringTest = negated(test) if statement.not_resource else test
        self.conditions = compile_conditions(statement.conditions) or None


class PolicySet:
    """Compiled identity (or session) policies; build once with :func:`compile_policy_set`."""

    def __init__(self, policies: Sequence[tuple[str | int, Policy]]) -> None:
        self.names = tuple(name for name, _ in policies)
        self.size = 0
        self._exact: dict[str, list[CompiledStatement]] = {}
        self._by_service: dict[str, list[tuple[StringTest, CompiledStatement]]] = {}
        self._everywhere: list[tuple[StringTest, CompiledStatement]] = []
        self._memo: dict[str, tuple[CompiledStatement, ...]] = {}
        tests = PatternTests()
        # A compile allocates many small objects and frees none; pausing the cyclic collector
        # keeps it from scanning them again and again (it dominated large compiles).
        collecting = gc.isenabled()
        gc.disable()
        try:
            for name, policy in policies:
                for index, statement in enumerate(policy.statements):
                    reason = DecidingStatement(name, index, statement.effect, statement.sid)
                    compiled = CompiledStatement(self.size, statement, reason, tests)
                    self._index(compiled, statement, tests)
                    self.size += 1
        finally:
            if collecting:
                gc.enable()

    def _index(
        self, compiled: CompiledStatement, statement: Statement, tests: PatternTests
    ) -> None:
        actions = tuple(action.lower() for action in statement.actions)
        if statement.not_action:
            self._everywhere.append((negated(tests.any_glob(actions)), compiled))
            return
        for action in actions:
            service, _, _name = action.partition(":")
            if not has_wildcard(action):
                self._exact.setdefault(action, []).append(compiled)
            elif has_wildcard(service):
                self._everywhere.append((tests.glob(action), compiled))
            else:
                entry = (tests.glob(action), compiled)
                self._by_service.setdefault(service, []).append(entry)

    def candidates(self, action: str) -> tuple[CompiledStatement, ...]:
        """The statements whose Action covers ``action`` (already lower-cased), in order."""
        found = self._memo.get(action)
        if found is None:
            found = self._collect(action)
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            self._memo[action] = found
        return found

    def _collect(self, action: str) -> tuple[CompiledStatement, ...]:
        reached = {s.ordinal: s for s in self._exact.get(action, ())}
        service = action.partition(":")[0]
        for entries in (self._by_service.get(service, ()), self._everywhere):
            for test, compiled in entries:
                if compiled.ordinal not in reached and test(action):
                    reached[compiled.ordinal] = compiled
        return tuple(reached[ordinal] for ordinal in sorted(reached))

    def scan(
        self, action: str, request: Request
    ) -> tuple[tuple[DecidingStatement, ...], tuple[DecidingStatement, ...]]:
        """(applicable Deny statements, applicable Allow statements) for a lower-cased action."""
        denies: tuple[DecidingStatement, ...] = ()
        allows: tuple[DecidingStatement, ...] = ()
        resource = request.resource
        for compiled in self.candidates(action):
            if compiled.resource(resource) and (
                compiled.conditions is None or conditions_hold(compiled.conditions, request)
            ):
                if compiled.deny:
                    denies += (compiled.reason,)
                else:
                    allows += (compiled.reason,)
        return denies, allows


def compile_policy_set(policies: Iterable[tuple[str, Policy] | Policy]) -> PolicySet:
    """Compile named policies (or bare ones, then named by position) into a :class:`PolicySet`."""
    named: list[tuple[str | int, Policy]] = []
    for position, entry in enumerate(policies):
        if isinstance(entry, Policy):
            named.append((position, entry))
        else:
            named.append((entry[0], entry[1]))
    return PolicySet(named)
