"""diagnose(model, dataset): a finite tf.data.Dataset or Keras PyDataset is sampled into arrays and
probed exactly as the same rows given as arrays."""

from __future__ import annotations

import numpy as np
import pytest

from dnndoctor import diagnose
from dnndoctor.datasets import sample_dataset
from dnndoctor.errors import InputError

pytestmark = pytest.mark.tf
FAST = dict(steps=20, seeds=[0], counterfactuals=False)


def _model(keras, outputs: int = 1):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,), name="features")
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    heads = [keras.layers.Dense(1, name=f"out{k}")(hidden) for k in range(outputs)]
    model = keras.Model(inputs, heads if outputs > 1 else heads[0])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    return model


def _data(rows: int = 48):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 3)).astype("float32")
    return x, x.sum(axis=1, keepdims=True).astype("float32"), rng.uniform(0.5, 2.0, rows).astype("float32")


def _baseline(diagnosis) -> list[float]:
    return diagnosis.measurements.runs_of("baseline")[0].losses


def test_a_tf_dataset_is_probed_as_its_arrays(keras):
    import tensorflow as tf

    x, y, _ = _data()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(10)
    from_dataset, from_arrays = diagnose(_model(keras), dataset, **FAST), diagnose(_model(keras), x, y, **FAST)
    assert _baseline(from_dataset) == _baseline(from_arrays)
    assert from_dataset.measurements.data.rows == 48 and from_dataset.measurements.data.sampled_rows is None


def test_a_pydataset_carries_its_sample_weights(keras):
    x, y, weights = _data()

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 5

        def __getitem__(self, index):
            rows = slice(index * 10, (index + 1) * 10)
            return x[rows], y[rows], weights[rows]

    weighted = diagnose(_model(keras), Batches(), **FAST)
    assert _baseline(weighted) == _baseline(diagnose(_model(keras), x, y, sample_weight=weights, **FAST))


def test_the_sample_is_uniform_seeded_and_in_the_dataset_order():
    import tensorflow as tf

    rows = np.arange(1000, dtype="float32").reshape(-1, 1)
    dataset = tf.data.Dataset.from_tensor_slices((rows, rows[:, 0] * 2)).batch(64)
    sampled = sample_dataset(dataset, max_rows=50, max_bytes=2**20, seed=0)
    kept = sampled.x[:, 0]
    assert (sampled.rows, sampled.kept, len(kept)) == (1000, 50, 50)
    assert np.all(np.diff(kept) > 0) and np.array_equal(sampled.y, kept * 2)
    assert kept.max() > 800 and kept.min() < 200  # drawn from every part, not the first rows
    assert np.array_equal(sample_dataset(dataset, max_rows=50, max_bytes=2**20, seed=0).x, sampled.x)
    assert not np.array_equal(sample_dataset(dataset, max_rows=50, max_bytes=2**20, seed=1).x, sampled.x)


def test_a_large_dataset_is_sampled_with_the_first_seed(keras):
    import tensorflow as tf

    x, y, _ = _data(rows=300)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    data = diagnose(_model(keras), dataset, max_rows=100, **FAST).measurements.data
    assert (data.rows, data.sampled_rows, data.sample_seed) == (300, 100, 0)


def test_targets_of_several_outputs_may_come_as_a_tuple(keras):
    import tensorflow as tf

    x, y, _ = _data()
    dataset = tf.data.Dataset.from_tensor_slices((x, (y, -y))).batch(16)
    named = {"out0": y, "out1": -y}
    assert _baseline(diagnose(_model(keras, 2), dataset, **FAST)) == _baseline(
        diagnose(_model(keras, 2), x, named, **FAST))


@pytest.mark.parametrize("make, problem", [
    (lambda tf, x, y: tf.data.Dataset.from_tensor_slices((x, y)).batch(8).repeat(), "infinite"),
    (lambda tf, x, y: tf.data.Dataset.from_tensor_slices(x).batch(8), "without targets"),
    (lambda tf, x, y: tf.data.Dataset.from_tensor_slices((x[:1], y[:1])).batch(8), "fewer than 2 rows"),
    (lambda tf, x, y: tf.data.Dataset.from_tensor_slices((x, y[:, 0])), "is it batched"),
])
def test_a_dataset_that_fit_could_not_use_is_refused_in_one_line(keras, make, problem):
    import tensorflow as tf

    x, y, _ = _data()
    with pytest.raises(InputError, match=problem):
        diagnose(_model(keras), make(tf, x, y), **FAST)


def test_arrays_without_targets_are_a_type_error(keras):
    with pytest.raises(TypeError, match="targets"):
        diagnose(_model(keras), _data()[0], **FAST)
