"""DD524 judges softmax against one label vector, not against a whole sequence of them (pure: no
TensorFlow). Softmax normalizes each vector on the output's last axis, so targets that hold one
one-hot vector per time step or pixel give each softmax exactly one label: right, not multi-label.
The data profile calls indicator targets one-hot or multi-hot over the whole flattened sample, so
its 'multi_hot' speaks of one softmax only when the sample is one vector of the output's width."""

from __future__ import annotations

from dnndoctor.rules import judge
from scenarios import STALL, classifier


def _ids(measured) -> set[str]:
    return {f.id for f in judge(measured).findings}


def test_one_hot_per_time_step_under_softmax_is_not_multi_label():
    # 6 time steps of one-hot vectors over 8 classes: 6 ones in 48 values, each softmax gets one
    measured = classifier(units=8, y_kind="multi_hot")
    measured.profile.y_classes = 6 * 8
    assert "DD524" not in _ids(measured), "one label per softmax vector is what softmax models"


def test_multi_hot_vector_of_the_outputs_width_under_softmax_is_still_an_error():
    # the same 8 units, each target one vector with several ones: softmax cannot give them
    measured = classifier(units=8, y_kind="multi_hot", curve=STALL)
    assert {f.id: f.severity.label for f in judge(measured).findings}.get("DD524") == "error"


def test_unknown_output_width_keeps_the_profile_s_word():
    # without the output's width there is nothing to tell a sequence from one vector: trust the profile
    measured = classifier(units=8, y_kind="multi_hot")
    measured.model.output_units = None
    assert "DD524" in _ids(measured)
