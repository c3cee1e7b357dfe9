"""Four-eyes approvals proven by identity, on moto with IAM enforcement (it checks SigV4, as STS
does): the engine sends the approver's signed GetCallerIdentity request and learns who signed."""

from __future__ import annotations

import base64
import dataclasses
import uuid
from datetime import timedelta

import pytest

from opsconsole.app.team import Team
from opsconsole.aws.session import utc_now
from opsconsole.aws.team_proof import sign_approval
from opsconsole.domain.team import APPROVAL_HEADER, ApprovalBinding, ApprovalProof, ApprovalRefused, digest_of
from tests.team.conftest import MakeTeam
from tests.team.world import TeamWorld


def _waiting_step(starter: Team, step: str = "restart") -> ApprovalBinding:
    binding = ApprovalBinding(
        f"run-{uuid.uuid4().hex[:8]}", step, digest_of("ecs.update_service prod/api desired=4")
    )
    starter.request_approval(binding, "prod", "scale prod/api to 4")
    return binding


def test_a_second_identity_approves_and_its_arn_is_in_the_audit_record(
    make_team: MakeTeam, team_world: TeamWorld
) -> None:
    alice, alice_context = make_team("alice")
    bob, _ = make_team("bob")
    binding = _waiting_step(alice)
    bob.give_approval(binding.run_id, binding.step_id)
    approver = alice.verify_approval(binding.run_id, binding.step_id, binding.digest)
    assert approver == team_world.operators["bob"].arn
    verified = [r for r in alice_context.audit.records() if r.action == "team.approval.verify"]
    assert verified[-1].details["approver"] == team_world.operators["bob"].arn
    assert verified[-1].details["starter"] == team_world.operators["alice"].arn
    assert alice.store.approval(binding.run_id, binding.step_id).status == "accepted"  # type: ignore[union-attr]
    # A resumed run checks the same approval again and learns the same approver.
    assert alice.verify_approval(binding.run_id, binding.step_id, binding.digest) == approver


def test_a_member_of_the_approvers_group_approves(make_team: MakeTeam, team_world: TeamWorld) -> None:
    alice, _ = make_team("alice")
    dave, _ = make_team("dave")
    binding = _waiting_step(alice)
    dave.give_approval(binding.run_id, binding.step_id)
    assert (
        alice.verify_approval(binding.run_id, binding.step_id, binding.digest)
        == team_world.operators["dave"].arn
    )


def test_a_typed_name_is_no_approval(make_team: MakeTeam) -> None:
    alice, _ = make_team("alice")
    binding = _waiting_step(alice)
    with pytest.raises(ApprovalRefused, match="no signed approval"):
        alice.verify_approval(binding.run_id, binding.step_id, binding.digest)
    body = base64.b64encode(b"Action=GetCallerIdentity&Version=2011-06-15").decode()
    typed = ApprovalProof(
        "POST", "http://x/", {APPROVAL_HEADER: binding.header_value, "Approver": "bob"}, body
    )
    alice.store.put_proof(binding, typed)
    with pytest.raises(ApprovalRefused, match="does not sign"):
        alice.verify_approval(binding.run_id, binding.step_id, binding.digest)


def test_the_starter_cannot_approve_their_own_step(make_team: MakeTeam, team_world: TeamWorld) -> None:
    alice, _ = make_team("alice")
    binding = _waiting_step(alice)
    with pytest.raises(ApprovalRefused, match="someone else"):
        alice.give_approval(binding.run_id, binding.step_id)
    # Going around the console: alice signs and stores a proof herself.
    own = sign_approval(team_world.operators["alice"].client("sts", team_world.endpoint), binding)
    alice.store.put_proof(binding, own)
    with pytest.raises(ApprovalRefused, match="started this run"):
        alice.verify_approval(binding.run_id, binding.step_id, binding.digest)


def test_an_approver_outside_the_policy_is_refused(make_team: MakeTeam) -> None:
    alice, _ = make_team("alice")
    carol, _ = make_team("carol")
    binding = _waiting_step(alice)
    carol.give_approval(binding.run_id, binding.step_id)
    with pytest.raises(ApprovalRefused, match="user/carol is not an approver"):
        alice.verify_approval(binding.run_id, binding.step_id, binding.digest)


def test_a_proof_for_another_step_or_digest_is_refused(make_team: MakeTeam, team_world: TeamWorld) -> None:
    alice, _ = make_team("alice")
    bob, _ = make_team("bob")
    first = _waiting_step(alice, "restart")
    second = ApprovalBinding(first.run_id, "drop-db", first.digest)
    alice.request_approval(second, "prod", "drop the database")
    bob.give_approval(first.run_id, first.step_id)
    proof = alice.store.approval(first.run_id, first.step_id).proof  # type: ignore[union-attr]
    assert proof is not None
    # The digest changed since the approval (what the step does is not what bob saw).
    with pytest.raises(ApprovalRefused, match="not for"):
        alice.verify_approval(first.run_id, first.step_id, digest_of("something else"))
    # bob's proof replayed for another step, as it is...
    alice.store.put_proof(second, proof)
    with pytest.raises(ApprovalRefused, match="not for"):
        alice.verify_approval(second.run_id, second.step_id, second.digest)
    # ...and with its header rewritten: STS finds the signature no longer matches.
    rewritten = dataclasses.replace(proof, headers={**proof.headers, APPROVAL_HEADER: second.header_value})
    alice.store.put_proof(second, rewritten)
    with pytest.raises(ApprovalRefused, match="STS refused"):
        alice.verify_approval(second.run_id, second.step_id, second.digest)


def test_an_expired_proof_is_refused(make_team: MakeTeam) -> None:
    later = [utc_now()]
    alice, _ = make_team("alice", clock=lambda: later[0])
    bob, _ = make_team("bob")
    binding = _waiting_step(alice)
    bob.give_approval(binding.run_id, binding.step_id)
    later[0] = utc_now() + timedelta(minutes=11)  # proofs last 10 minutes in this config
    with pytest.raises(ApprovalRefused, match="no longer valid"):
        alice.verify_approval(binding.run_id, binding.step_id, binding.digest)
