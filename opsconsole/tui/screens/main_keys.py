"""The main screen's keys: environments, session, links, maintenance and the other screens."""

from __future__ import annotations

from textual.binding import Binding

# The footer shows the keys used most; the rest are in f1's list and the palette. Fewer footer
# keys also make a focus change cheaper: Textual rebuilds the footer on each one.
MAIN_BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding(
        "right_square_bracket",
        "next_env",
        "Next env",
        id="env-next",
        tooltip="Switch to the next environment (re-assumes its read role).",
    ),
    Binding(
        "left_square_bracket",
        "previous_env",
        "Prev env",
        id="env-previous",
        show=False,
        tooltip="Switch to the previous environment.",
    ),
    *[
        Binding(
            str(n),
            f"switch_env({n - 1})",
            f"Env {n}",
            show=False,
            id=f"env-{n}",
            tooltip=f"Switch to environment number {n}.",
        )
        for n in range(1, 10)
    ],
    Binding(
        "r",
        "renew",
        "Renew session",
        id="session-renew",
        show=False,
        tooltip="Assume the current environment's read role again now.",
    ),
    Binding(
        "i",
        "environment_info",
        "Env info",
        id="environment-info",
        show=False,
        tooltip="The environment as configured: account, regions, protection, roles.",
    ),
    Binding(
        "l",
        "toggle_link",
        "Link",
        id="link-toggle",
        tooltip="Linked panes on or off: the selection drives the log and problem panes.",
    ),
    Binding(
        "M",
        "maintenance",
        "Maintenance",
        id="zabbix-maintenance",
        show=False,
        tooltip="A Zabbix maintenance window (1h) for the hosts of the linked service or database.",
    ),
    Binding(
        "0",
        "all_environments",
        "All envs",
        id="env-all",
        tooltip="Every environment at once, read in parallel, a badge per row.",
    ),
    Binding(
        "b",
        "runbooks",
        "Runbooks",
        id="runbooks-open",
        tooltip="On-call runbooks, their inputs filled from the selection.",
    ),
    Binding(
        "t",
        "timeline",
        "Timeline",
        id="timeline-open",
        tooltip="Everything that happened around the linked resource, newest first.",
    ),
    Binding(
        "s",
        "open_stacks",
        "Stacks",
        id="stacks-open",
        tooltip="The environment's CloudFormation stacks: plan, review, deploy.",
    ),
    Binding(
        "d",
        "describe",
        "Describe",
        id="describe",
        show=False,
        tooltip="The selected service, task, cluster, database or problem whole, as YAML or JSON.",
    ),
    Binding(
        "w",
        "describe('links')",
        "Web links",
        id="web-links",
        show=False,
        tooltip="The selection's AWS console page, switch-role, Grafana and Zabbix links (copy, open, "
        "or s: the console signed in with the read role).",
    ),
    Binding(
        "T",
        "app.push_screen('team')",
        "Team",
        id="team-open",
        show=False,
        tooltip="The team: locks, pending approvals, running and waiting runs, last actions.",
    ),
    *[
        Binding(key, f"focus_pane('{pane}')", f"Go to {title}", id=f"jump-{pane}", show=False, tooltip=tip)
        for key, pane, title, tip in (
            ("f2", "ecs", "ECS", "Focus the ECS pane."),
            ("f3", "problems", "problems", "Focus the Zabbix problems pane."),
            ("f4", "rds", "RDS", "Focus the RDS pane."),
            ("f5", "log", "logs", "Focus the Graylog pane."),
        )
    ],
]

PANE_KEYS = {"ecs": "f2", "problems": "f3", "rds": "f4", "log": "f5"}
"""The key that jumps to each pane (shown in its border)."""
PANE_TARGETS = {"ecs": "#ecs-table", "problems": "#problems-table", "rds": "#rds-table", "log": "#log-view"}
