"""What a team shares: environment leases, approvals proven by a signed STS request, the team view.

Pure: the DynamoDB adapter (aws/team_store.py) stores these, the use case (app/team.py) decides.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from opsconsole.domain.errors import BackendError, Denied

APPROVAL_HEADER = "X-Opsconsole-Approval"
GET_CALLER_IDENTITY = {"Action": ["GetCallerIdentity"], "Version": ["2011-06-15"]}
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_SIGNED_HEADERS = re.compile(r"SignedHeaders=([^,\s]+)")


class LockHeld(Denied):
    """Someone else holds the environment's lease: names who, why and until when."""

    def __init__(self, lease: Lease) -> None:
        super().__init__(
            f"{lease.environment} is locked by {lease.holder} for {lease.purpose!r} "
            f"until {lease.expires_at:%Y-%m-%d %H:%M:%S} UTC",
            hint="wait for it, ask them, or `opsconsole team break ENV --reason ...` (audited)",
        )
        self.lease = lease


class LeaseLost(Denied):
    """The caller's lease was released, broken or taken over after expiry."""


class ApprovalRefused(Denied):
    """An approval that proves nothing, or proves the wrong thing."""


class TeamStoreUnavailable(BackendError):
    """The shared store cannot be reached: what needs a lock or an approval must wait."""


@dataclass(frozen=True)
class Lease:
    """One environment's lock: who holds it, why, until when; `token` identifies this taking of it."""

    environment: str
    holder: str
    purpose: str
    expires_at: datetime
    token: str
    taken_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class ApprovalBinding:
    """What an approval is for: a run's step and the digest of what that step will do."""

    run_id: str
    step_id: str
    digest: str

    @property
    def header_value(self) -> str:
        return f"{self.run_id}/{self.step_id}/{self.digest}"


def digest_of(text: str) -> str:
    """The sha256 of a step's planned calls, as the approval binds it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApprovalProof:
    """A signed sts:GetCallerIdentity request, never sent by the approver: the engine sends it."""

    method: str
    url: str
    headers: dict[str, str]
    body_b64: str

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def signed_at(self) -> datetime | None:
        stamp = self.header("X-Amz-Date")
        if stamp is None:
            return None
        try:
            return datetime.strptime(stamp, _AMZ_DATE).replace(tzinfo=UTC)
        except ValueError:
            return None


@dataclass(frozen=True)
class ApprovalRequest:
    """A step waiting for a second person, as the team store holds it."""

    binding: ApprovalBinding
    environment: str
    summary: str
    starter: str
    requested_at: datetime
    status: str = "pending"
    proof: ApprovalProof | None = None
    approver: str | None = None


def check_proof(
    proof: ApprovalProof, binding: ApprovalBinding, body: bytes, now: datetime, max_age: timedelta
) -> None:
    """Refuse a proof that is not a GetCallerIdentity request signed over this binding, recently.

    Raises:
        ApprovalRefused: naming what is wrong with it.
    """
    if proof.method.upper() != "POST" or parse_qs(body.decode("utf-8", "replace")) != GET_CALLER_IDENTITY:
        raise ApprovalRefused("the approval's proof is not an sts:GetCallerIdentity request")
    value = proof.header(APPROVAL_HEADER)
    signed = _SIGNED_HEADERS.search(proof.header("Authorization") or "")
    if value is None or signed is None or APPROVAL_HEADER.lower() not in signed.group(1).split(";"):
        raise ApprovalRefused(f"the approval's proof does not sign the {APPROVAL_HEADER} header")
    if value != binding.header_value:
        raise ApprovalRefused(
            f"the approval was given for {value!r}, not for {binding.header_value!r}",
            hint="the step or what it will do changed since: ask for a new approval",
        )
    signed_at = proof.signed_at()
    if signed_at is None:
        raise ApprovalRefused("the approval's proof carries no X-Amz-Date")
    if now - signed_at > max_age or signed_at - now > timedelta(minutes=5):
        raise ApprovalRefused(
            f"the approval was signed at {signed_at:%Y-%m-%d %H:%M:%S} UTC and is no longer valid "
            f"(proofs last {int(max_age.total_seconds() // 60)} minutes)",
            hint="ask the approver to approve again",
        )


@dataclass(frozen=True)
class ApproverPolicy:
    """Who may approve: IAM ARNs (a role's ARN admits its sessions) or members of IAM groups."""

    arns: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    def admits_arn(self, arn: str) -> bool:
        return arn in self.arns or role_of(arn) in self.arns


def role_of(arn: str) -> str:
    """`arn:aws:sts::A:assumed-role/R/session` -> `arn:aws:iam::A:role/R`; other ARNs unchanged."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        role = parts[5].split("/")[1]
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{role}"
    return arn


def short_name(arn: str) -> str:
    """Who an ARN is, for a narrow column: `user/alice` -> alice, `assumed-role/R/s` -> s (R)."""
    resource = arn.split(":", 5)[-1]
    parts = resource.split("/")
    if resource.startswith("assumed-role/") and len(parts) >= 3:
        return f"{parts[-1]} ({parts[1]})"
    return parts[-1] or arn


def user_name_of(arn: str) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("user/"):
        return parts[5].rsplit("/", 1)[-1]
    return None


@dataclass(frozen=True)
class TeamAction:
    """One line of the team's recent actions in an environment (an index of the audit trail)."""

    environment: str
    at: datetime
    actor: str
    action: str
    outcome: str
    record_id: str


@dataclass(frozen=True)
class RunState:
    """A runbook run as the team sees it: who started it, where, and what it waits for."""

    run_id: str
    environment: str
    starter: str
    status: str
    updated_at: datetime
    waiting_step: str | None = None
    waiting_for: str | None = None
    """While waiting: what for (runbooks/state.py's SIGNED_APPROVAL or NAMED_APPROVAL)."""


@dataclass(frozen=True)
class TeamView:
    locks: tuple[Lease, ...] = ()
    approvals: tuple[ApprovalRequest, ...] = ()
    runs: tuple[RunState, ...] = ()
    actions: tuple[TeamAction, ...] = ()
    unsent: int = 0
    notes: tuple[str, ...] = field(default=())
