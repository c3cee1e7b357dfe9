"""Packaging, as `aws cloudformation package` and sceptre's template bucket do it: a nested
stack's local TemplateURL and any template over CloudFormation's inline limit go to an artifacts
bucket of the account and region, under content-addressed keys, and the change set names the
template by URL.

The bucket (`opsconsole-artifacts-<account>-<region>`) is made on first use unless the baseline
made it: versioned, encrypted with KMS, public access blocked, and a lifecycle rule that expires
old versions and unfinished uploads. A key is the template's sha256, so an unchanged template is
not uploaded again and two stacks share one object.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsconsole.domain.errors import BackendError, InvalidInput
from opsconsole.stacks.templates import is_local_url, parse_template

INLINE_LIMIT = 51_200
"""The largest TemplateBody CloudFormation takes (bytes); larger ones must come by TemplateURL."""
NESTED = "AWS::CloudFormation::Stack"
MAX_DEPTH = 5


def bucket_name(account: str, region: str) -> str:
    return f"opsconsole-artifacts-{account}-{region}"


@dataclass(frozen=True)
class Packaged:
    """A stack's template as it is sent: inline `body`, or by `url` once uploaded."""

    body: str
    url: str | None = None
    uploaded: tuple[str, ...] = ()
    """Every URL this packaging put in the bucket (nested templates first)."""


def needs_packaging(text: str, document: Mapping[str, Any]) -> bool:
    return len(text.encode("utf-8")) > INLINE_LIMIT or bool(local_nested(document))


def local_nested(document: Mapping[str, Any]) -> dict[str, str]:
    """Logical id -> local TemplateURL of each nested stack that names a file, not S3."""
    resources = document.get("Resources") or {}
    found = {}
    for logical_id, resource in resources.items() if isinstance(resources, Mapping) else ():
        if isinstance(resource, Mapping) and resource.get("Type") == NESTED:
            url = (resource.get("Properties") or {}).get("TemplateURL")
            if isinstance(url, str) and is_local_url(url):
                found[str(logical_id)] = url
    return found


def nested_problems(document: Mapping[str, Any], base: Path, where: str, depth: int = 0) -> list[str]:
    """A local TemplateURL that names no readable template, at any depth (checked offline)."""
    problems = []
    for logical_id, url in local_nested(document).items():
        path = base / url
        if not path.is_file():
            problems.append(f"{where}: nested stack {logical_id}'s TemplateURL {url} is not a file ({path})")
            continue
        try:
            child = parse_template(path.read_text(encoding="utf-8")).document
        except ValueError as e:
            problems.append(f"{where}: nested stack {logical_id}'s template {path}: {e}")
            continue
        if depth < MAX_DEPTH:
            problems += nested_problems(child, path.parent, f"{where}/{logical_id}", depth + 1)
    return problems


class ArtifactBucket:
    """The artifacts bucket of one account and region, made on first use."""

    def __init__(self, s3: Any, account: str, region: str) -> None:
        self._s3 = s3
        self.region = region
        self.name = bucket_name(account, region)
        self._ready = False
        self._lock = threading.Lock()

    def url(self, key: str) -> str:
        return f"https://{self.name}.s3.{self.region}.amazonaws.com/{key}"

    def put(self, content: str, suffix: str) -> str:
        """Upload `content` under its sha256 (once) and return its URL.

        Raises:
            BackendError: naming the bucket and the URL.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        key = f"templates/{hashlib.sha256(content.encode('utf-8')).hexdigest()}{suffix}"
        try:
            self._ensure()
            try:
                self._s3.head_object(Bucket=self.name, Key=key)
            except ClientError:
                self._s3.put_object(Bucket=self.name, Key=key, Body=content.encode("utf-8"))
        except (ClientError, BotoCoreError) as e:
            raise BackendError(
                f"uploading a template to {self.url(key)} failed: {e}",
                hint=f"the deploy role needs s3:CreateBucket, s3:PutObject and s3:GetObject on {self.name}",
            ) from e
        return self.url(key)

    def _ensure(self) -> None:
        from botocore.exceptions import ClientError

        with self._lock:
            if self._ready:
                return
            try:
                self._s3.head_bucket(Bucket=self.name)
            except ClientError:
                self._create()
            self._ready = True

    def _create(self) -> None:
        s3, name = self._s3, self.name
        location = {} if self.region == "us-east-1" else {"LocationConstraint": self.region}
        s3.create_bucket(Bucket=name, **({"CreateBucketConfiguration": location} if location else {}))
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
            },
        )
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration=LIFECYCLE)


LIFECYCLE = {
    "Rules": [
        {
            "ID": "opsconsole-artifacts",
            "Status": "Enabled",
            "Filter": {"Prefix": "templates/"},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        }
    ]
}


def package(
    text: str, base: Path, bucket: Callable[[], ArtifactBucket], suffix: str = ".yaml", depth: int = 0
) -> Packaged:
    """The template with each local nested TemplateURL replaced by its uploaded copy's URL (nested
    ones packaged first), uploaded itself when over the inline limit.

    Raises:
        InvalidInput: a local nested template is missing or unreadable.
        BackendError: an upload failed (naming the URL).
    """
    document = parse_template(text).document
    nested = local_nested(document)
    uploaded: list[str] = []
    if nested:
        rewritten = json.loads(json.dumps(document, default=str))
        for logical_id, url in nested.items():
            path = base / url
            if not path.is_file() or depth >= MAX_DEPTH:
                raise InvalidInput(f"nested stack {logical_id}'s TemplateURL {url} is not a file ({path})")
            child = package(path.read_text(encoding="utf-8"), path.parent, bucket, path.suffix, depth + 1)
            child_url = child.url or bucket().put(child.body, path.suffix or ".yaml")
            uploaded += [*child.uploaded, child_url]
            rewritten["Resources"][logical_id]["Properties"]["TemplateURL"] = child_url
        text = json.dumps(rewritten, indent=1, sort_keys=False)
        suffix = ".json"
    if len(text.encode("utf-8")) > INLINE_LIMIT or depth > 0:
        if depth > 0:
            return Packaged(text, None, tuple(uploaded))
        url = bucket().put(text, suffix)
        return Packaged(text, url, (*uploaded, url))
    return Packaged(text, None, tuple(uploaded))
