"""Four-eyes approvals proven by identity: request (the engine), give (the approver's console),
verify (the engine sends the approver's signed GetCallerIdentity request to STS and learns who).

A typed name is no approval: without a signed proof over this run, step and digest, `verify`
refuses, as it does the starter's own proof, an approver outside the policy and an old proof.
"""

from __future__ import annotations

from opsconsole.app.audit import AuditScope
from opsconsole.app.team_parts import TeamParts
from opsconsole.aws.team_proof import caller_of, groups_of_user, proof_body, sign_approval
from opsconsole.domain.errors import InvalidInput
from opsconsole.domain.team import (
    ApprovalBinding,
    ApprovalProof,
    ApprovalRefused,
    ApprovalRequest,
    check_proof,
    user_name_of,
)

REQUESTED, GIVEN, VERIFIED = "team.approval.request", "team.approval.give", "team.approval.verify"


class Approvals:
    def __init__(self, parts: TeamParts) -> None:
        self.parts = parts

    def request(self, binding: ApprovalBinding, env: str, summary: str) -> ApprovalRequest:
        """Publish a step's need for a second person (the engine, when a step waits)."""
        request = ApprovalRequest(binding, env, summary, self.parts.me(), self.parts.clock())
        self.parts.store.put_approval_request(request)
        self.parts.audit.event(REQUESTED, AuditScope(env), details=_binding_details(binding))
        return request

    def give(self, run_id: str, step_id: str) -> ApprovalProof:
        """Sign an approval of the pending request with this console's own identity and store it.

        Raises:
            InvalidInput: no such pending request.
            ApprovalRefused: it is this identity's own run.
        """
        request = self.parts.store.approval(run_id, step_id)
        if request is None or request.status != "pending":
            raise InvalidInput(
                f"no pending approval for step {step_id} of run {run_id}",
                hint="`opsconsole team` lists the pending approvals",
            )
        if request.starter == self.parts.me():
            raise ApprovalRefused("you started this run: someone else must approve it (four eyes)")
        proof = sign_approval(self.parts.sts_client(), request.binding)
        self.parts.store.put_proof(request.binding, proof)
        self.parts.audit.event(
            GIVEN, AuditScope(request.environment), details=_binding_details(request.binding)
        )
        return proof

    def verify(self, binding: ApprovalBinding) -> str:
        """The approver's ARN, proven by STS; the approval is then marked accepted and audited.

        Raises:
            ApprovalRefused: no proof (a typed name), a proof for another step or digest, an
                expired or forged one, the starter's own, or an approver outside the policy.
            TeamStoreUnavailable: the store or STS cannot be reached.
        """
        request = self.parts.store.approval(binding.run_id, binding.step_id)
        if request is None or request.proof is None:
            raise ApprovalRefused(
                f"step {binding.step_id} of run {binding.run_id} has no signed approval "
                "(a typed name is not one)",
                hint=f"the approver runs `opsconsole runbook approve {binding.run_id} {binding.step_id}` "
                "signed in as themselves",
            )
        proof = request.proof
        check_proof(proof, binding, proof_body(proof), self.parts.clock(), self.parts.proof_max_age)
        approver = caller_of(proof, self.parts.sts_client().meta.endpoint_url)
        if approver == request.starter:
            raise ApprovalRefused(f"{approver} started this run and cannot approve it (four eyes)")
        self._check_policy(approver)
        if request.status != "accepted":  # a resumed run checks again; the first check marked it
            self.parts.store.mark_approved(binding, approver)
        details = {**_binding_details(binding), "approver": approver, "starter": request.starter}
        self.parts.audit.event(VERIFIED, AuditScope(request.environment), details=details)
        return approver

    def _check_policy(self, approver: str) -> None:
        policy = self.parts.policy
        if policy.admits_arn(approver):
            return
        user = user_name_of(approver)
        if (
            policy.groups
            and user is not None
            and policy.groups & groups_of_user(self.parts.iam_client(), user)
        ):
            return
        allowed = (
            ", ".join(sorted(policy.arns | {f"group {g}" for g in policy.groups})) or "nobody is configured"
        )
        raise ApprovalRefused(
            f"{approver} is not an approver (allowed: {allowed})",
            hint="[team] approvers and approver_groups name who may approve",
        )


def _binding_details(binding: ApprovalBinding) -> dict[str, str]:
    return {"run": binding.run_id, "step": binding.step_id, "digest": binding.digest}
