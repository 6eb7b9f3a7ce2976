"""The user's guide, "Advanced guide to STS", run end to end against a ramsts server
(``ramsts demo``). Each of its six steps is one function here, narrated as it runs:

1. create a role that this account's RAM users may assume;
2. create the guide's read-only and read-write IoT policies (verbatim);
3. authorize the role with the read-only one;
4. create a RAM user, its AccessKey, and its permission to assume the role — ``sts:AssumeRole``
   on the role's ARN (the guide's example shows ``iot:QueryProduct`` there, which would not let
   the user assume anything);
5. the user calls AssumeRole (a duration, then a session policy) for temporary credentials;
6. the temporary credentials call IoT: allowed and denied under the read-only policy, under the
   read-write policy, and under a session policy that allows only ``iot:QueryProduct``.

Every call goes over HTTP, signed as the SDKs sign. :func:`run_walkthrough` returns what each IoT
call got, so tests can check the story, not just that it ran. At the end, whether the steps
succeeded or not, it deletes what it created (the IoT product, the user with its key, the role, the
three policies), so a run against a real server leaves the account as it found it.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ramsts.iot.client import Credentials, Reply, RpcClient
from ramsts.products import IOT, RAM, STS

_OTHER_SERVICES: list[dict[str, Any]] = [
    {
        "Action": [
            "rds:DescribeDBInstances",
            "rds:DescribeDatabases",
            "rds:DescribeAccounts",
            "rds:DescribeDBInstanceNetInfo",
        ],
        "Resource": "*",
        "Effect": "Allow",
    },
    {"Action": "ram:ListRoles", "Effect": "Allow", "Resource": "*"},
    {"Action": ["mns:ListTopic"], "Resource": "*", "Effect": "Allow"},
    {
        "Action": ["dhs:ListProject", "dhs:ListTopic", "dhs:GetTopic"],
        "Resource": "*",
        "Effect": "Allow",
    },
    {
        "Action": ["ots:ListInstance", "ots:ListTable", "ots:DescribeTable"],
        "Resource": "*",
        "Effect": "Allow",
    },
    {
        "Action": ["log:ListShards", "log:ListLogStores", "log:ListProject"],
        "Resource": "*",
        "Effect": "Allow",
    },
]
READ_ONLY_POLICY = {
    "Version": "1",
    "Statement": [
        *_OTHER_SERVICES,
        {
            "Effect": "Allow",
            "Action": ["iot:Query*", "iot:List*", "iot:Get*", "iot:BatchGet*"],
            "Resource": "*",
        },
    ],
}
READ_WRITE_POLICY = {
    "Version": "1",
    "Statement": [*_OTHER_SERVICES, {"Effect": "Allow", "Action": "iot:*", "Resource": "*"}],
}
QUERY_PRODUCT_ONLY = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "iot:QueryProduct", "Resource": "*"}],
}
POLICY_CACHE_SECONDS = 1.0
"""How long ramsts may keep serving a principal's previous policies (docs/guard.md)."""


@dataclass(frozen=True, slots=True)
class IotCall:
    step: str
    action: str
    expected_allowed: bool
    status: int
    code: str

    @property
    def allowed(self) -> bool:
        return self.status == 200


class WalkthroughError(Exception):
    """A setup call failed: the server is not the one the walkthrough needs."""


