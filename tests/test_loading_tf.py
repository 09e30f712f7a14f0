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


@pytest.mark.parametrize("compiled", [True, False])
def test_legacy_h5_with_1d_binary_labels_loads_compiled_or_with_flags(tmp_path, keras, compiled):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    if compiled:
        model.compile(optimizer="adam", loss="binary_crossentropy")
    model_path, data_path = tmp_path / "legacy.h5", tmp_path / "data.npz"
    model.save(model_path)
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    np.savez(data_path, x=x, y=(x[:, 0] > 0).astype("float32"))  # labels shaped (N,)
    flags = {} if compiled else {"loss": "binary_crossentropy", "optimizer": "adam"}
    if not compiled:
        with pytest.raises(InputError, match=r"legacy\.h5: the model was saved without compile\(\).*--loss"):
            load_subject(model_path, data_path, CheckOptions())
    subject = load_subject(model_path, data_path, CheckOptions(**flags))
    assert subject.y.shape == (40,) and model_info(subject.model).loss_kind == "binary"


def test_several_inputs_and_outputs_read_arrays_named_after_them(tmp_path, keras):
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(2,), name="b")
    hidden = keras.layers.Concatenate()([a, b])
    model = keras.Model([a, b], [keras.layers.Dense(1, name="score")(hidden),
                                 keras.layers.Dense(3, activation="softmax", name="kind")(hidden)])
    model.compile(optimizer="adam", loss={"score": "mse", "kind": "sparse_categorical_crossentropy"},
                  loss_weights={"score": 1.0, "kind": 0.5})
    model_path, data_path = tmp_path / "two.keras", tmp_path / "two.npz"
    model.save(model_path)
    rng = np.random.default_rng(0)
    arrays = {"a": rng.normal(size=(20, 3)), "b": rng.normal(size=(20, 2)), "score": rng.normal(size=20),
              "kind": rng.integers(0, 3, 20), "sample_weight": np.linspace(0.5, 1.5, 20)}
    np.savez(data_path, **{k: v for k, v in arrays.items() if k != "kind"})
    with pytest.raises(InputError, match="missing: kind"):
        load_subject(model_path, data_path, CheckOptions())
    np.savez(data_path, **arrays)
    subject = load_subject(model_path, data_path, CheckOptions())
    assert set(subject.x) == {"a", "b"} and set(subject.y) == {"score", "kind"}
    np.testing.assert_allclose(subject.sample_weight, arrays["sample_weight"])
    assert subject.model.get_compile_config()["loss_weights"] == {"score": 1.0, "kind": 0.5}


def test_class_weights_become_sample_weights_as_in_model_fit(saved_regressor, tmp_path):
    model_path, _ = saved_regressor
    data_path = tmp_path / "labels.npz"
    np.savez(data_path, x=np.zeros((6, 2)), y=np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0]]))
    subject = load_subject(model_path, data_path, CheckOptions(class_weight={1: 4.0}))
    np.testing.assert_allclose(subject.sample_weight, [1, 4, 4, 1, 4, 1])


def test_in_memory_arrays_for_several_inputs_must_name_each_input(keras):
    from dnndoctor.loading import prepare_subject

    a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(2,), name="b")
    model = keras.Model([a, b], keras.layers.Dense(1)(keras.layers.Add()([a, b])))
    model.compile(optimizer="sgd", loss="mse")
    rows = np.zeros((8, 2))
    with pytest.raises(InputError, match="no inputs for b"):
        prepare_subject(model, {"a": rows}, np.zeros(8))
    subject = prepare_subject(model, {"a": rows, "b": rows}, np.zeros(8))
    assert subject.x["b"].shape == (8, 2)
