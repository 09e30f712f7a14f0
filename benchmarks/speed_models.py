"""The models of the speed benchmark: compiled Keras models on synthetic or bundled data.

Each builder returns ``(model, x, y)``; the caller seeds first. Nothing is downloaded: the
digits ship with scikit-learn, the rest is generated with labels that follow a learnable rule.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures"


def _keras():
    from dnndoctor.tf_runtime import import_keras

    return import_keras()[1]


def seed_fixture(name: str):
    """A seed fixture as fixtures/build.py compiles it, on its dataset."""
    sys.path.insert(0, str(FIXTURES_DIR))
    from build import DATASETS, FIXTURES, build_model

    data = DATASETS[FIXTURES[name][0]]()
    return build_model(name), data["x"], data["y"]


def deep_mlp():
    """34 × Dense(128, relu) on scikit-learn's digits, softmax over 10 classes, Adam."""
    from sklearn.datasets import load_digits

    keras = _keras()
    digits = load_digits()
    x, y = (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int32)
    model = keras.Sequential([keras.Input(shape=(64,))] + [keras.layers.Dense(128, activation="relu")
                                                          for _ in range(34)]
                             + [keras.layers.Dense(10, activation="softmax")], name="deep_mlp")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    return model, x, y


def small_cnn():
    """Two Conv2D + max pooling on 4,000 28×28 images; the class is the brightest quadrant."""
    keras = _keras()
    rng = np.random.default_rng(0)
    x = rng.random((4000, 28, 28, 1), dtype=np.float32)
    y = np.array([np.argmax([img[:14, :14].mean(), img[:14, 14:].mean(), img[14:, :14].mean(),
                             img[14:, 14:].mean()]) for img in x], dtype=np.int32)
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Flatten(), keras.layers.Dense(4, activation="softmax")], name="small_cnn")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    return model, x, y


def lstm():
    """LSTM(64) on 3,000 sequences of 40 steps × 8 features; the target is the mean of feature 0."""
    keras = _keras()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3000, 40, 8)).astype(np.float32)
    y = x[:, :, :1].mean(axis=1)
    model = keras.Sequential([keras.Input(shape=(40, 8)), keras.layers.LSTM(64), keras.layers.Dense(1)],
                             name="lstm")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return model, x, y


def _texts(rows: int, length: int, vocabulary: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Token ids; the label says whether any of the first ten tokens of the vocabulary occurs."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocabulary, size=(rows, length)).astype(np.int32)
    y = (x < 11).any(axis=1).astype(np.float32).reshape(-1, 1)
    return x, y


def embedding():
    """Embedding + global average pooling on 4,000 texts of 60 tokens, binary labels."""
    keras = _keras()
    x, y = _texts(4000, 60, 1000, seed=2)
    model = keras.Sequential([keras.Input(shape=(60,), dtype="int32"), keras.layers.Embedding(1000, 32),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")], name="embedding")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model, x, y


def attention():
    """A transformer block (MultiHeadAttention, residuals, LayerNormalization) on 2,000 texts of 32 tokens."""
    keras = _keras()
    x, y = _texts(2000, 32, 500, seed=3)
    tokens = keras.Input(shape=(32,), dtype="int32")
    h = keras.layers.Embedding(500, 32)(tokens)
    h = keras.layers.LayerNormalization()(h + keras.layers.MultiHeadAttention(num_heads=2, key_dim=16)(h, h))
    h = keras.layers.LayerNormalization()(h + keras.layers.Dense(32)(keras.layers.Dense(64, activation="relu")(h)))
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.GlobalAveragePooling1D()(h))
    model = keras.Model(tokens, out, name="attention")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model, x, y


MODELS: dict[str, Callable] = {
    "seed_ex1": lambda: seed_fixture("ex1_sigmoid"),
    "deep_mlp": deep_mlp,
    "cnn": small_cnn,
    "lstm": lstm,
    "embedding": embedding,
    "attention": attention,
}
