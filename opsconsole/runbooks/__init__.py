"""On-call runbooks: YAML files of typed inputs and steps, run with dry-run, resume, approvals and audit.

The engine never prompts and never prints: a CLI or a TUI drives it through this API.

Load and validate::

    runbook = load_runbook(path)          # RunbookInvalid (exit 2) lists every problem with its line
    find_runbook(name_or_path, root)      # a shipped runbook by name, or a file

Run::

    engine = Runbooks(console).engine(on_event=listener, approver=approver, stop=event)  # app/runbooks.py
    state = engine.start(runbook, {"env": "dev", ...}, selection={"ecs_service": "dev-cluster/api"},
                         dry_run=False, reason="INC-42")
    state = engine.resume(run_id, rerun=False, skip=False)

- The engine runs on a `Console` (opsconsole/app/console.py): reads through its fleet, logs and
  alerts, every change planned by the action registry (app/actions.py) and sent by its change
  runner (an audit intent, then its outcome); the run's own steps are audit events.
- `on_event(RunEvent)` is called, on the engine's thread, for run-started, run-resumed, step-started,
  call, waiting, note, approval-needed, step-finished, step-failed, run-paused and run-finished; a
  UI posts them to its own thread.
- `approver(ApprovalRequest)` is called at an approve step. It calls `request.approve(name)` or
  `request.reject(name, note)`, or returns leaving it pending: the run then stops with status
  `awaiting_approval` (persisted) and `resume` asks again. In a protected environment
  `approve` raises ApprovalRefused for the run's starter: a second person must approve.
- `stop` (a threading.Event) ends waits and retries promptly; the run stops as failed and can be resumed.
- The returned `RunState` has status (running, awaiting_approval, interrupted, succeeded, failed),
  cursor (the step the run stands on), outputs per step and the history of step executions.

Persistence: the run's JSON file (`<state dir>/runbook-runs/<run id>.json`) is replaced atomically
and fsynced before a step starts, when an action starts sending its change (phase `sending`), and
after each step. On resume, a step that was only reading or waiting runs again from its start (a
wait's timeout starts again); a step that was sending a change is never sent twice by itself:
`resume` raises RunInterrupted until the operator passes rerun or skip. Steps that finished never
run again.
"""

from __future__ import annotations
