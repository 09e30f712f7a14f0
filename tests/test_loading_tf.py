"""Loading a saved model: compile settings from the file, overrides, and clear input errors."""

from __future__ import annotations

import numpy as np
import pytest

from dnndoctor.errors import InputError
from dnndoctor.loading import load_subject
from dnndoctor.options import CheckOptions
from dnndoctor.probes.summary import model_info

pytestmark = pytest.mark.tf


def test_optimizer_and_loss_come_from_the_file(saved_regressor):
    subject = load_subject(*saved_regressor, CheckOptions())
    info = model_info(subject.model)
    assert (info.optimizer, info.loss, info.loss_kind) == ("Adam", "mse", "regression")
    assert info.learning_rate == pytest.approx(0.01)


def test_flags_override_the_file(saved_regressor):
    subject = load_subject(*saved_regressor, CheckOptions(optimizer="sgd", learning_rate=0.5, loss="mae"))
    info = model_info(subject.model)
    assert (info.optimizer, info.loss) == ("SGD", "mae")
    assert info.learning_rate == pytest.approx(0.5)


def test_uncompiled_model_needs_loss_and_optimizer(tmp_path, keras, saved_regressor):
    _, data_path = saved_regressor
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    path = tmp_path / "raw.keras"
    model.save(path)
    with pytest.raises(InputError, match="without compile.*--loss"):
        load_subject(path, data_path, CheckOptions())
    with pytest.raises(InputError, match="no optimizer"):
        load_subject(path, data_path, CheckOptions(loss="mse"))
    subject = load_subject(path, data_path, CheckOptions(loss="mse", learning_rate=0.01))
    assert model_info(subject.model).optimizer == "Adam"


def test_lambda_layer_is_refused_in_safe_mode(tmp_path, keras, saved_regressor):
    _, data_path = saved_regressor
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Lambda(lambda t: t * 2), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(InputError, match="Lambda") as err:
        load_subject(path, data_path, CheckOptions())
    assert str(path) in err.value.line()


def test_wrong_feature_shape_names_both_shapes(tmp_path, saved_regressor):
    model_path, _ = saved_regressor
    data = tmp_path / "wide.npz"
    np.savez(data, x=np.zeros((10, 3)), y=np.zeros((10, 1)))
    with pytest.raises(InputError, match=r"feature shape \(3,\).*expects \(2,\)"):
        load_subject(model_path, data, CheckOptions())


def test_row_count_mismatch(tmp_path, saved_regressor):
    model_path, _ = saved_regressor
    data = tmp_path / "rows.npz"
    np.savez(data, x=np.zeros((10, 2)), y=np.zeros((9, 1)))
    with pytest.raises(InputError, match="10 rows but y has 9"):
        load_subject(model_path, data, CheckOptions())


def test_sparse_labels_must_fit_the_output_units(tmp_path, keras):
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model_path = tmp_path / "clf.keras"
    model.save(model_path)
    data = tmp_path / "labels.npz"
    np.savez(data, x=np.zeros((10, 2)), y=np.arange(10) % 5)
    with pytest.raises(InputError, match=r"\[0, 4\] but the output has 3 units"):
        load_subject(model_path, data, CheckOptions())


@pytest.mark.parametrize("content", [b"", b"not a zip archive at all", bytes(range(256)) * 4])
def test_damaged_model_file(tmp_path, content, saved_regressor):
    _, data_path = saved_regressor
    path = tmp_path / "broken.keras"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        load_subject(path, data_path, CheckOptions())
    assert str(path) in err.value.line()
