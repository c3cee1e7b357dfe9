"""The estate's templates: cfn-lint clean (no errors, no warnings), and the baseline trio in step
with the tier policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.decode import decode_str

from opsconsole.domain.tiers import DEPLOY_ACTIONS, OPERATE_ACTIONS, READ_ACTIONS
from opsconsole.stacks.templates import lint_template
from scripts.baseline_template import TARGET, render

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "stacks" / "templates").glob("*.yaml"))


def test_every_stack_of_the_manifest_has_a_template() -> None:
    assert {p.stem for p in TEMPLATES} == {
        "baseline",
        "network",
        "security",
        "replica",
        "data",
        "compute",
        "edge",
        "observability",
    }


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_template_is_cfn_lint_clean(template: Path) -> None:
    findings = lint_template(template.read_text(encoding="utf-8"), "eu-west-1", cache_dir=None)
    assert findings == [], "\n".join(f"{template.name}:{f.line}: {f.rule} {f.message}" for f in findings)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_template_avoids_what_moto_misparses(template: Path) -> None:
    lines = template.read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    assert "Fn::Cidr" not in text and "!Cidr" not in text
    assert "!GetAtt" not in text and "!ImportValue" not in text


def test_baseline_template_is_generated_from_the_tier_policy() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), "run: python scripts/baseline_template.py"


def test_baseline_roles_grant_exactly_the_tiers_actions_and_require_mfa() -> None:
    template, _matches = decode_str(TARGET.read_text(encoding="utf-8"))
    resources = template["Resources"]
    expected = {
        "OpsConsoleReadOnly": set(READ_ACTIONS),
        "OpsConsoleOperator": set(READ_ACTIONS) | set(OPERATE_ACTIONS),
        "OpsConsoleDeployer": set(READ_ACTIONS) | set(OPERATE_ACTIONS) | set(DEPLOY_ACTIONS),
    }
    for name, actions in expected.items():
        properties = resources[name]["Properties"]
        statements = properties["Policies"][0]["PolicyDocument"]["Statement"]
        granted = {action for statement in statements for action in statement["Action"]}
        assert granted == actions, name
        trust = properties["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
        assert trust["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
        assert "sts:ExternalId" in trust["StringEquals"]
