"""The pure rules of the team domain: what a proof must look like, who the policy admits."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from opsconsole.domain.team import (
    APPROVAL_HEADER,
    ApprovalBinding,
    ApprovalProof,
    ApprovalRefused,
    ApproverPolicy,
    check_proof,
    role_of,
    user_name_of,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
BINDING = ApprovalBinding("run-1", "scale", "ab" * 32)


def _proof(
    *,
    signed: str = "content-type;host;x-amz-date;x-opsconsole-approval",
    value: str | None = None,
    at: datetime = NOW,
    body: bytes = BODY,
) -> ApprovalProof:
    headers = {
        "X-Amz-Date": at.strftime("%Y%m%dT%H%M%SZ"),
        APPROVAL_HEADER: value or BINDING.header_value,
        "Authorization": f"AWS4-HMAC-SHA256 Credential=AKIA/x/us-east-1/sts/aws4_request, SignedHeaders={signed}, "
        "Signature=00",
    }
    return ApprovalProof("POST", "https://sts.amazonaws.com/", headers, base64.b64encode(body).decode())


def test_a_well_formed_recent_proof_passes_the_shape_check() -> None:
    check_proof(_proof(), BINDING, BODY, NOW + timedelta(minutes=3), timedelta(minutes=15))


@pytest.mark.parametrize(
    ("proof", "body", "now", "problem"),
    [
        (_proof(signed="content-type;host;x-amz-date"), BODY, NOW, "does not sign"),
        (_proof(value="run-1/other/" + "ab" * 32), BODY, NOW, "not for"),
        (_proof(), b"Action=AssumeRole&Version=2011-06-15", NOW, "not an sts:GetCallerIdentity"),
        (_proof(), BODY, NOW + timedelta(minutes=16), "no longer valid"),
        (_proof(at=NOW + timedelta(minutes=10)), BODY, NOW, "no longer valid"),
    ],
    ids=["header-unsigned", "other-step", "other-action", "expired", "from-the-future"],
)
def test_proofs_that_prove_the_wrong_thing_are_refused(
    proof: ApprovalProof, body: bytes, now: datetime, problem: str
) -> None:
    with pytest.raises(ApprovalRefused, match=problem):
        check_proof(proof, BINDING, body, now, timedelta(minutes=15))


def test_the_policy_admits_listed_users_and_the_sessions_of_listed_roles() -> None:
    policy = ApproverPolicy(frozenset({"arn:aws:iam::1:user/bob", "arn:aws:iam::1:role/Approvers"}))
    assert policy.admits_arn("arn:aws:iam::1:user/bob")
    assert policy.admits_arn("arn:aws:sts::1:assumed-role/Approvers/opsconsole-dave")
    assert not policy.admits_arn("arn:aws:iam::1:user/carol")
    assert not policy.admits_arn("arn:aws:sts::1:assumed-role/Other/opsconsole-bob")
    assert role_of("arn:aws:sts::1:assumed-role/R/s") == "arn:aws:iam::1:role/R"
    assert user_name_of("arn:aws:iam::1:user/path/bob") == "bob"
    assert user_name_of("arn:aws:sts::1:assumed-role/R/s") is None
