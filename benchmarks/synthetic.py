"""Small deterministic data sets for the controls and the reported faults: bundled scikit-learn
data and generated sequences, series and texts whose labels follow a learnable rule.

Every function returns the same arrays on every call (fixed random states); nothing is downloaded.
"""

from __future__ import annotations

import functools

import numpy as np


def standardize(a: np.ndarray) -> np.ndarray:
    std = a.std(axis=0)
    return ((a - a.mean(axis=0)) / np.where(std > 0, std, 1.0)).astype(np.float32)


@functools.cache
def digits() -> tuple[np.ndarray, np.ndarray]:
    """load_digits: 1,797 rows of 64 pixels in [0, 16], labels 0-9."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.data.astype(np.float32), d.target.astype(np.int32)


def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """load_digits as 8×8×1 images in [0, 1]."""
    pixels, labels = digits()
    return (pixels / 16.0).reshape(-1, 8, 8, 1).astype(np.float32), labels


@functools.cache
def tabular(name: str) -> tuple[np.ndarray, np.ndarray]:
    """A bundled or generated table, raw features (unscaled) and its labels or targets."""
    from sklearn import datasets

    if name == "iris":
        d = datasets.load_iris()
    elif name == "wine":
        d = datasets.load_wine()
    elif name == "breast_cancer":
        d = datasets.load_breast_cancer()
    elif name == "moons":
        x, y = datasets.make_moons(n_samples=1000, noise=0.15, random_state=1)
        return x.astype(np.float32), y.astype(np.int32)
    elif name == "circles":
        x, y = datasets.make_circles(n_samples=1000, noise=0.05, factor=0.5, random_state=1)
        return x.astype(np.float32), y.astype(np.int32)
    elif name == "classification4":
        x, y = datasets.make_classification(n_samples=1500, n_features=20, n_informative=10, n_classes=4,
                                            n_clusters_per_class=1, class_sep=1.5, random_state=1)
        return x.astype(np.float32), y.astype(np.int32)
    elif name == "imbalanced":
        x, y = datasets.make_classification(n_samples=4000, n_features=30, n_informative=12, weights=[0.9, 0.1],
                                            class_sep=1.5, flip_y=0.0, random_state=2)
        return x.astype(np.float32), y.astype(np.int32)
    elif name == "friedman":
        x, y = datasets.make_friedman1(n_samples=1000, n_features=10, noise=0.0, random_state=1)
        return x.astype(np.float32), y.astype(np.float32)
    elif name == "friedman2":
        x, y = datasets.make_friedman2(n_samples=1000, noise=0.0, random_state=1)
        return x.astype(np.float32), y.astype(np.float32)
    elif name == "friedman3":
        x, y = datasets.make_friedman3(n_samples=1000, noise=0.0, random_state=1)
        return x.astype(np.float32), y.astype(np.float32)
    elif name == "regression":
        x, y = datasets.make_regression(n_samples=1000, n_features=8, n_informative=6, noise=1.0, random_state=1)
        return x.astype(np.float32), y.astype(np.float32)
    else:
        raise KeyError(f"unknown table {name!r}")
    return d.data.astype(np.float32), d.target.astype(np.int32)


@functools.cache
def texts(rows: int = 1200, length: int = 40, vocab: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Token sequences (0 pads) whose label is 1 when tokens of the 'positive' ids 1-20 outnumber
    those of the 'negative' ids 21-40; the other tokens (41..vocab-1) are filler."""
    rng = np.random.default_rng(11)
    x = rng.integers(41, vocab, size=(rows, length))
    y = np.zeros(rows, np.int32)
    for i in range(rows):
        pos, neg = rng.poisson(3), rng.poisson(3)
        while pos == neg:
            pos, neg = rng.poisson(3), rng.poisson(3)
        slots = rng.choice(length, size=min(length, pos + neg), replace=False)
        x[i, slots[:pos]] = rng.integers(1, 21, size=len(slots[:pos]))
        x[i, slots[pos:]] = rng.integers(21, 41, size=len(slots[pos:]))
        y[i] = int(pos > neg)
        x[i, : rng.integers(0, 8)] = 0  # left padding, as pad_sequences does
    return x.astype(np.int32), y


