"""Approval proofs as Vault's AWS auth method builds them: a signed sts:GetCallerIdentity request.

The approver's console signs the request with the approver's own credentials and a header that
binds it to a run, a step and a digest, and stores it unsent; the running engine sends it to STS
and learns from STS's answer who signed it. Nobody can sign for someone else without their keys.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from typing import Any

from opsconsole.domain.errors import BackendError
from opsconsole.domain.team import (
    APPROVAL_HEADER,
    ApprovalBinding,
    ApprovalProof,
    ApprovalRefused,
    TeamStoreUnavailable,
)

_STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


class _Captured(Exception):
    """Carries the signed request out of botocore before it is sent."""

    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def sign_approval(sts_client: Any, binding: ApprovalBinding) -> ApprovalProof:
    """The signed GetCallerIdentity request of `sts_client`'s credentials, bound to `binding`.

    The client signs it (SigV4, its own credentials, MFA session included); it is captured before
    sending, so it stays unused until the engine sends it.
    """
    events = sts_client.meta.events

    def bind(request: Any, **_: Any) -> None:
        request.headers[APPROVAL_HEADER] = binding.header_value

    def capture(request: Any, **_: Any) -> None:
        raise _Captured(request)

    events.register("before-sign.sts.GetCallerIdentity", bind)
    events.register_first("before-send.sts.GetCallerIdentity", capture)
    try:
        sts_client.get_caller_identity()
    except _Captured as captured:
        request = captured.request
    else:  # pragma: no cover - botocore always emits before-send
        raise BackendError("botocore sent the approval request instead of handing it over")
    finally:
        events.unregister("before-sign.sts.GetCallerIdentity", bind)
        events.unregister("before-send.sts.GetCallerIdentity", capture)
    body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode("utf-8")
    headers = {str(k): v.decode() if isinstance(v, bytes) else str(v) for k, v in request.headers.items()}
    return ApprovalProof(request.method, request.url, headers, base64.b64encode(body).decode("ascii"))


def proof_body(proof: ApprovalProof) -> bytes:
    try:
        return base64.b64decode(proof.body_b64, validate=True)
    except ValueError:
        raise ApprovalRefused("the approval's proof has an unreadable body") from None


def caller_of(proof: ApprovalProof, sts_url: str, timeout: float = 10.0) -> str:
    """Send the proof to STS (at `sts_url`, the engine's own endpoint) and return the signer's ARN.

    Raises:
        ApprovalRefused: STS refused the signature (forged, altered or expired).
        TeamStoreUnavailable: STS cannot be reached.
    """
    if proof.url.rstrip("/") != sts_url.rstrip("/"):
        raise ApprovalRefused(
            f"the approval's proof was signed for {proof.url}, not for this console's STS ({sts_url})"
        )
    headers = {k: v for k, v in proof.headers.items() if k.lower() not in {"content-length", "host"}}
    request = urllib.request.Request(sts_url, data=proof_body(proof), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            text = answer.read()
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace")
        if e.code >= 500:
            raise TeamStoreUnavailable(f"STS answered {e.code} to the approval's proof") from e
        raise ApprovalRefused(
            f"STS refused the approval's signature: {_sts_message(detail) or e.code}"
        ) from e
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise TeamStoreUnavailable(f"cannot reach STS at {sts_url} to check an approval: {e}") from e
    arn = ET.fromstring(text).find(f"{_STS_NS}GetCallerIdentityResult/{_STS_NS}Arn")
    if arn is None or not arn.text:
        raise ApprovalRefused("STS's answer to the approval's proof names nobody")
    return arn.text


def _sts_message(xml_text: str) -> str:
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return xml_text[:200]
    for element in root.iter():
        if element.tag.endswith("Message") and element.text:
            return element.text
    return ""


def groups_of_user(iam_client: Any, user_name: str) -> frozenset[str]:
    """The IAM groups of a user of the identity account (approver_groups)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        pages = iam_client.get_paginator("list_groups_for_user").paginate(UserName=user_name)
        return frozenset(g["GroupName"] for page in pages for g in page.get("Groups", []))
    except ClientError as e:
        raise ApprovalRefused(f"cannot read {user_name}'s IAM groups to check the approver: {e}") from e
    except BotoCoreError as e:
        raise TeamStoreUnavailable(f"cannot reach IAM to check the approver's groups: {e}") from e
