"""One AssumeRole hop chain for an environment's tier, and its place in the session store.

The chain starts from the environment's source profile (its identity source), assumes each role
of `via_roles` in order, then the tier's role, signed with the MFA session of the environment's
device when it has one. The account the session landed in is read from the last AssumeRole's
own answer (its assumed-role ARN, what GetCallerIdentity would say) and checked before it is cached.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from opsconsole.aws.identity import IdentitySource, from_cache, to_cache, to_temporary
from opsconsole.aws.sts_errors import sts_errors, sts_failure
from opsconsole.domain.environment import Environment, RoleTier
from opsconsole.domain.errors import AccountMismatch, BackendError
from opsconsole.domain.identity import CallerIdentity, TemporaryCredentials

ROLE_HINT = "check the role ARN, its trust policy (it must trust your identity), the ExternalId and MFA"


@dataclass(frozen=True)
class Plan:
    """What to assume for one environment and tier, and under which name."""

    env: Environment
    tier: RoleTier
    role_arn: str
    session_name: str
    mfa_serial: str | None

    def cache_key(self, base_access_key: str) -> str:
        parts = [
            self.env.source_profile or "",
            base_access_key,
            self.mfa_serial or "",
            ",".join(self.env.via_roles),
            self.role_arn,
            self.session_name,
            self.env.external_id or "",
            str(self.env.session_duration),
        ]
        return "role-session:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def assume_chain(
    source: IdentitySource, plan: Plan, client_factory: Any
) -> tuple[TemporaryCredentials, CallerIdentity]:
    """AssumeRole through the chain: the last hop's credentials and the identity they carry.
    `client_factory(keys)` returns an STS client for the next hop; none is made after the last
    (a client costs ~20-50 ms of CPU, and the answer already names the account)."""
    sts = source.sts_client(plan.mfa_serial)
    hops = [*plan.env.via_roles, plan.role_arn]
    hop_ids = dict(zip(plan.env.via_roles, plan.env.via_external_ids, strict=False))
    credentials: TemporaryCredentials | None = None
    for index, role_arn in enumerate(hops):
        last = index == len(hops) - 1
        params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": plan.session_name}
        if not last and hop_ids.get(role_arn):
            params["ExternalId"] = hop_ids[role_arn]
        if last:
            params["DurationSeconds"] = plan.env.session_duration
            if plan.env.external_id:
                params["ExternalId"] = plan.env.external_id
        try:
            answer = sts.assume_role(**params)
        except sts_errors() as e:
            what = f"cannot assume the {plan.tier.value} role {role_arn} in {plan.env.name}"
            if not last:
                what = f"cannot assume {role_arn} (source_profile chain of {plan.env.name})"
            raise sts_failure(e, what, role_hint=ROLE_HINT) from e
        credentials = to_temporary(answer["Credentials"])
        if not last:
            sts = client_factory(credentials)
    assert credentials is not None
    return credentials, assumed_identity(answer)


def assumed_identity(answer: dict[str, Any]) -> CallerIdentity:
    """The identity an AssumeRole answer names: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION."""
    user = answer.get("AssumedRoleUser") or {}
    arn = str(user.get("Arn", ""))
    parts = arn.split(":")
    if len(parts) < 6 or not parts[4]:
        raise BackendError(f"AWS STS answered AssumeRole without the assumed role's ARN ({arn or 'none'})")
    return CallerIdentity(account=parts[4], arn=arn, user_id=str(user.get("AssumedRoleId", "")))


def verify_account(env: Environment, sts: Any) -> CallerIdentity:
    """GetCallerIdentity with the new credentials: the account in use is what counts."""
    try:
        identity = to_identity(sts.get_caller_identity())
    except sts_errors() as e:
        raise sts_failure(e, f"the new credentials for {env.name} do not work", role_hint=ROLE_HINT) from e
    check_account(env, identity)
    return identity


def check_account(env: Environment, identity: CallerIdentity) -> None:
    if identity.account != env.account_id:
        raise AccountMismatch(
            f"ACCOUNT MISMATCH: the role for {env.name} landed in account {identity.account} "
            f"({identity.arn}), but the config says {env.name} is account {env.account_id}",
            hint="nothing was done; fix account_id or the role ARNs of this environment",
        )


def to_identity(answer: dict[str, Any]) -> CallerIdentity:
    return CallerIdentity(account=answer["Account"], arn=answer["Arn"], user_id=answer["UserId"])


def cache_entry(credentials: TemporaryCredentials, identity: CallerIdentity) -> dict[str, str]:
    return to_cache(credentials, Account=identity.account, Arn=identity.arn, UserId=identity.user_id)


def from_entry(entry: dict[str, Any] | None) -> tuple[TemporaryCredentials, CallerIdentity] | None:
    credentials = from_cache(entry)
    if credentials is None or entry is None:
        return None
    try:
        identity = CallerIdentity(
            account=str(entry["Account"]), arn=str(entry["Arn"]), user_id=str(entry["UserId"])
        )
    except KeyError:
        return None
    return credentials, identity