@functools.cache
def series_classes(rows: int = 1000, length: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Univariate series (rows, length, 1), z-normalized per series: class 0 oscillates slowly
    (1-2.5 periods), class 1 fast (4-6 periods), with noise and random phase."""
    rng = np.random.default_rng(12)
    y = rng.integers(0, 2, size=rows).astype(np.int32)
    periods = np.where(y == 0, rng.uniform(1, 2.5, rows), rng.uniform(4, 6, rows))
    t = np.linspace(0, 1, length)
    x = np.sin(2 * np.pi * periods[:, None] * t + rng.uniform(0, 2 * np.pi, (rows, 1)))
    x += 0.3 * rng.standard_normal((rows, length))
    x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    return x[..., None].astype(np.float32), y


@functools.cache
def periodic_windows(rows: int = 800, length: int = 64) -> np.ndarray:
    """Windows of a noisy periodic signal (rows, length, 1), standardized: autoencoder data."""
    rng = np.random.default_rng(13)
    t = np.arange(length)
    x = np.sin(2 * np.pi * t / 16 + rng.uniform(0, 2 * np.pi, (rows, 1))) + 0.1 * rng.standard_normal((rows, length))
    return ((x - x.mean()) / x.std())[..., None].astype(np.float32)


@functools.cache
def forecasting(rows: int = 1200, steps: int = 24, features: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Windows of a multivariate autoregressive series (rows, steps, features), standardized, and
    the next value of its first feature (standardized)."""
    rng = np.random.default_rng(14)
    total = rows + steps + 1
    mix = rng.normal(0, 0.3, (features, features)) + 0.5 * np.eye(features)
    mix /= np.abs(np.linalg.eigvals(mix)).max() * 1.1
    s = np.zeros((total, features))
    for i in range(1, total):
        s[i] = s[i - 1] @ mix + 0.5 * rng.standard_normal(features) + np.sin(i / 10)
    s = standardize(s)
    x = np.stack([s[i:i + steps] for i in range(rows)])
    y = np.array([s[i + steps, 0] for i in range(rows)], np.float32)
    return x.astype(np.float32), standardize(y.reshape(-1, 1))


@functools.cache
def addition(rows: int = 3000, digits_: int = 2) -> tuple[np.ndarray, np.ndarray, str]:
    """'a+b' questions (one-hot characters, padded) and their sums (one-hot), as in keras-io's
    addition_rnn example; returns x, y and the character set."""
    chars = "0123456789+ "
    rng = np.random.default_rng(15)
    width, answer = 2 * digits_ + 1, digits_ + 1
    top = 10 ** digits_
    a, b = rng.integers(0, top, rows), rng.integers(0, top, rows)
    questions = [f"{p}+{q}".ljust(width)[::-1] for p, q in zip(a, b)]  # reversed, as the example does
    answers = [str(p + q).ljust(answer) for p, q in zip(a, b)]
    index = {c: i for i, c in enumerate(chars)}
    x = np.zeros((rows, width, len(chars)), np.float32)
    y = np.zeros((rows, answer, len(chars)), np.float32)
    for i, (q, s) in enumerate(zip(questions, answers)):
        x[i, np.arange(width), [index[c] for c in q]] = 1
        y[i, np.arange(answer), [index[c] for c in s]] = 1
    return x, y, chars


@functools.cache
def next_character(rows: int = 2000, maxlen: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """One-hot windows of a text drawn from a small word Markov chain and the next character
    (one-hot), as in keras-io's lstm_character_level_text_generation example."""
    words = ["the ", "cat ", "sat ", "on ", "mat ", "dog ", "ran "]
    follow = {0: [1, 5], 1: [2, 6], 2: [3], 3: [0], 4: [0], 5: [6, 2], 6: [3]}
    rng = np.random.default_rng(16)
    w, text = 0, []
    while sum(map(len, text)) < rows + maxlen + 1:
        text.append(words[w])
        w = int(rng.choice(follow[w])) if w != 3 else 0
        if w == 0 and rng.random() < 0.3:
            w = 4
    text = "".join(text)
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    x = np.zeros((rows, maxlen, len(chars)), np.float32)
    y = np.zeros((rows, len(chars)), np.float32)
    for i in range(rows):
        x[i, np.arange(maxlen), [index[c] for c in text[i:i + maxlen]]] = 1
        y[i, index[text[i + maxlen]]] = 1
    return x, y


@functools.cache
def sequence_sums(rows: int = 1000, length: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Random sequences (rows, length, 1) and the standardized sum of their positive entries."""
    rng = np.random.default_rng(17)
    x = rng.standard_normal((rows, length, 1)).astype(np.float32)
    y = np.clip(x, 0, None).sum(axis=(1, 2)).reshape(-1, 1)
    return x, standardize(y)


@functools.cache
def mixed_table(rows: int = 1000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A heart-disease-like table: 6 standardized numeric columns, a 3-level categorical column
    (one-hot) and a binary label from a logistic rule over both."""
    rng = np.random.default_rng(18)
    numeric = rng.standard_normal((rows, 6)).astype(np.float32)
    level = rng.integers(0, 3, rows)
    logit = numeric @ np.array([1.5, -1.0, 0.8, 0, 0.5, -0.7]) + np.array([-1.0, 0.3, 1.2])[level]
    y = (logit + 0.3 * rng.standard_normal(rows) > 0).astype(np.float32).reshape(-1, 1)
    return numeric, np.eye(3, dtype=np.float32)[level], y
