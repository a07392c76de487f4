"""localstripe's state: kept in a file of ours under `make run`, in memory otherwise."""
from __future__ import annotations

from localstripe.resources import Store

from payments.localstripe import _keep_state


def test_a_state_file_carries_the_objects_to_the_next_process(tmp_path):
    state = tmp_path / "instance" / "localstripe.pickle"
    seeding = Store()
    _keep_state(seeding, state)
    seeding["payment_intent:pi_1"] = {"amount": 2590, "status": "succeeded"}
    seeding["refund:re_1"] = {"amount": 500}
    del seeding["refund:re_1"]

    serving = Store()
    _keep_state(serving, state)

    assert dict(serving) == {"payment_intent:pi_1": {"amount": 2590, "status": "succeeded"}}
    assert not state.with_suffix(".partial").exists()