class Walkthrough:
    def __init__(
        self,
        ramsts: RpcClient,
        iot: RpcClient,
        root: Credentials,
        *,
        say: Callable[[str], None] = print,
        suffix: str | None = None,
    ) -> None:
        self.ramsts = ramsts
        self.iot = iot
        self.root = root
        self.say = say
        tag = suffix if suffix is not None else secrets.token_hex(2)
        self.role = f"iotstsrole-{tag}"
        self.user = f"iotuser-{tag}"
        self.read_only = f"IoTReadOnly-{tag}"
        self.read_write = f"IoTReadWrite-{tag}"
        self.assume = f"AssumeIotRole-{tag}"
        self.calls: list[IotCall] = []
        self.created: set[str] = set()
        """What :meth:`clean_up` deletes: ``"role"``, ``"user"``, policy names, ``"product"``."""
        self.product: str | None = None

    # -- plumbing -----------------------------------------------------------------------------

    def _must(self, reply: Reply, what: str) -> dict[str, Any]:
        if not reply.ok:
            raise WalkthroughError(
                f"{what} failed: HTTP {reply.status} {reply.body.get('Code')}:"
                f" {reply.body.get('Message') or reply.body.get('ErrorMessage')}"
            )
        return reply.body

    def _ram(self, action: str, **params: str) -> dict[str, Any]:
        return self._must(
            self.ramsts.call(RAM.version, action, self.root, **params), f"RAM {action}"
        )

    def _iot(
        self, step: str, credentials: Credentials, action: str, expect: bool, **params: str
    ) -> Reply:
        reply = self.iot.call(IOT.version, action, credentials, **params)
        outcome = "allowed" if reply.status == 200 else f"denied ({reply.body.get('Code')})"
        verdict = "as expected" if (reply.status == 200) == expect else "UNEXPECTED"
        self.say(f"    iot:{action:<20} {outcome:<24} {verdict}")
        self.calls.append(IotCall(step, action, expect, reply.status, str(reply.body.get("Code"))))
        return reply

    # -- the six steps ------------------------------------------------------------------------

    def step1_create_role(self, account_id: str) -> str:
        self.say(f"Step 1: create the role {self.role}, trusting this account ({account_id}).")
        trust = {
            "Version": "1",
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"RAM": [f"acs:ram::{account_id}:root"]},
                }
            ],
        }
        body = self._ram(
            "CreateRole", RoleName=self.role, AssumeRolePolicyDocument=json.dumps(trust)
        )
        self.created.add("role")
        arn = str(body["Role"]["Arn"])
        self.say(f"    role ARN: {arn}")
        return arn

    def step2_create_policies(self) -> None:
        self.say(f"Step 2: create the guide's policies {self.read_only} and {self.read_write}.")
        self._ram(
            "CreatePolicy", PolicyName=self.read_only, PolicyDocument=json.dumps(READ_ONLY_POLICY)
        )
        self.created.add(self.read_only)
        self._ram(
            "CreatePolicy", PolicyName=self.read_write, PolicyDocument=json.dumps(READ_WRITE_POLICY)
        )
        self.created.add(self.read_write)

    def step3_authorize_role(self) -> None:
        self.say(f"Step 3: attach {self.read_only} to the role.")
        self._ram(
            "AttachPolicyToRole", PolicyType="Custom", PolicyName=self.read_only, RoleName=self.role
        )

    def step4_user_may_assume(self, role_arn: str) -> Credentials:
        self.say(f"Step 4: create the RAM user {self.user} and let it assume the role.")
        self.say(
            "    note: the guide's example grants iot:QueryProduct on the role ARN; playing a role"
            " needs sts:AssumeRole on it, which is what is granted here."
        )
        self._ram("CreateUser", UserName=self.user)
        self.created.add("user")
        key = self._ram("CreateAccessKey", UserName=self.user)["AccessKey"]
        document = {
            "Version": "1",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}],
        }
        self._ram("CreatePolicy", PolicyName=self.assume, PolicyDocument=json.dumps(document))
        self.created.add(self.assume)
        self._ram(
            "AttachPolicyToUser", PolicyType="Custom", PolicyName=self.assume, UserName=self.user
        )
        self.say(f"    {self.user}'s AccessKeyId: {key['AccessKeyId']}")
        return Credentials.from_body(key)

    def step5_assume_role(
        self, user: Credentials, role_arn: str, session: str, policy: dict[str, Any] | None = None
    ) -> Credentials:
        shown = "" if policy is None else f" with the session policy {json.dumps(policy)}"
        self.say(f"Step 5: {self.user} assumes the role as {session!r} for 900 s{shown}.")
        params = {"RoleArn": role_arn, "RoleSessionName": session, "DurationSeconds": "900"}
        if policy is not None:
            params["Policy"] = json.dumps(policy)
        body = self._must(
            self.ramsts.call(STS.version, "AssumeRole", user, **params), "STS AssumeRole"
        )
        credentials = body["Credentials"]
        self.say(
            f"    temporary AccessKeyId {credentials['AccessKeyId']}, expires"
            f" {credentials['Expiration']}"
        )
        return Credentials.from_body(credentials)

    def create_sample_product(self) -> str:
        """Something to query: the account itself creates one product."""
        reply = self.iot.call(
            IOT.version,
            "CreateProduct",
            self.root,
            ProductName=f"demo_{self.role[-4:]}",
            NodeType="0",
        )
        product = str(self._must(reply, "IoT CreateProduct as the account")["ProductKey"])
        self.product = product
        self.created.add("product")
        self.say(f"    (the account creates the IoT product {product} to have something to read)")
        return product

    def step6_access(
        self, role_arn: str, user: Credentials, session: Credentials, product: str
    ) -> None:
        self.say("Step 6: the temporary credentials call IoT.")
        self.say("  under the read-only policy:")
        self._iot("read-only", session, "QueryProductList", True, CurrentPage="1", PageSize="10")
        self._iot("read-only", session, "QueryProduct", True, ProductKey=product)
        self._iot(
            "read-only",
            session,
            "QueryDevice",
            True,
            ProductKey=product,
            CurrentPage="1",
            PageSize="10",
        )
        self._iot(
            "read-only", session, "CreateProduct", False, ProductName="denied_product", NodeType="0"
        )
        self._iot(
            "read-only",
            session,
            "RegisterDevice",
            False,
            ProductKey=product,
            DeviceName="sensor-01",
        )
        self.say(f"  the role switches to {self.read_write} (same session, no new token):")
        self._ram(
            "AttachPolicyToRole",
            PolicyType="Custom",
            PolicyName=self.read_write,
            RoleName=self.role,
        )
        self._ram(
            "DetachPolicyFromRole",
            PolicyType="Custom",
            PolicyName=self.read_only,
            RoleName=self.role,
        )
        time.sleep(POLICY_CACHE_SECONDS)
        self._iot(
            "read-write",
            session,
            "RegisterDevice",
            True,
            ProductKey=product,
            DeviceName="sensor-01",
        )
        self._iot(
            "read-write",
            session,
            "UpdateProduct",
            True,
            ProductKey=product,
            ProductName=f"demo_{self.role[-4:]}_v2",
        )
        self.say("  a new session narrowed by a policy that allows only iot:QueryProduct:")
        narrow = self.step5_assume_role(user, role_arn, "iotqueryonly", QUERY_PRODUCT_ONLY)
        self._iot("session policy", narrow, "QueryProduct", True, ProductKey=product)
        self._iot(
            "session policy",
            narrow,
            "QueryDevice",
            False,
            ProductKey=product,
            CurrentPage="1",
            PageSize="10",
        )
        self._iot(
            "session policy",
            narrow,
            "RegisterDevice",
            False,
            ProductKey=product,
            DeviceName="sensor-02",
        )

    def clean_up(self) -> None:
        """Delete what the steps created, detaching and deleting what hangs on it first. A
        failure is reported and the rest still deleted: this also runs after a failed step."""
        if not self.created:
            return
        self.say("Cleaning up what the walkthrough created.")
        if "product" in self.created and self.product is not None:
            self._quietly(
                self.iot.call(IOT.version, "DeleteProduct", self.root, ProductKey=self.product)
            )
        for kind, name in (("Role", self.role), ("User", self.user)):
            if kind.lower() not in self.created:
                continue
            attached = self.ramsts.call(
                RAM.version, f"ListPoliciesFor{kind}", self.root, **{f"{kind}Name": name}
            )
            for policy in (
                attached.body.get("Policies", {}).get("Policy", []) if attached.ok else []
            ):
                self._quietly(
                    self.ramsts.call(
                        RAM.version,
                        f"DetachPolicyFrom{kind}",
                        self.root,
                        PolicyType=policy["PolicyType"],
                        PolicyName=policy["PolicyName"],
                        **{f"{kind}Name": name},
                    )
                )
            if kind == "User":
                keys = self.ramsts.call(RAM.version, "ListAccessKeys", self.root, UserName=name)
                for key in keys.body.get("AccessKeys", {}).get("AccessKey", []) if keys.ok else []:
                    self._quietly(
                        self.ramsts.call(
                            RAM.version,
                            "DeleteAccessKey",
                            self.root,
                            UserName=name,
                            UserAccessKeyId=key["AccessKeyId"],
                        )
                    )
            self._quietly(
                self.ramsts.call(RAM.version, f"Delete{kind}", self.root, **{f"{kind}Name": name})
            )
        for policy_name in (self.read_only, self.read_write, self.assume):
            if policy_name in self.created:
                self._quietly(
                    self.ramsts.call(RAM.version, "DeletePolicy", self.root, PolicyName=policy_name)
                )
        self.created.clear()

    def _quietly(self, reply: Reply) -> None:
        if not reply.ok:
            self.say(
                f"    could not clean up: HTTP {reply.status} {reply.body.get('Code')}:"
                f" {reply.body.get('Message') or reply.body.get('ErrorMessage')}"
            )


def run_walkthrough(
    ramsts: RpcClient,
    iot: RpcClient,
    root: Credentials,
    account_id: str,
    *,
    say: Callable[[str], None] = print,
    suffix: str | None = None,
    keep: bool = False,
) -> list[IotCall]:
    """Run the six steps; returns every IoT call with what it was expected to get. What the
    steps created is deleted at the end unless ``keep``."""
    walk = Walkthrough(ramsts, iot, root, say=say, suffix=suffix)
    try:
        role_arn = walk.step1_create_role(account_id)
        walk.step2_create_policies()
        walk.step3_authorize_role()
        user = walk.step4_user_may_assume(role_arn)
        product = walk.create_sample_product()
        session = walk.step5_assume_role(user, role_arn, "iotreadonlyrole")
        walk.step6_access(role_arn, user, session, product)
    finally:
        if not keep:
            walk.clean_up()
    unexpected = [call for call in walk.calls if call.allowed != call.expected_allowed]
    say(
        f"Done: {len(walk.calls)} IoT calls,"
        f" {len(walk.calls) - len(unexpected)} as the policies say, {len(unexpected)} unexpected."
    )
    return walk.calls
