"""What a paused run waits for is a field of its state, not a phrase in its error: run files
written before the field still say it (derived once, when read), and the note names the command."""

from __future__ import annotations

from pathlib import Path

from opsconsole.runbooks.state import (
    AWAITING_APPROVAL,
    NAMED_APPROVAL,
    SIGNED_APPROVAL,
    SUCCEEDED,
    RunState,
    RunStore,
)


def _state(**changes: object) -> RunState:
    state = RunState("r-1", "book", "book.yaml", "Book", "", {}, "alice", "2026-11-30T00:00:00+00:00")
    state.status, state.cursor = AWAITING_APPROVAL, "approve_reboot"
    for name, value in changes.items():
        setattr(state, name, value)
    return state


def test_a_run_file_written_before_the_field_still_says_what_it_waits_for() -> None:
    old = _state(error="waiting for a second person to approve: they run `opsconsole runbook approve r-1 x`")
    data = old.to_json_dict()
    del data["waiting_for"]
    assert RunState.from_json_dict(data).waiting_for == SIGNED_APPROVAL
    named = _state(error=None).to_json_dict()
    del named["waiting_for"]
    assert RunState.from_json_dict(named).waiting_for == NAMED_APPROVAL
    finished = {**named, "status": SUCCEEDED}
    assert RunState.from_json_dict(finished).waiting_for == ""


def test_the_field_round_trips_and_the_error_text_no_longer_decides(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    # A refused proof's message mentions no command: the field still says a signature is wanted.
    store.save(_state(waiting_for=SIGNED_APPROVAL, error="the approval was given for 'x', not for 'y'"))
    loaded = store.load("r-1")
    assert loaded.waits_for_signed_approval
    assert "opsconsole runbook approve r-1 approve_reboot" in loaded.waiting_note()
    assert loaded.summary()["waiting_for"] == SIGNED_APPROVAL
    store.save(_state(waiting_for=NAMED_APPROVAL, error="opsconsole runbook approve is mentioned here"))
    named = store.load("r-1")
    assert not named.waits_for_signed_approval
    assert "--approve-as NAME" in named.waiting_note()
    named.status = SUCCEEDED
    assert named.waiting_note() == "" and named.summary()["waiting_for"] is None
