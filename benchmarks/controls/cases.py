"""The healthy controls. Each keras-io control cites its example (path in keras-team/keras-io)
and keeps its architecture, optimizer, loss and batch size; what had to change for small
synthetic data is said in ``notes`` (smaller inputs, vocabularies and widths, more epochs so that
the small data gets enough steps)."""

from __future__ import annotations

import functools

import numpy as np

from .. import synthetic as s
from ..bench import Bench
from .sampled import draws
from .sampled_networks import network_draws

KIO = "keras-team/keras-io "


def _keras():
    import keras

    return keras


# ---------------------------------------------------------------- keras-io examples

def mnist_convnet():
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        L.Conv2D(8, 3, activation="relu", padding="same"), L.MaxPooling2D(2),
        L.Conv2D(16, 3, activation="relu", padding="same"), L.MaxPooling2D(2),
        L.Flatten(), L.Dropout(0.5), L.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


def digit_images_one_hot():
    x, y = s.digit_images()
    return x, np.eye(10, dtype=np.float32)[y]


def text_transformer(length=40, vocab=200, dim=16, heads=2):
    keras = _keras()
    L = keras.layers
    inputs = keras.Input((length,), dtype="int32")
    x = L.Embedding(vocab, dim)(inputs)
    attention = L.MultiHeadAttention(num_heads=heads, key_dim=dim)(x, x)
    x = L.LayerNormalization(epsilon=1e-6)(L.Add()([x, L.Dropout(0.1)(attention)]))
    ffn = L.Dense(dim)(L.Dense(dim, activation="relu")(x))
    x = L.LayerNormalization(epsilon=1e-6)(L.Add()([x, L.Dropout(0.1)(ffn)]))
    x = L.Dropout(0.1)(L.GlobalAveragePooling1D()(x))
    x = L.Dropout(0.1)(L.Dense(20, activation="relu")(x))
    model = keras.Model(inputs, L.Dense(2, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def timeseries_fcn(length=64, filters=16):
    keras = _keras()
    L = keras.layers
    inputs = keras.Input((length, 1))
    x = inputs
    for _ in range(3):
        x = L.ReLU()(L.BatchNormalization()(L.Conv1D(filters, 3, padding="same")(x)))
    model = keras.Model(inputs, L.Dense(2, activation="softmax")(L.GlobalAveragePooling1D()(x)))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def timeseries_transformer():
    keras = _keras()
    L = keras.layers
    inputs = keras.Input((64, 1))
    x = inputs
    for _ in range(2):
        h = L.LayerNormalization(epsilon=1e-6)(x)
        h = L.MultiHeadAttention(key_dim=16, num_heads=2, dropout=0.25)(h, h)
        res = L.Add()([L.Dropout(0.25)(h), x])
        h = L.LayerNormalization(epsilon=1e-6)(res)
        h = L.Dropout(0.25)(L.Conv1D(4, 1, activation="relu")(h))
        x = L.Add()([L.Conv1D(1, 1)(h), res])
    x = L.GlobalAveragePooling1D(data_format="channels_last")(x)
    x = L.Dropout(0.4)(L.Dense(32, activation="relu")(x))
    model = keras.Model(inputs, L.Dense(2, activation="softmax")(x))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(learning_rate=1e-4))
    return model


def imbalanced_mlp():
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([
        keras.Input((30,)), L.Dense(64, activation="relu"), L.Dense(64, activation="relu"), L.Dropout(0.3),
        L.Dense(64, activation="relu"), L.Dropout(0.3), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    return model


def imbalanced_data():
    x, y = s.tabular("imbalanced")
    return s.standardize(x), y.reshape(-1, 1).astype(np.float32)


def bidirectional_lstm(length=40, vocab=200, units=8):
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([
        keras.Input((length,), dtype="int32"), L.Embedding(vocab, 16),
        L.Bidirectional(L.LSTM(units, return_sequences=True)), L.Bidirectional(L.LSTM(units)),
        L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def text_cnn():
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([
        keras.Input((40,), dtype="int32"), L.Embedding(200, 32), L.Dropout(0.5),
        L.Conv1D(32, 7, padding="valid", activation="relu", strides=3),
        L.Conv1D(32, 7, padding="same", activation="relu", strides=3),
        L.GlobalMaxPooling1D(), L.Dense(32, activation="relu"), L.Dropout(0.5),
        L.Dense(1, activation="sigmoid", name="predictions")])
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


def texts_binary():
    x, y = s.texts()
    return x, y.reshape(-1, 1).astype(np.float32)


def structured_two_inputs():
    keras = _keras()
    L = keras.layers
    numeric, categorical = keras.Input((6,), name="numeric"), keras.Input((3,), name="categorical")
    x = L.Dense(32, activation="relu")(L.Concatenate()([numeric, categorical]))
    model = keras.Model([numeric, categorical], L.Dense(1, activation="sigmoid")(L.Dropout(0.5)(x)))
    model.compile("adam", "binary_crossentropy")
    return model


def mixed_table_inputs():
    numeric, categorical, y = s.mixed_table()
    return [numeric, categorical], y


def addition_rnn(digits=2):
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([
        keras.Input((2 * digits + 1, 12)), L.LSTM(32), L.RepeatVector(digits + 1), L.LSTM(32, return_sequences=True),
        L.Dense(12, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


def addition_data():
    x, y, _chars = s.addition()
    return x, y


def char_lstm():
    keras = _keras()
    L = keras.layers
    x, y = s.next_character()
    model = keras.Sequential([keras.Input(x.shape[1:]), L.LSTM(32), L.Dense(y.shape[1], activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=0.01))
    return model


def conv1d_autoencoder(length=64, filters=(32, 16)):
    keras = _keras()
    L = keras.layers
    outer, inner = filters
    model = keras.Sequential([
        keras.Input((length, 1)),
        L.Conv1D(outer, 7, padding="same", strides=2, activation="relu"), L.Dropout(0.2),
        L.Conv1D(inner, 7, padding="same", strides=2, activation="relu"),
        L.Conv1DTranspose(inner, 7, padding="same", strides=2, activation="relu"), L.Dropout(0.2),
        L.Conv1DTranspose(outer, 7, padding="same", strides=2, activation="relu"),
        L.Conv1DTranspose(1, 7, padding="same")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    return model


def windows_identity():
    x = s.periodic_windows()
    return x, x


def weather_lstm(steps=24, features=7, units=16):
    keras = _keras()
    L = keras.layers
    inputs = keras.Input((steps, features))
    model = keras.Model(inputs, L.Dense(1)(L.LSTM(units)(inputs)))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    return model


def conv_autoencoder():
    keras = _keras()
    L = keras.layers
    inputs = keras.Input((8, 8, 1))
    x = L.MaxPooling2D(2, padding="same")(L.Conv2D(16, 3, activation="relu", padding="same")(inputs))
    x = L.MaxPooling2D(2, padding="same")(L.Conv2D(16, 3, activation="relu", padding="same")(x))
    x = L.Conv2DTranspose(16, 3, strides=2, activation="relu", padding="same")(x)
    x = L.Conv2DTranspose(16, 3, strides=2, activation="relu", padding="same")(x)
    model = keras.Model(inputs, L.Conv2D(1, 3, activation="sigmoid", padding="same")(x))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def digit_images_identity():
    x, _ = s.digit_images()
    return x, x


def boston_style_regression():
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([keras.Input((4,)), L.Dense(64, activation="relu"), L.Dense(64, activation="relu"),
                              L.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return model


def friedman2_standardized():
    x, y = s.tabular("friedman2")
    return s.standardize(x), s.standardize(y.reshape(-1, 1))


# ---------------------------------------------------------------- ordinary setups

def mlp(inputs: int, hidden: tuple[int, ...], outputs: int, output_activation: str, loss, optimizer,
        activation="relu", normalization: np.ndarray | None = None, batch_norm=False, dropout=0.0,
        kernel_initializer="glorot_uniform", regularizer=None, layer_norm=False, input_noise=0.0):
    """A dense network; ``normalization`` adapts a Normalization layer to those rows; ``batch_norm`` or
    ``layer_norm`` normalizes each hidden layer before its activation; ``input_noise`` is the
    standard deviation of a GaussianNoise layer on the inputs."""
    keras = _keras()
    L = keras.layers
    layers = [keras.Input((inputs,))]
    if normalization is not None:
        norm = L.Normalization()
        norm.adapt(normalization)
        layers.append(norm)
    if input_noise:
        layers.append(L.GaussianNoise(input_noise))
    for units in hidden:
        normalized = batch_norm or layer_norm
        layers.append(L.Dense(units, activation=None if normalized else activation,
                              kernel_initializer=kernel_initializer,
                              kernel_regularizer=keras.regularizers.l2(regularizer) if regularizer else None))
        if normalized:
            layers += [L.BatchNormalization() if batch_norm else L.LayerNormalization(), L.Activation(activation)]
        if dropout:
            layers.append(L.Dropout(dropout))
    layers.append(L.Dense(outputs, activation=output_activation))
    model = keras.Sequential(layers)
    model.compile(optimizer=optimizer() if callable(optimizer) else optimizer, loss=loss)
    return model


def _opt(name, **kw):
    return lambda: getattr(_keras().optimizers, name)(**kw)


def standardized(name):
    x, y = s.tabular(name)
    return s.standardize(x), y


def regression_table(name):
    x, y = s.tabular(name)
    return s.standardize(x), s.standardize(y.reshape(-1, 1))


def embedding_bag(length=40, vocab=200, width=16):
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([keras.Input((length,), dtype="int32"), L.Embedding(vocab, width),
                              L.GlobalAveragePooling1D(), L.Dense(width, activation="relu"),
                              L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def gru_regression():
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([keras.Input((20, 1)), L.GRU(16), L.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    return model


def conv1d_classifier_logits(length=64, filters=16, width=5):
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([keras.Input((length, 1)), L.Conv1D(filters, width, activation="relu"),
                              L.MaxPooling1D(2), L.Conv1D(filters, width, activation="relu"), L.GlobalMaxPooling1D(),
                              L.Dense(2)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def digits_cnn_batchnorm(filters=(16, 32)):
    keras = _keras()
    L = keras.layers
    first, second = filters
    model = keras.Sequential([
        keras.Input((8, 8, 1)), L.Conv2D(first, 3, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
        L.MaxPooling2D(2), L.Conv2D(second, 3, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
        L.GlobalAveragePooling2D(), L.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    return model


def digit_pixels_unit_range():
    x, y = s.digits()
    return x / 16.0, y


def raw_table(name):
    x, y = s.tabular(name)
    return x, y.astype(np.float32)


def _kio(path, build, data, epochs, batch, notes):
    return _kio_sibling("kio_" + path.rsplit("/", 1)[-1].removesuffix(".py"), path, build, data, epochs, batch, notes)


def _kio_sibling(name, path, build, data, epochs, batch, notes):
    """A keras-io control under its own name: also a sibling of one (same example, other data or widths)."""
    return name, KIO + path, build, data, epochs, batch, notes


KERAS_IO = [
    _kio("examples/vision/mnist_convnet.py", mnist_convnet, digit_images_one_hot, 60, 128,
         "8x8 digits instead of 28x28 MNIST, so padding='same'; 8 and 16 filters instead of 32 and 64; epochs 60 (15 steps each) instead of 15"),
    _kio("examples/nlp/text_classification_with_transformer.py", text_transformer, s.texts, 10, 32,
         "the TransformerBlock written with built-in layers (no custom class); no position embedding (the "
         "synthetic label ignores order); embed_dim and ff_dim 16 instead of 32; vocabulary 200, length 40"),
    _kio("examples/timeseries/timeseries_classification_from_scratch.py", timeseries_fcn, s.series_classes, 40, 32,
         "synthetic 2-class series of length 64 instead of FordA (500); 16 filters instead of 64; 40 epochs, "
         "no callbacks"),
    _kio("examples/timeseries/timeseries_classification_transformer.py", timeseries_transformer, s.series_classes,
         40, 64, "2 encoder blocks of 2 heads of size 16 instead of 4 blocks of 4 heads of 256; MLP 32 instead of "
         "128; series of length 64"),
    _kio("examples/structured_data/imbalanced_classification.py", imbalanced_mlp, imbalanced_data, 100, 2048,
         "make_classification with 10 % positives instead of the credit-card data; 64 units instead of 256; "
         "no class_weight; epochs 100"),
    _kio("examples/nlp/bidirectional_lstm_imdb.py", bidirectional_lstm, texts_binary, 10, 32,
         "embedding 16 and LSTM 8 instead of 128 and 64; synthetic texts of 40 tokens"),
    _kio("examples/nlp/text_classification_from_scratch.py", text_cnn, texts_binary, 15, 32,
         "embedding 32, 32 filters, dense 32 instead of 128; synthetic texts of 40 tokens, no vectorization layer"),
    _kio("examples/structured_data/structured_data_classification_from_scratch.py", structured_two_inputs,
         mixed_table_inputs, 40, 32, "two inputs (numeric, one-hot categorical) instead of one input per column"),
    _kio("examples/nlp/addition_rnn.py", addition_rnn, addition_data, 60, 32,
         "2-digit numbers and LSTM 32 instead of 3 digits and 128"),
    _kio("examples/generative/lstm_character_level_text_generation.py", char_lstm, s.next_character, 20, 128,
         "a word Markov chain text instead of Nietzsche; LSTM 32 instead of 128; windows of 10"),
    _kio("examples/timeseries/timeseries_anomaly_detection.py", conv1d_autoencoder, windows_identity, 30, 128,
         "synthetic periodic windows of 64 steps instead of 288"),
    _kio("examples/timeseries/timeseries_weather_forecasting.py", weather_lstm, s.forecasting, 30, 256,
         "a synthetic 7-feature autoregressive series instead of the Jena climate data; LSTM 16 instead of 32; "
         "windows of 24"),
    _kio("examples/vision/autoencoder.py", conv_autoencoder, digit_images_identity, 40, 128,
         "8x8 digits reconstructed (no noise) instead of 28x28 MNIST; 16 filters instead of 32"),
    _kio("examples/structured_data/regression_boston_housing.py", boston_style_regression, friedman2_standardized,
         60, 32, "Friedman #2 (4 features, no noise), standardized, instead of Boston housing"),
]

ORDINARY = [
    ("iris_mlp_1d_labels", "ordinary: iris, 1-D integer labels, sparse cross-entropy",
     lambda: mlp(4, (16,), 3, "softmax", "sparse_categorical_crossentropy", _opt("Adam", learning_rate=1e-2)),
     lambda: standardized("iris"), 60, 16, ""),
    ("wine_normalization_layer", "ordinary: raw wine features behind an adapted Normalization layer",
     lambda: mlp(13, (32,), 3, "softmax", "sparse_categorical_crossentropy", _opt("Adam", learning_rate=1e-2),
                 normalization=s.tabular("wine")[0]),
     lambda: s.tabular("wine"), 60, 16, ""),
    ("breast_cancer_normalized_logreg", "ordinary: logistic regression behind a Normalization layer",
     lambda: mlp(30, (), 1, "sigmoid", "binary_crossentropy", _opt("Adam", learning_rate=1e-2),
                 normalization=s.tabular("breast_cancer")[0]),
     lambda: raw_table("breast_cancer"), 60, 32, ""),
    ("breast_cancer_mlp_1d_labels", "ordinary: standardized features, 1-D float labels",
     lambda: mlp(30, (32, 16), 1, "sigmoid", "binary_crossentropy", "adam"),
     lambda: (s.standardize(s.tabular("breast_cancer")[0]), s.tabular("breast_cancer")[1].astype(np.float32)),
     40, 32, ""),
    ("friedman3_mlp", "ordinary: standardized Friedman #3 regression",
     lambda: mlp(4, (64, 64), 1, "linear", "mse", _opt("Adam", learning_rate=1e-3)),
     lambda: regression_table("friedman3"), 60, 32, ""),
    ("moons_tanh_sgd_momentum", "ordinary: tanh MLP, SGD with momentum",
     lambda: mlp(2, (32, 32), 1, "sigmoid", "binary_crossentropy", _opt("SGD", learning_rate=0.1, momentum=0.9),
                 activation="tanh"),
     lambda: (s.standardize(s.tabular("moons")[0]), s.tabular("moons")[1].reshape(-1, 1).astype(np.float32)),
     40, 32, ""),
    ("circles_relu", "ordinary: circles, ReLU MLP",
     lambda: mlp(2, (16, 16), 1, "sigmoid", "binary_crossentropy", _opt("Adam", learning_rate=1e-2)),
     lambda: (s.tabular("circles")[0], s.tabular("circles")[1].reshape(-1, 1).astype(np.float32)), 40, 32, ""),
    ("classification4_bn_dropout", "ordinary: 4 classes, BatchNormalization and Dropout",
     lambda: mlp(20, (64, 64), 4, "softmax", "sparse_categorical_crossentropy", "adam", batch_norm=True,
                 dropout=0.2),
     lambda: standardized("classification4"), 40, 32, ""),
    ("digits_pixels_unit_range", "ordinary: digit pixels scaled to [0, 1] (not standardized)",
     lambda: mlp(64, (64,), 10, "softmax", "sparse_categorical_crossentropy", _opt("Adam", learning_rate=1e-3)),
     digit_pixels_unit_range, 40, 32, ""),
    ("digits_cnn_batchnorm", "ordinary: small CNN with BatchNormalization, pixels in [0, 1]",
     digits_cnn_batchnorm, s.digit_images, 20, 32, ""),
    ("friedman_elu", "ordinary: ELU MLP regression",
     lambda: mlp(10, (32, 32), 1, "linear", "mse", _opt("Adam", learning_rate=3e-3), activation="elu"),
     lambda: regression_table("friedman"), 60, 32, ""),
    ("linear_regression_sgd", "ordinary: linear model, plain SGD at 0.01",
     lambda: mlp(8, (), 1, "linear", "mse", _opt("SGD", learning_rate=0.01)),
     lambda: regression_table("regression"), 30, 32, ""),
    ("classification4_rmsprop", "ordinary: RMSprop at its default rate",
     lambda: mlp(20, (32,), 4, "softmax", "sparse_categorical_crossentropy", "rmsprop"),
     lambda: standardized("classification4"), 40, 32, ""),
    ("gru_sequence_sums", "ordinary: GRU regression", gru_regression, s.sequence_sums, 30, 32, ""),
    ("conv1d_logits", "ordinary: Conv1D classifier on logits (from_logits=True)", conv1d_classifier_logits,
     s.series_classes, 15, 32, ""),
    ("embedding_bag", "ordinary: embedding + average pooling text classifier", embedding_bag, texts_binary, 20, 32,
     ""),
    ("friedman_leaky_he_deep", "ordinary: 6 LeakyReLU layers with He initialization",
     lambda: mlp(10, (32,) * 6, 1, "linear", "mse", _opt("Adam", learning_rate=1e-3), activation="leaky_relu",
                 kernel_initializer="he_normal"),
     lambda: regression_table("friedman"), 60, 32, ""),
    ("digits_l2_mlp", "ordinary: L2-regularized MLP",
     lambda: mlp(64, (64, 32), 10, "softmax", "sparse_categorical_crossentropy", "adam", regularizer=1e-4),
     lambda: (s.standardize(s.digits()[0]), s.digits()[1]), 30, 32, ""),
    ("wine_adamw", "ordinary: AdamW on standardized wine",
     lambda: mlp(13, (32, 32), 3, "softmax", "sparse_categorical_crossentropy", _opt("AdamW", learning_rate=3e-3)),
     lambda: standardized("wine"), 60, 16, ""),
    ("iris_one_hot_sgd", "ordinary: one-hot labels, SGD at 0.1",
     lambda: mlp(4, (16,), 3, "softmax", "categorical_crossentropy", _opt("SGD", learning_rate=0.1)),
     lambda: (standardized("iris")[0], np.eye(3, dtype=np.float32)[s.tabular("iris")[1]]), 100, 16, ""),
]


# ---------------------------------------------------------------- batch 2026-12-01c

def xception_mini():
    keras = _keras()
    L = keras.layers
    inputs = keras.Input((8, 8, 1))
    x = L.Rescaling(1.0 / 255)(inputs)
    x = L.Activation("relu")(L.BatchNormalization()(L.Conv2D(16, 3, strides=2, padding="same")(x)))
    x = L.Activation("relu")(L.BatchNormalization()(L.Conv2D(32, 3, padding="same")(x)))
    previous = x
    for size in (32, 64):
        x = L.BatchNormalization()(L.SeparableConv2D(size, 3, padding="same")(L.Activation("relu")(x)))
        x = L.BatchNormalization()(L.SeparableConv2D(size, 3, padding="same")(L.Activation("relu")(x)))
        x = L.MaxPooling2D(3, strides=2, padding="same")(x)
        x = L.add([x, L.Conv2D(size, 1, strides=2, padding="same")(previous)])
        previous = x
    x = L.Activation("relu")(L.BatchNormalization()(L.SeparableConv2D(64, 3, padding="same")(x)))
    x = L.Dropout(0.5)(L.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, L.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model


def digit_images_raw_high_low():
    """Digit images with pixels in [0, 255] (as image_dataset_from_directory yields them), label 1
    for the digits 5-9."""
    images, labels = s.digit_images()
    return (images * 255.0).astype(np.float32), (labels >= 5).astype(np.float32).reshape(-1, 1)


def cnn_3d():
    keras = _keras()
    L = keras.layers
    inputs = keras.Input((12, 12, 12, 1))
    x = L.BatchNormalization()(L.MaxPool3D(2)(L.Conv3D(8, 3, activation="relu")(inputs)))
    x = L.BatchNormalization()(L.MaxPool3D(2)(L.Conv3D(16, 3, activation="relu")(x)))
    x = L.Dropout(0.3)(L.Dense(32, activation="relu")(L.Flatten()(x)))
    model = keras.Model(inputs, L.Dense(1, activation="sigmoid")(x))
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-4, decay_steps=100000, decay_rate=0.96, staircase=True)
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(learning_rate=schedule))
    return model


@functools.cache
def volumes_left_right(rows: int = 200, side: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Noisy volumes in [0, 1] with one bright blob, in the left half (label 0) or the right half
    (label 1) of the first axis."""
    rng = np.random.default_rng(21)
    y = rng.integers(0, 2, rows)
    grid = np.stack(np.meshgrid(*[np.arange(side)] * 3, indexing="ij"), -1)
    x = np.empty((rows, side, side, side), np.float32)
    for i in range(rows):
        centre = rng.uniform(2, side - 3, 3)
        centre[0] = rng.uniform(1.5, side / 2 - 2) + (side / 2 if y[i] else 0)
        blob = np.exp(-np.sum((grid - centre) ** 2, -1) / 4.0)
        x[i] = 0.2 * rng.random((side, side, side)) + 0.8 * blob
    return np.clip(x, 0, 1)[..., None], y.astype(np.float32).reshape(-1, 1)


def wide_and_deep():
    keras = _keras()
    L = keras.layers
    numeric = keras.Input((6,), name="numeric")
    soil, area = keras.Input((1,), dtype="int32", name="soil_type"), keras.Input((1,), dtype="int32", name="area")
    wide = L.BatchNormalization()(L.concatenate([
        numeric, L.CategoryEncoding(16, output_mode="one_hot")(soil), L.CategoryEncoding(4, output_mode="one_hot")(area)]))
    deep = L.concatenate([numeric, L.Flatten()(L.Embedding(16, 4)(soil)), L.Flatten()(L.Embedding(4, 2)(area))])
    for units in (32, 32):
        deep = L.Dropout(0.1)(L.ReLU()(L.BatchNormalization()(L.Dense(units)(deep))))
    outputs = L.Dense(4, activation="softmax")(L.concatenate([wide, deep]))
    model = keras.Model([numeric, soil, area], outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss=keras.losses.SparseCategoricalCrossentropy())
    return model


@functools.cache
def cover_type_like(rows: int = 3000) -> tuple[list[np.ndarray], np.ndarray]:
    """A covertype-like table: 6 standardized numeric columns, a 16-level and a 4-level categorical
    column (integer codes), and 4 classes from the argmax of linear scores over both."""
    rng = np.random.default_rng(22)
    numeric = rng.standard_normal((rows, 6)).astype(np.float32)
    soil, area = rng.integers(0, 16, rows), rng.integers(0, 4, rows)
    scores = numeric @ rng.normal(0, 1.5, (6, 4)) + rng.normal(0, 1.5, (16, 4))[soil] + rng.normal(0, 1.5, (4, 4))[area]
    y = scores.argmax(1).astype(np.int32)
    return [numeric, soil.reshape(-1, 1).astype(np.int32), area.reshape(-1, 1).astype(np.int32)], y


REVERSAL_TOKENS = 8  # symbols 0-5, 6 = start of sequence, 7 = end of sequence
REVERSAL_LENGTH = 5


def seq2seq_lstm():
    keras = _keras()
    L = keras.layers
    encoder_inputs = keras.Input((REVERSAL_LENGTH, REVERSAL_TOKENS), name="encoder_inputs")
    decoder_inputs = keras.Input((REVERSAL_LENGTH + 1, REVERSAL_TOKENS), name="decoder_inputs")
    _, state_h, state_c = L.LSTM(32, return_state=True)(encoder_inputs)
    decoded, _, _ = L.LSTM(32, return_sequences=True, return_state=True)(decoder_inputs, initial_state=[state_h, state_c])
    model = keras.Model([encoder_inputs, decoder_inputs], L.Dense(REVERSAL_TOKENS, activation="softmax")(decoded))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


@functools.cache
def reversal_pairs(rows: int = 2000, length: int = REVERSAL_LENGTH) -> tuple[list[np.ndarray], np.ndarray]:
    """Encoder inputs (one-hot symbol strings), decoder inputs (start token + the reversed string)
    and decoder targets (the reversed string + end token, one step ahead), as lstm_seq2seq builds them."""
    rng = np.random.default_rng(23)
    strings = rng.integers(0, REVERSAL_TOKENS - 2, (rows, length))
    eye = np.eye(REVERSAL_TOKENS, dtype=np.float32)
    reversed_ = strings[:, ::-1]
    start, end = np.full((rows, 1), REVERSAL_TOKENS - 2), np.full((rows, 1), REVERSAL_TOKENS - 1)
    return [eye[strings], eye[np.hstack([start, reversed_])]], eye[np.hstack([reversed_, end])]


def multi_label_mlp():
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([keras.Input((100,)), L.Dense(64, activation="relu"), L.Dense(32, activation="relu"),
                              L.Dense(5, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


@functools.cache
def tfidf_multi_label(rows: int = 2000, terms: int = 100, labels: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """TF-IDF-like rows (non-negative, L2-normalized) of a 100-term vocabulary; label k is on when
    the document holds any of the terms 10k..10k+9 (terms 50-99 are filler)."""
    rng = np.random.default_rng(24)
    counts = rng.poisson(0.07, (rows, terms)).astype(np.float32)
    counts[:, 50:] += rng.poisson(0.3, (rows, 50))
    idf = np.log(rows / (1 + (counts > 0).sum(0)))
    x = counts * idf
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-6)
    y = np.stack([(counts[:, 10 * k:10 * k + 10] > 0).any(1) for k in range(labels)], 1)
    return x.astype(np.float32), y.astype(np.float32)


def conv_mixer():
    keras = _keras()
    L = keras.layers

    def activation_block(x):
        return L.BatchNormalization()(L.Activation("gelu")(x))

    inputs = keras.Input((8, 8, 1))
    x = activation_block(L.Conv2D(32, kernel_size=2, strides=2)(L.Rescaling(scale=1.0 / 255)(inputs)))
    for _ in range(2):
        x = L.Add()([activation_block(L.DepthwiseConv2D(kernel_size=3, padding="same")(x)), x])
        x = activation_block(L.Conv2D(32, kernel_size=1)(x))
    model = keras.Model(inputs, L.Dense(10, activation="softmax")(L.GlobalAvgPool2D()(x)))
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.0001),
                  loss="sparse_categorical_crossentropy")
    return model


def digit_images_raw():
    images, labels = s.digit_images()
    return (images * 255.0).astype(np.float32), labels


def spatial_dropout_bigru():
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([keras.Input((40,), dtype="int32"), L.Embedding(200, 16), L.SpatialDropout1D(0.2),
                              L.Bidirectional(L.GRU(8)), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def cosine_decay_adam():
    keras = _keras()
    steps = 60 * 32  # the whole model.fit run: 60 epochs of 32 batches
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-2, decay_steps=steps))


@functools.cache
def rare_positives(rows: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """make_classification with 5 % positives, standardized; 1-D float labels."""
    from sklearn import datasets

    x, y = datasets.make_classification(n_samples=rows, n_features=12, n_informative=6, weights=[0.95, 0.05],
                                        class_sep=2.0, flip_y=0.0, random_state=3)
    return s.standardize(x.astype(np.float32)), y.astype(np.float32)


BATCH_2026_12_01C_KERAS_IO = [
    _kio("examples/vision/image_classification_from_scratch.py", xception_mini, digit_images_raw_high_low, 40, 128,
         "8x8 digits (pixels 0-255, digits 5-9 vs 0-4) instead of 180x180 cats and dogs; separable blocks of 32 "
         "and 64 instead of 128-728, final 64 instead of 1024; no augmentation; epochs 40"),
    _kio("examples/vision/3D_image_classification.py", cnn_3d, volumes_left_right, 20, 2,
         "12x12x12 synthetic volumes (a blob left or right) instead of 128x128x64 CT scans; 2 Conv3D blocks of 8 and "
         "16 instead of 4 of 16-128, dense 32 instead of 512; same ExponentialDecay schedule from 1e-4"),
    _kio("examples/structured_data/wide_deep_cross_networks.py", wide_and_deep, cover_type_like, 60, 265,
         "the wide & deep model; synthetic covertype-like table (6 numeric, 16- and 4-level categorical columns as "
         "integer codes of shape (1,) instead of strings through StringLookup), 4 classes instead of 7"),
    _kio("examples/nlp/lstm_seq2seq.py", seq2seq_lstm, reversal_pairs, 40, 64,
         "reversing 5-symbol strings instead of English-French, so fixed sequence lengths instead of None; latent 32 "
         "instead of 256; no validation split; the two inputs named (the benchmark saves one array per input "
         "under its name)"),
    _kio("examples/nlp/multi_label_classification.py", multi_label_mlp, tfidf_multi_label, 30, 128,
         "synthetic TF-IDF rows of 100 terms and 5 labels instead of arXiv abstracts (no TextVectorization layer); "
         "64 and 32 units instead of 512 and 256; epochs 30"),
    _kio("examples/vision/convmixer.py", conv_mixer, digit_images_raw, 30, 128,
         "8x8 digits (pixels 0-255) instead of CIFAR-10; 32 filters, depth 2, kernel 3, patch 2 instead of 256/8, "
         "kernel 5; no augmentation"),
]

BATCH_2026_12_01C_ORDINARY = [
    ("friedman_huber", "ordinary: Huber loss regression",
     lambda: mlp(10, (32, 32), 1, "linear", "huber", _opt("Adam", learning_rate=1e-3)),
     lambda: regression_table("friedman"), 60, 32, ""),
    ("classification4_nadam_logits", "ordinary: Nadam, Dense logits, SparseCategoricalCrossentropy(from_logits=True)",
     lambda: mlp(20, (32,), 4, None, _keras().losses.SparseCategoricalCrossentropy(from_logits=True), "nadam"),
     lambda: standardized("classification4"), 40, 32, ""),
    ("moons_sgd_nesterov", "ordinary: ReLU MLP, SGD with Nesterov momentum",
     lambda: mlp(2, (32, 32), 1, "sigmoid", "binary_crossentropy",
                 _opt("SGD", learning_rate=0.05, momentum=0.9, nesterov=True)),
     lambda: (s.standardize(s.tabular("moons")[0]), s.tabular("moons")[1].reshape(-1, 1).astype(np.float32)),
     40, 32, ""),
    ("friedman_cosine_decay", "ordinary: Adam from 1e-2 under a CosineDecay schedule over the whole fit",
     lambda: mlp(10, (32, 32), 1, "linear", "mse", cosine_decay_adam),
     lambda: regression_table("friedman"), 60, 32, ""),
    ("texts_spatial_dropout_bigru", "ordinary: SpatialDropout1D and a bidirectional GRU, 1-D labels",
     spatial_dropout_bigru, lambda: (s.texts()[0], s.texts()[1].astype(np.float32)), 15, 32, ""),
    ("rare_positives_1d_labels", "ordinary: 5 % positives, sigmoid on 1-D labels, no class weights",
     lambda: mlp(12, (32, 16), 1, "sigmoid", "binary_crossentropy", "adam"),
     rare_positives, 30, 64, ""),
]


# ---------------------------------------------------------------- batch 2026-12-01d

def pointnet():
    keras = _keras()
    L = keras.layers

    def conv_bn(x, filters):
        return L.Activation("relu")(L.BatchNormalization(momentum=0.0)(L.Conv1D(filters, 1, padding="valid")(x)))

    def dense_bn(x, units):
        return L.Activation("relu")(L.BatchNormalization(momentum=0.0)(L.Dense(units)(x)))

    inputs = keras.Input((POINTS, 3))
    x = inputs
    for filters in (16, 16, 16, 32, 128):
        x = conv_bn(x, filters)
    x = L.GlobalMaxPooling1D()(x)
    x = L.Dropout(0.3)(dense_bn(x, 64))
    x = L.Dropout(0.3)(dense_bn(x, 32))
    model = keras.Model(inputs, L.Dense(3, activation="softmax")(x))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(learning_rate=0.001))
    return model


POINTS = 64


@functools.cache
def point_clouds(rows: int = 900, points: int = POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Points sampled on the surface of a sphere (label 0), a cube (1) or a cylinder (2), each
    randomly scaled, rotated about the vertical axis and jittered; coordinates of order 1."""
    rng = np.random.default_rng(31)
    y = rng.integers(0, 3, rows).astype(np.int32)
    x = np.empty((rows, points, 3), np.float32)
    for i in range(rows):
        if y[i] == 0:
            p = rng.standard_normal((points, 3))
            p /= np.linalg.norm(p, axis=1, keepdims=True)
        elif y[i] == 1:
            p = rng.uniform(-1, 1, (points, 3))
            face = rng.integers(0, 3, points)
            p[np.arange(points), face] = rng.choice([-1.0, 1.0], points)
        else:
            angle = rng.uniform(0, 2 * np.pi, points)
            p = np.stack([np.cos(angle), np.sin(angle), rng.uniform(-1, 1, points)], 1)
        turn = rng.uniform(0, 2 * np.pi)
        rotation = np.array([[np.cos(turn), -np.sin(turn), 0], [np.sin(turn), np.cos(turn), 0], [0, 0, 1]])
        x[i] = rng.uniform(0.7, 1.3) * p @ rotation.T + 0.02 * rng.standard_normal((points, 3))
    return x, y


def conv_lstm():
    keras = _keras()
    L = keras.layers
    inputs = L.Input((FRAMES - 1, 8, 8, 1))
    x = L.BatchNormalization()(L.ConvLSTM2D(8, (5, 5), padding="same", return_sequences=True, activation="relu")(inputs))
    x = L.BatchNormalization()(L.ConvLSTM2D(8, (3, 3), padding="same", return_sequences=True, activation="relu")(x))
    x = L.ConvLSTM2D(8, (1, 1), padding="same", return_sequences=True, activation="relu")(x)
    model = keras.Model(inputs, L.Conv3D(1, (3, 3, 3), activation="sigmoid", padding="same")(x))
    model.compile(loss=keras.losses.binary_crossentropy, optimizer=keras.optimizers.Adam())
    return model


FRAMES = 6


@functools.cache
def moving_squares(rows: int = 300, frames: int = FRAMES, side: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Binary 8x8 movies of one 2x2 or 3x3 square moving one pixel down and right per frame
    (wrapping around), shifted as the example does: x = frames 0..n-2, y = frames 1..n-1."""
    rng = np.random.default_rng(32)
    movies = np.zeros((rows, frames, side, side, 1), np.float32)
    for i in range(rows):
        size, row, col = rng.integers(2, 4), rng.integers(0, side), rng.integers(0, side)
        for f in range(frames):
            rows_, cols = (np.arange(size) + row + f) % side, (np.arange(size) + col + f) % side
            movies[i, f, rows_[:, None], cols[None, :], 0] = 1.0
    return movies[:, :-1], movies[:, 1:]


def speaker_cnn():
    keras = _keras()
    L = keras.layers

    def residual_block(x, filters, conv_num):
        shortcut = L.Conv1D(filters, 1, padding="same")(x)
        for _ in range(conv_num - 1):
            x = L.Activation("relu")(L.Conv1D(filters, 3, padding="same")(x))
        x = L.Activation("relu")(L.Add()([L.Conv1D(filters, 3, padding="same")(x), shortcut]))
        return L.MaxPool1D(pool_size=2, strides=2)(x)

    inputs = keras.Input((SPECTRUM, 1), name="input")
    x = inputs
    for filters, conv_num in ((8, 2), (16, 2), (32, 3), (32, 3), (32, 3)):
        x = residual_block(x, filters, conv_num)
    x = L.Flatten()(L.AveragePooling1D(pool_size=3, strides=3)(x))
    x = L.Dense(32, activation="relu")(L.Dense(64, activation="relu")(x))
    model = keras.Model(inputs, L.Dense(5, activation="softmax", name="output")(x))
    model.compile(optimizer="Adam", loss="sparse_categorical_crossentropy")
    return model


SPECTRUM = 256


@functools.cache
def speaker_spectra(rows: int = 1000, length: int = 2 * SPECTRUM) -> tuple[np.ndarray, np.ndarray]:
    """|FFT| (first half, unscaled, as the example's audio_to_fft) of 5 'speakers'' voiced
    waves: each speaker a pitch band and a harmonic profile, with random pitch within its band,
    random phases and noise at half the wave's peak amplitude."""
    rng = np.random.default_rng(33)
    pitch_bands = [(6, 9), (10, 14), (15, 20), (21, 27), (28, 36)]  # cycles per window
    profiles = rng.uniform(0.2, 1.0, (5, 4))
    y = rng.integers(0, 5, rows).astype(np.int32)
    t = np.arange(length) / length
    x = np.empty((rows, length // 2, 1), np.float32)
    for i in range(rows):
        pitch = rng.uniform(*pitch_bands[y[i]])
        wave = sum(a * np.sin(2 * np.pi * (h + 1) * pitch * t + rng.uniform(0, 2 * np.pi))
                   for h, a in enumerate(profiles[y[i]]))
        wave /= np.abs(wave).max()
        wave += 0.5 * rng.uniform(-1, 1, length)
        x[i, :, 0] = np.abs(np.fft.fft(wave))[: length // 2]
    return x, y


def eeg_conv1d():
    keras = _keras()
    L = keras.layers
    inputs = keras.Input((EEG_LENGTH, 1))
    x = inputs
    for filters, kernel in ((8, 3), (16, 3), (16, 5), (32, 5), (32, 7), (64, 7)):
        x = L.BatchNormalization()(L.Conv1D(filters, kernel, strides=2, activation="relu", padding="same")(x))
    x = L.Flatten()(L.Dropout(0.2)(x))
    x = L.Dropout(0.2)(L.Dense(128, activation="relu")(x))
    for units in (64, 32, 16):
        x = L.Dense(units, activation="relu", kernel_regularizer=keras.regularizers.L2())(x)
        if units != 16:
            x = L.Dropout(0.2)(x)
    model = keras.Model(inputs, L.Dense(4, activation="softmax")(x))
    model.compile(optimizer=keras.optimizers.Adam(amsgrad=True, learning_rate=0.001),
                  loss=keras.losses.CategoricalCrossentropy())
    return model


EEG_LENGTH = 128


@functools.cache
def eeg_like(rows: int = 1200, length: int = EEG_LENGTH) -> tuple[np.ndarray, np.ndarray]:
    """EEG-like series min-max scaled to [0, 1] per series (as the example's MinMaxScaler) and
    one-hot float labels of 4 classes: slow, alpha-like and fast rhythms, and a slow rhythm with
    blink spikes; 1/f-ish noise on all."""
    rng = np.random.default_rng(34)
    y = rng.integers(0, 4, rows)
    t = np.arange(length) / length
    x = np.empty((rows, length, 1), np.float32)
    for i in range(rows):
        cycles = {0: rng.uniform(2, 5), 1: rng.uniform(9, 13), 2: rng.uniform(20, 28), 3: rng.uniform(2, 5)}[y[i]]
        series = np.sin(2 * np.pi * cycles * t + rng.uniform(0, 2 * np.pi))
        series += 0.6 * np.cumsum(rng.standard_normal(length)) / np.sqrt(length) + 0.3 * rng.standard_normal(length)
        if y[i] == 3:
            for start in rng.choice(length - 6, 2, replace=False):
                series[start:start + 6] += 4 * np.hanning(6)
        x[i, :, 0] = (series - series.min()) / (series.max() - series.min())
    return x, np.eye(4, dtype=np.float32)[y]


def frozen_embedding_cnn():
    keras = _keras()
    L = keras.layers
    embedding = L.Embedding(200, 16, trainable=False)
    embedding.build((1,))
    embedding.set_weights([word_vectors()])
    inputs = keras.Input((None,), dtype="int32")
    x = L.MaxPooling1D(5)(L.Conv1D(32, 5, activation="relu")(embedding(inputs)))
    x = L.MaxPooling1D(5)(L.Conv1D(32, 5, activation="relu")(x))
    x = L.GlobalMaxPooling1D()(L.Conv1D(32, 5, activation="relu")(x))
    x = L.Dropout(0.5)(L.Dense(32, activation="relu")(x))
    model = keras.Model(inputs, L.Dense(2, activation="softmax")(x))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop")
    return model


@functools.cache
def word_vectors(vocab: int = 200, dim: int = 16) -> np.ndarray:
    """Fixed 'pretrained' vectors standing in for GloVe: Gaussian, of GloVe's scale (about 0.4 per
    component), the padding row all zeros as the example leaves words it does not find."""
    vectors = np.random.default_rng(35).normal(0, 0.4, (vocab, dim)).astype(np.float32)
    vectors[0] = 0
    return vectors


def long_texts():
    return s.texts(1200, 200)


def dense_autoencoder():
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([keras.Input((64,)), L.Dense(128, activation="relu"), L.Dense(32, activation="relu"),
                              L.Dense(128, activation="relu"), L.Dense(64, activation="sigmoid")])
    model.compile(optimizer="adam", loss="mse")
    return model


def digit_pixels_identity():
    pixels, _ = digit_pixels_unit_range()
    return pixels, pixels


def exponential_decay_sgd():
    keras = _keras()
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.9)
    return keras.optimizers.SGD(learning_rate=schedule, momentum=0.9)


@functools.cache
def five_skewed_classes(rows: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """make_classification with 5 classes of 55, 20, 12, 8 and 5 %, standardized; integer labels."""
    from sklearn import datasets

    x, y = datasets.make_classification(n_samples=rows, n_features=16, n_informative=8, n_classes=5,
                                        n_clusters_per_class=1, weights=[0.55, 0.2, 0.12, 0.08, 0.05],
                                        class_sep=2.0, flip_y=0.0, random_state=4)
    return s.standardize(x.astype(np.float32)), y.astype(np.int32)


def standardized_digits_one_hot():
    pixels, labels = s.digits()
    return s.standardize(pixels), np.eye(10, dtype=np.float32)[labels]


BATCH_2026_12_01D_KERAS_IO = [
    _kio("examples/vision/pointnet.py", pointnet, point_clouds, 20, 32,
         "synthetic clouds of 64 points on spheres, cubes and cylinders instead of 2048 points sampled from "
         "ModelNet10 meshes, 3 classes instead of 10; the ConvBN/DenseBN layers (BatchNormalization with "
         "momentum 0.0) written as functions, not subclassed layers; filters 16-16-16-32-128 instead of "
         "64-64-64-128-1024, dense 64 and 32 instead of 512 and 256; no T-nets (commented out in this version "
         "of the example; the later version's OrthogonalRegularizer is a custom class); epochs 20 instead of 10"),
    _kio("examples/vision/conv_lstm.py", conv_lstm, moving_squares, 20, 5,
         "binary 8x8 movies of 6 frames (one square moving diagonally, wrapping) instead of 64x64 Moving MNIST of "
         "20 frames, so a fixed number of frames instead of None; 8 filters instead of 64; no early stopping or "
         "ReduceLROnPlateau"),
    _kio("examples/audio/speaker_recognition_using_cnn.py", speaker_cnn, speaker_spectra, 100, 128,
         "|FFT| of 512-sample synthetic voiced waves of 5 'speakers' (256 frequencies, unscaled as in the "
         "example) instead of 16 kHz recordings (8000); filters 8-16-32-32-32 instead of 16-32-64-128-128, "
         "dense 64 and 32 instead of 256 and 128; no early stopping or checkpoint"),
    _kio("examples/timeseries/eeg_signal_classification.py", eeg_conv1d, eeg_like, 30, 64,
         "synthetic 4-class EEG-like series of 128 steps (min-max scaled per series) instead of 512-step "
         "recordings; filters 8-16-16-32-32-64 instead of 32-1024, dense 128-64-32-16 instead of "
         "4096-2048-1024-128 (same L2() regularizers); no class_weight (balanced classes) and no "
         "ReduceLROnPlateau"),
    _kio("examples/nlp/pretrained_word_embeddings.py", frozen_embedding_cnn, long_texts, 60, 128,
         "fixed Gaussian word vectors of dimension 16 (frozen, trainable=False, set with set_weights as the "
         "example does) instead of 100-dimensional GloVe; synthetic 2-class texts of 200 tokens (vocabulary 200) "
         "instead of 20 newsgroups; 32 filters and dense 32 instead of 128; epochs 60 instead of 20 (10 steps "
         "each); added after kio_pointnet was dropped, so assigned its own split batch"),
]

BATCH_2026_12_01D_ORDINARY = [
    ("digits_dense_autoencoder_mse", "ordinary: dense autoencoder, sigmoid outputs, MSE on pixels in [0, 1]",
     dense_autoencoder, digit_pixels_identity, 60, 32, ""),
    ("digits_relu_he_deep8", "ordinary: 8 ReLU layers of 64 with He initialization",
     lambda: mlp(64, (64,) * 8, 10, "softmax", "sparse_categorical_crossentropy", "adam",
                 kernel_initializer="he_normal"),
     lambda: (s.standardize(s.digits()[0]), s.digits()[1]), 30, 32, ""),
    ("breast_cancer_sgd_exponential_decay", "ordinary: SGD with momentum under ExponentialDecay from 0.1",
     lambda: mlp(30, (32, 32), 1, "sigmoid", "binary_crossentropy", exponential_decay_sgd),
     lambda: (s.standardize(s.tabular("breast_cancer")[0]), s.tabular("breast_cancer")[1].astype(np.float32)),
     40, 32, ""),
    ("friedman_raw_targets_rmsprop", "ordinary: RMSprop regression, Normalization layer, unscaled targets",
     lambda: mlp(10, (64, 64), 1, "linear", "mse", _opt("RMSprop", learning_rate=1e-3),
                 normalization=s.tabular("friedman")[0]),
     lambda: (s.tabular("friedman")[0], s.tabular("friedman")[1].reshape(-1, 1)), 60, 32, ""),
    ("skewed5_softmax", "ordinary: 5 classes from 55 % to 5 %, softmax, no class weights",
     lambda: mlp(16, (64, 32), 5, "softmax", "sparse_categorical_crossentropy", "adam"),
     five_skewed_classes, 30, 64, ""),
    ("digits_label_smoothing", "ordinary: one-hot labels with CategoricalCrossentropy(label_smoothing=0.1)",
     lambda: mlp(64, (64,), 10, "softmax", _keras().losses.CategoricalCrossentropy(label_smoothing=0.1), "adam"),
     standardized_digits_one_hot, 40, 32, ""),
]


# ---------------------------------------------------------------- batch 2026-12-01e

def mlp_mixer():
    keras = _keras()
    L = keras.layers
    patches, dim = 16, 32
    pixels, _ = digit_images_raw()
    normalization = L.Normalization(axis=None)
    normalization.adapt(pixels)
    inputs = keras.Input((8, 8, 1))
    x = L.Reshape((patches, dim))(L.Conv2D(dim, 2, strides=2)(normalization(inputs)))
    for _ in range(2):
        normalize = L.LayerNormalization(epsilon=1e-6)  # one layer used twice per block, as in the example
        mixed = L.Permute((2, 1))(normalize(x))
        mixed = L.Dropout(0.2)(L.Dense(patches)(L.Dense(patches, activation="gelu")(mixed)))
        x = L.Add()([L.Permute((2, 1))(mixed), x])
        channels = L.Dropout(0.2)(L.Dense(dim)(L.Dense(patches, activation="gelu")(normalize(x))))
        x = L.Add()([x, channels])
    x = L.Dropout(0.2)(L.GlobalAveragePooling1D()(x))
    model = keras.Model(inputs, L.Dense(10)(x))
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate=0.005, weight_decay=0.0001),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def compact_conv_transformer():
    keras = _keras()
    L = keras.layers
    inputs = keras.Input((8, 8, 1))
    x = L.Rescaling(scale=1.0 / 255)(inputs)
    for channels in (16, 32):
        x = L.Conv2D(channels, 3, 1, padding="valid", use_bias=False, activation="relu",
                     kernel_initializer="he_normal")(x)
        x = L.MaxPool2D(3, 2, "same")(L.ZeroPadding2D(1)(x))
    tokens = L.Reshape((4, 32))(x)
    for _ in range(2):
        x1 = L.LayerNormalization(epsilon=1e-5)(tokens)
        attention = L.MultiHeadAttention(num_heads=2, key_dim=32, dropout=0.1)(x1, x1)
        x2 = L.Add()([attention, tokens])
        x3 = L.LayerNormalization(epsilon=1e-5)(x2)
        for units in (32, 32):
            x3 = L.Dropout(0.1)(L.Dense(units, activation="gelu")(x3))
        tokens = L.Add()([x3, x2])
    representation = L.LayerNormalization(epsilon=1e-5)(tokens)
    weights = L.Softmax(axis=1)(L.Dense(1)(representation))
    pooled = L.Flatten()(L.Dot(axes=1)([weights, representation]))
    model = keras.Model(inputs, L.Dense(10)(pooled))
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.0001),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1))
    return model


def digit_images_raw_one_hot():
    images, labels = digit_images_raw()
    return images, np.eye(10, dtype=np.float32)[labels]


USERS, MOVIES = 200, 150


def recommender():
    keras = _keras()
    L = keras.layers
    user, movie = keras.Input((1,), dtype="int32", name="user"), keras.Input((1,), dtype="int32", name="movie")

    def vectors(ids, count):
        table = L.Embedding(count, 50, embeddings_initializer="he_normal",
                            embeddings_regularizer=keras.regularizers.l2(1e-6))
        return L.Flatten()(table(ids)), L.Flatten()(L.Embedding(count, 1)(ids))

    user_vector, user_bias = vectors(user, USERS)
    movie_vector, movie_bias = vectors(movie, MOVIES)
    score = L.Add()([L.Dot(axes=1)([user_vector, movie_vector]), user_bias, movie_bias])
    model = keras.Model([user, movie], L.Activation("sigmoid")(score))
    model.compile(loss=keras.losses.BinaryCrossentropy(), optimizer=keras.optimizers.Adam(learning_rate=0.001))
    return model


@functools.cache
def ratings(rows: int = 6000) -> tuple[list[np.ndarray], np.ndarray]:
    """(user, movie) pairs and min-max normalized ratings that are all 0 or 1 (lowest or highest
    rating), from a rank-3 taste model with user and movie biases; 1-D float targets."""
    rng = np.random.default_rng(41)
    users, movies = rng.integers(0, USERS, rows), rng.integers(0, MOVIES, rows)
    taste, appeal = rng.standard_normal((USERS, 3)), rng.standard_normal((MOVIES, 3))
    score = (taste[users] * appeal[movies]).sum(1) + 0.5 * rng.standard_normal(USERS)[users] \
        + 0.5 * rng.standard_normal(MOVIES)[movies]
    return ([users.reshape(-1, 1).astype(np.int32), movies.reshape(-1, 1).astype(np.int32)],
            (score > 0).astype(np.float32))


FRAMES_MAX, FRAME_FEATURES = 20, 64


def video_gru():
    keras = _keras()
    L = keras.layers
    features = keras.Input((FRAMES_MAX, FRAME_FEATURES), name="frame_features")
    mask = keras.Input((FRAMES_MAX,), dtype="bool", name="frame_mask")
    x = L.GRU(16, return_sequences=True)(features, mask=mask)
    x = L.Dropout(0.4)(L.GRU(8)(x))
    model = keras.Model([features, mask], L.Dense(5, activation="softmax")(L.Dense(8, activation="relu")(x)))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model


@functools.cache
def frame_features(rows: int = 600) -> tuple[list[np.ndarray], np.ndarray]:
    """Non-negative per-frame feature vectors (like pooled CNN features) of 5 'actions', each a
    class prototype drifting over time plus noise, 8 to 20 frames per video, zero-padded to 20 with
    a boolean mask as the example's prepare_all_videos builds them."""
    rng = np.random.default_rng(42)
    y = rng.integers(0, 5, rows).astype(np.int32)
    start, drift = rng.gamma(1.0, 0.5, (5, FRAME_FEATURES)), rng.normal(0, 0.05, (5, FRAME_FEATURES))
    x = np.zeros((rows, FRAMES_MAX, FRAME_FEATURES), np.float32)
    mask = np.zeros((rows, FRAMES_MAX), bool)
    for i in range(rows):
        length = rng.integers(8, FRAMES_MAX + 1)
        t = np.arange(length)[:, None]
        frames = start[y[i]] + drift[y[i]] * t + 0.4 * rng.standard_normal((length, FRAME_FEATURES))
        x[i, :length], mask[i, :length] = np.maximum(frames, 0), True
    return [x, mask], y


CATEGORY_LEVELS = (8, 16, 7, 14, 6, 5, 2, 20)  # workclass, education, ..., native_country
NUMERIC_COLUMNS = 5


def tab_transformer():
    keras = _keras()
    L = keras.layers
    numeric = keras.Input((NUMERIC_COLUMNS,), name="numeric")
    categorical = keras.Input((len(CATEGORY_LEVELS),), dtype="int32", name="categorical")
    encoded = L.Embedding(sum(CATEGORY_LEVELS), 16)(categorical)  # one table per column, stacked
    for _ in range(2):
        attention = L.MultiHeadAttention(num_heads=4, key_dim=16, dropout=0.2)(encoded, encoded)
        x = L.LayerNormalization(epsilon=1e-6)(L.Add()([attention, encoded]))
        forward = L.Dropout(0.2)(L.Dense(16, activation="gelu")(L.LayerNormalization(epsilon=1e-6)(x)))
        encoded = L.LayerNormalization(epsilon=1e-6)(L.Add()([forward, x]))
    features = L.concatenate([L.Flatten()(encoded), L.LayerNormalization(epsilon=1e-6)(numeric)])
    width = features.shape[-1]
    for units in (2 * width, width):
        features = L.Dropout(0.2)(L.Dense(units, activation="selu")(L.BatchNormalization()(features)))
    model = keras.Model([numeric, categorical], L.Dense(1, activation="sigmoid")(features))
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.0001),
                  loss=keras.losses.BinaryCrossentropy())
    return model


@functools.cache
def census_like(rows: int = 3000) -> tuple[list[np.ndarray], np.ndarray]:
    """A census-income-like table: 5 unscaled numeric columns (age, education years, capital
    gain and loss, mostly zero, hours per week) and 8 categorical columns as integer codes offset
    into one shared table; 1-D float labels from a linear score over both."""
    rng = np.random.default_rng(43)
    numeric = np.stack([rng.integers(17, 91, rows), rng.integers(1, 17, rows),
                        np.where(rng.random(rows) < 0.1, rng.uniform(1000, 20000, rows), 0),
                        np.where(rng.random(rows) < 0.05, rng.uniform(500, 3000, rows), 0),
                        rng.integers(10, 80, rows)], 1).astype(np.float32)
    offsets = np.cumsum((0,) + CATEGORY_LEVELS[:-1])
    codes = np.stack([rng.integers(0, n, rows) for n in CATEGORY_LEVELS], 1)
    effects = [rng.normal(0, 1.0, n) for n in CATEGORY_LEVELS]
    score = sum(effects[j][codes[:, j]] for j in range(len(CATEGORY_LEVELS)))
    score += 0.04 * (numeric[:, 0] - 45) + 0.3 * (numeric[:, 1] - 9) + 2.0 * (numeric[:, 2] > 0)
    return [numeric, (codes + offsets).astype(np.int32)], (score > np.median(score)).astype(np.float32)


def resnet_small(depth: int = 8):
    keras = _keras()
    L = keras.layers

    def resnet_layer(x, filters=16, kernel_size=3, strides=1, activation="relu", batch_normalization=True):
        x = L.Conv2D(filters, kernel_size, strides=strides, padding="same", kernel_initializer="he_normal",
                     kernel_regularizer=keras.regularizers.L2(1e-4))(x)
        if batch_normalization:
            x = L.BatchNormalization()(x)
        return L.Activation(activation)(x) if activation else x

    inputs = keras.Input((8, 8, 1))
    x, filters = resnet_layer(inputs), 16
    for stack in range(3):
        for block in range((depth - 2) // 6):
            strides = 2 if stack > 0 and block == 0 else 1
            y = resnet_layer(resnet_layer(x, filters, strides=strides), filters, activation=None)
            if strides == 2:
                x = resnet_layer(x, filters, 1, strides, activation=None, batch_normalization=False)
            x = L.Activation("relu")(L.add([x, y]))
        filters *= 2
    x = L.Flatten()(L.AveragePooling2D(pool_size=2)(x))
    model = keras.Model(inputs, L.Dense(10, activation="softmax", kernel_initializer="he_normal")(x))
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


def warmup_cosine_adam():
    keras = _keras()
    steps = 40 * 57  # the whole model.fit run: 40 epochs of 57 batches
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=steps - 200, warmup_target=1e-3, warmup_steps=200))


@functools.cache
def quarter_positives(rows: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """make_classification with 25 % positives, standardized; 1-D float labels."""
    from sklearn import datasets

    x, y = datasets.make_classification(n_samples=rows, n_features=10, n_informative=5, weights=[0.75, 0.25],
                                        class_sep=1.5, flip_y=0.0, random_state=5)
    return s.standardize(x.astype(np.float32)), y.astype(np.float32)


def standardized_digits():
    pixels, labels = s.digits()
    return s.standardize(pixels), labels


BATCH_2026_12_01E_KERAS_IO = [
    _kio("examples/vision/mlp_image_classification.py", mlp_mixer, digit_images_raw, 40, 128,
         "the MLP-Mixer: 8x8 digits (pixels 0-255, behind the example's adapted Normalization layer) instead of "
         "CIFAR-100, no resizing or random flip/zoom; 2x2 patches embedded by a Conv2D with stride 2 (the same map "
         "as extract_patches + Dense) instead of a custom Patches layer; 16 patches, embedding 32, 2 mixer blocks "
         "instead of 64 patches, 256 and 4; the mixer written with built-in layers (Permute for the transposes, "
         "one LayerNormalization used twice per block as the example's layer does); no callbacks; epochs 40"),
    _kio("examples/vision/cct.py", compact_conv_transformer, digit_images_raw_one_hot, 60, 128,
         "8x8 digits (pixels 0-255 behind Rescaling(1/255)) instead of CIFAR-10, no random crop/flip; tokenizer "
         "channels 16 and 32 instead of 64 and 128 (4 tokens of 32), transformer units 32 instead of 128; no "
         "positional embedding (optional in the example) and no StochasticDepth (a custom layer); sequence pooling "
         "with Softmax + Dot layers instead of tf.nn.softmax/tf.matmul; the example's AdamW and label-smoothed "
         "loss; no checkpoint callback; epochs 60"),
    _kio("examples/structured_data/collaborative_filtering_movielens.py", recommender, ratings, 20, 64,
         "RecommenderNet written as a functional model with two named (1,) integer inputs instead of one (2,) "
         "input sliced in call(); synthetic ratings of 200 users and 150 movies from a rank-3 taste model, only "
         "the lowest or highest rating (0 or 1 after min-max normalization; fitcheck's relative loss needs "
         "targets a model can fit exactly); same embedding size 50, he_normal, l2(1e-6); epochs 20 instead of 5"),
    _kio("examples/vision/video_classification.py", video_gru, frame_features, 40, 64,
         "synthetic non-negative per-frame features (64 instead of InceptionV3's 2048) of 5 classes, 8-20 "
         "frames with the boolean frame mask as a second input; GRU 16 and 8, Dense 8 as in the example; "
         "epochs 40 instead of 10"),
    _kio("examples/structured_data/tabtransformer.py", tab_transformer, census_like, 60, 265,
         "a synthetic census-like table (5 unscaled numeric columns, 8 categorical columns as integer codes) "
         "instead of the UCI census data; two inputs (numeric, categorical) instead of one per column, the 8 "
         "embedding tables as one shared table over offset codes; 2 transformer blocks instead of 3; no sample "
         "weights (the benchmark harness saves none); epochs 60 instead of 15"),
    _kio("examples/vision/cutmix.py", resnet_small, digit_images_one_hot, 15, 32,
         "the ResNet-20 of the example at depth 8 (one residual block per stack), on 8x8 digits in [0, 1] instead "
         "of 32x32 CIFAR-10, so AveragePooling2D(2) instead of 8; trained without CutMix as the example's second "
         "run does; same L2(1e-4), he_normal, Adam, batch 32, 15 epochs"),
]

BATCH_2026_12_01E_ORDINARY = [
    ("friedman_mae_adamax", "ordinary: MAE regression with Adamax",
     lambda: mlp(10, (64, 64), 1, "linear", "mae", _opt("Adamax", learning_rate=2e-3)),
     lambda: regression_table("friedman"), 60, 32, ""),
    ("moons_selu_lecun", "ordinary: 4 SELU layers with lecun_normal, 1-D float labels",
     lambda: mlp(2, (32,) * 4, 1, "sigmoid", "binary_crossentropy", "adam", activation="selu",
                 kernel_initializer="lecun_normal"),
     lambda: (s.standardize(s.tabular("moons")[0]), s.tabular("moons")[1].astype(np.float32)), 40, 32, ""),
    ("quarter_positives_focal", "ordinary: binary_focal_crossentropy, 25 % positives, 1-D float labels",
     lambda: mlp(10, (32, 16), 1, "sigmoid", "binary_focal_crossentropy", "adam"),
     quarter_positives, 40, 32, ""),
    ("digits_gelu_clipnorm", "ordinary: GELU MLP, Adam with clipnorm=1.0",
     lambda: mlp(64, (64, 64), 10, "softmax", "sparse_categorical_crossentropy",
                 _opt("Adam", learning_rate=1e-3, clipnorm=1.0), activation="gelu"),
     standardized_digits, 30, 32, ""),
    ("friedman_swish_sgd_clipvalue", "ordinary: swish MLP, SGD with momentum and clipvalue=0.5",
     lambda: mlp(10, (32, 32), 1, "linear", "mse", _opt("SGD", learning_rate=0.02, momentum=0.9, clipvalue=0.5),
                 activation="swish"),
     lambda: regression_table("friedman"), 60, 32, ""),
    ("digits_dropout05_warmup_cosine", "ordinary: Dropout 0.5 MLP, Adam under CosineDecay with 200 warmup steps",
     lambda: mlp(64, (256, 256), 10, "softmax", "sparse_categorical_crossentropy", warmup_cosine_adam, dropout=0.5),
     standardized_digits, 40, 32, ""),
]


# ---------------------------------------------------------------- batch 2026-12-01f: siblings


LONG_TEXT_ROWS, LONG_TEXT_LENGTH, LONG_TEXT_VOCAB = 1600, 60, 300


def longer_texts():
    """s.texts with 1,600 rows of 60 tokens over a vocabulary of 300; 1-D integer labels."""
    return s.texts(LONG_TEXT_ROWS, LONG_TEXT_LENGTH, LONG_TEXT_VOCAB)


def longer_texts_binary():
    x, y = longer_texts()
    return x, y.reshape(-1, 1).astype(np.float32)


LONG_SERIES_ROWS, LONG_SERIES_LENGTH = 1500, 128


def longer_series():
    """s.series_classes with 1,500 series of 128 steps."""
    return s.series_classes(LONG_SERIES_ROWS, LONG_SERIES_LENGTH)


LONG_WINDOW = 128


def long_windows_identity():
    x = s.periodic_windows(600, LONG_WINDOW)
    return x, x


FORECAST_STEPS, FORECAST_FEATURES = 48, 5


def longer_forecasting():
    """s.forecasting with 1,500 windows of 48 steps over 5 features."""
    return s.forecasting(1500, FORECAST_STEPS, FORECAST_FEATURES)


def one_digit_addition():
    x, y, _chars = s.addition(1000, 1)
    return x, y


def breast_cancer_unit_range():
    """Breast cancer features min-max scaled to [0, 1] (not standardized); 1-D integer labels."""
    x, y = s.tabular("breast_cancer")
    low, high = x.min(axis=0), x.max(axis=0)
    return ((x - low) / (high - low)).astype(np.float32), y


@functools.cache
def wide_regression(rows: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """make_regression with 20 features (12 informative), features and targets standardized."""
    from sklearn import datasets

    x, y = datasets.make_regression(n_samples=rows, n_features=20, n_informative=12, noise=1.0, random_state=4)
    return s.standardize(x.astype(np.float32)), s.standardize(y.astype(np.float32).reshape(-1, 1))


BATCH_2026_12_01F_KERAS_IO_SIBLINGS = [
    _kio_sibling("kio_text_transformer_three_heads", "examples/nlp/text_classification_with_transformer.py",
                 lambda: text_transformer(LONG_TEXT_LENGTH, LONG_TEXT_VOCAB, dim=24, heads=3), longer_texts, 10, 32,
                 "sibling of kio_text_classification_with_transformer: the same block with 3 heads of 24, embed_dim "
                 "and ff_dim 24; texts of 60 tokens over a vocabulary of 300, 1,600 rows"),
    _kio_sibling("kio_bidirectional_lstm_longer_texts", "examples/nlp/bidirectional_lstm_imdb.py",
                 lambda: bidirectional_lstm(LONG_TEXT_LENGTH, LONG_TEXT_VOCAB, units=12), longer_texts_binary, 10, 32,
                 "sibling of kio_bidirectional_lstm_imdb: LSTM 12 instead of 8; texts of 60 tokens over a "
                 "vocabulary of 300, 1,600 rows"),
    _kio_sibling("kio_timeseries_fcn_long_series", "examples/timeseries/timeseries_classification_from_scratch.py",
                 lambda: timeseries_fcn(LONG_SERIES_LENGTH, filters=32), longer_series, 30, 32,
                 "sibling of kio_timeseries_classification_from_scratch: 32 filters instead of 16; 1,500 series of "
                 "128 steps; 30 epochs"),
    _kio_sibling("kio_anomaly_autoencoder_long_windows", "examples/timeseries/timeseries_anomaly_detection.py",
                 lambda: conv1d_autoencoder(LONG_WINDOW, filters=(16, 8)), long_windows_identity, 30, 128,
                 "sibling of kio_timeseries_anomaly_detection: 16 and 8 filters (the example's 32 and 16 halved); "
                 "600 windows of 128 steps"),
    _kio_sibling("kio_weather_lstm32_long_windows", "examples/timeseries/timeseries_weather_forecasting.py",
                 lambda: weather_lstm(FORECAST_STEPS, FORECAST_FEATURES, units=32), longer_forecasting, 30, 256,
                 "sibling of kio_timeseries_weather_forecasting: the example's LSTM 32; windows of 48 steps over 5 "
                 "features, 1,500 windows"),
    _kio_sibling("kio_addition_rnn_one_digit", "examples/nlp/addition_rnn.py", lambda: addition_rnn(digits=1),
                 one_digit_addition, 60, 32,
                 "sibling of kio_addition_rnn: 1-digit numbers (1,000 questions) instead of 2, LSTM 32"),
]

BATCH_2026_12_01F_ORDINARY_SIBLINGS = [
    ("wine_bn_dropout", "ordinary, sibling of classification4_bn_dropout: wine, 3 classes, BatchNormalization and "
     "Dropout 0.2",
     lambda: mlp(13, (32, 32), 3, "softmax", "sparse_categorical_crossentropy", "adam", batch_norm=True,
                 dropout=0.2),
     lambda: standardized("wine"), 60, 16, ""),
    ("series_conv1d_logits_wide", "ordinary, sibling of conv1d_logits: 32 filters of width 7 on 128-step series, "
     "logits", lambda: conv1d_classifier_logits(LONG_SERIES_LENGTH, filters=32, width=7), longer_series, 10, 32, ""),
    ("digits_cnn_batchnorm_wide", "ordinary, sibling of digits_cnn_batchnorm: 32 and 64 filters, batch 64",
     lambda: digits_cnn_batchnorm((32, 64)), s.digit_images, 20, 64, ""),
    ("breast_cancer_unit_range", "ordinary, sibling of digits_pixels_unit_range: features min-max scaled to [0, 1] "
     "(not standardized), softmax over 2 classes",
     lambda: mlp(30, (32,), 2, "softmax", "sparse_categorical_crossentropy", _opt("Adam", learning_rate=1e-3)),
     breast_cancer_unit_range, 40, 32, ""),
    ("texts_embedding_bag_wide", "ordinary, sibling of embedding_bag: embedding 32 and dense 32, texts of 60 tokens "
     "over a vocabulary of 300", lambda: embedding_bag(LONG_TEXT_LENGTH, LONG_TEXT_VOCAB, width=32),
     longer_texts_binary, 15, 32, ""),
    ("friedman2_leaky_he_deep", "ordinary, sibling of friedman_leaky_he_deep: Friedman #2, 5 LeakyReLU layers of 64 "
     "with He initialization",
     lambda: mlp(4, (64,) * 5, 1, "linear", "mse", _opt("Adam", learning_rate=1e-3), activation="leaky_relu",
                 kernel_initializer="he_normal"),
     lambda: regression_table("friedman2"), 60, 32, ""),
    ("wine_one_hot_sgd", "ordinary, sibling of iris_one_hot_sgd: wine, one-hot labels, SGD at 0.1",
     lambda: mlp(13, (16,), 3, "softmax", "categorical_crossentropy", _opt("SGD", learning_rate=0.1)),
     lambda: (standardized("wine")[0], np.eye(3, dtype=np.float32)[s.tabular("wine")[1]]), 100, 16, ""),
    ("wide_linear_regression_sgd", "ordinary, sibling of linear_regression_sgd: 20 features, 2,000 rows, plain "
     "SGD at 0.01",
     lambda: mlp(20, (), 1, "linear", "mse", _opt("SGD", learning_rate=0.01)),
     wide_regression, 30, 32, ""),
]


# ---------------------------------------------------------------- batch 2026-12-02a: ordinary setups
# Losses, layers, optimizers and batch sizes that the earlier controls do not use. Left out before any
# run because fitcheck cannot judge them: a Poisson loss (its minimum on noisy counts is far from 0, so
# the relative loss never nears 0.1) and a two-output model (fitcheck reads one loss and one output).
# Dropped after fitcheck (3 seeds), not tuned: a digits CNN with RandomTranslation(0.1) and Dropout 0.3,
# 30 epochs of batch 32 (median accuracy 0.846, relative loss 0.258), and a digits CNN with
# DepthwiseConv2D and SeparableConv2D, 30 epochs of batch 32 (median accuracy 0.933, relative loss 0.1002).

def residual_mlp(inputs: int = 10, width: int = 64, blocks: int = 6):
    """Dense blocks with identity skips: x + Dense(Dense(x)), then ReLU, ``blocks`` times."""
    keras = _keras()
    L = keras.layers
    features = keras.Input((inputs,))
    x = L.Dense(width, activation="relu")(features)
    for _ in range(blocks):
        branch = L.Dense(width)(L.Dense(width, activation="relu")(x))
        x = L.Activation("relu")(L.Add()([x, branch]))
    model = keras.Model(features, L.Dense(1)(x))
    model.compile(optimizer="adam", loss="mse")
    return model


def gru_series_classifier(units: int = 16):
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([keras.Input((64, 1)), L.GRU(units), L.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def masked_lstm(length: int = 40, vocab: int = 200, width: int = 16, units: int = 16):
    """Embedding(mask_zero=True), so the LSTM skips the left padding of s.texts."""
    keras = _keras()
    L = keras.layers
    model = keras.Sequential([keras.Input((length,), dtype="int32"), L.Embedding(vocab, width, mask_zero=True),
                              L.LSTM(units), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def positive_friedman():
    """Friedman #1 with its raw features in [0, 1] and its raw targets, all positive."""
    x, y = s.tabular("friedman")
    return x, y.reshape(-1, 1).astype(np.float32)


@functools.cache
def soft_label_table(rows: int = 1500, features: int = 8, classes: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal features and, as targets, the softmax of a random linear map of them: soft
    label distributions over ``classes`` (as a teacher model or annotator votes would give)."""
    rng = np.random.default_rng(47)
    x = rng.standard_normal((rows, features)).astype(np.float32)
    logits = x @ rng.normal(0.0, 0.7, (features, classes))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return x, (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def breast_cancer_signed_labels():
    """Standardized breast cancer features, 1-D float labels in {-1, 1} as hinge losses expect."""
    x, y = s.tabular("breast_cancer")
    return s.standardize(x), (2.0 * y - 1.0).astype(np.float32)


def classification4_one_hot():
    x, y = standardized("classification4")
    return x, np.eye(4, dtype=np.float32)[y]


BATCH_2026_12_02A_ORDINARY = [
    ("friedman_log_cosh", "ordinary: log-cosh loss regression, standardized Friedman #1",
     lambda: mlp(10, (32, 32), 1, "linear", "log_cosh", "adam"),
     lambda: regression_table("friedman"), 60, 32, ""),
    ("friedman_positive_msle", "ordinary: mean squared logarithmic error on positive raw targets, softplus output",
     lambda: mlp(10, (64, 64), 1, "softplus", "mean_squared_logarithmic_error", "adam"),
     positive_friedman, 60, 32, ""),
    ("soft_labels_kl_divergence", "ordinary: KL divergence to soft label distributions, softmax output",
     lambda: mlp(8, (32, 32), 4, "softmax", "kl_divergence", "adam"),
     soft_label_table, 40, 32, ""),
    ("breast_cancer_hinge_tanh", "ordinary: hinge loss on labels in {-1, 1}, tanh output",
     lambda: mlp(30, (32, 16), 1, "tanh", "hinge", "adam"),
     breast_cancer_signed_labels, 40, 32, ""),
    ("classification4_categorical_hinge", "ordinary: categorical hinge on one-hot labels, softmax output",
     lambda: mlp(20, (32,), 4, "softmax", "categorical_hinge", "adam"),
     classification4_one_hot, 40, 32, ""),
    ("friedman_layernorm_mlp", "ordinary: LayerNormalization before each hidden activation",
     lambda: mlp(10, (64, 64), 1, "linear", "mse", "adam", layer_norm=True),
     lambda: regression_table("friedman"), 60, 32, ""),
    ("friedman_residual_mlp", "ordinary: residual MLP, 6 Dense blocks with Add skips", residual_mlp,
     lambda: regression_table("friedman"), 60, 32, ""),
    ("digits_large_batch_adam", "ordinary: batch 256, Adam at its default rate",
     lambda: mlp(64, (128, 64), 10, "softmax", "sparse_categorical_crossentropy", "adam"),
     standardized_digits, 60, 256, ""),
    ("wine_small_batch_sgd", "ordinary: batch 8, plain SGD at its default rate",
     lambda: mlp(13, (32,), 3, "softmax", "sparse_categorical_crossentropy", "sgd"),
     lambda: standardized("wine"), 60, 8, ""),
    ("series_gru_classifier", "ordinary: GRU classifier of 64-step series", gru_series_classifier,
     s.series_classes, 15, 32, ""),
    ("texts_lstm_mask_zero", "ordinary: LSTM behind Embedding(mask_zero=True) over left-padded texts", masked_lstm,
     texts_binary, 10, 32, ""),
    ("classification4_gaussian_noise_adagrad", "ordinary: GaussianNoise(0.1) on the inputs, Adagrad at 0.01",
     lambda: mlp(20, (64, 32), 4, "softmax", "sparse_categorical_crossentropy", _opt("Adagrad", learning_rate=0.01),
                 input_noise=0.1),
     lambda: standardized("classification4"), 40, 32, ""),
]


# ---------------------------------------------------------------- batches 2026-12-02b to g: sampled setups

SAMPLED_DRAWS = 108  # batch 2026-12-02b: draws 0-35; batch 2026-12-02c: draws 36-59; 2026-12-02f: 60-83;
# batch 2026-12-02g: draws 84-107
NETWORK_DRAWS = 84  # batch 2026-12-02d: network draws 0-23 of sampled_networks.py; 2026-12-02e: 24-43;
# batch 2026-12-02f: network draws 44-63; 2026-12-02g: network draws 64-83


def _sampled() -> list[tuple]:
    """The first SAMPLED_DRAWS draws of sampled.py and NETWORK_DRAWS of sampled_networks.py, each
    fixed before any run."""
    return [(d.name, d.source, d.build, d.data, d.epochs, d.batch_size, "")
            for d in draws(0, SAMPLED_DRAWS) + network_draws(0, NETWORK_DRAWS)]


def _controls() -> tuple[Bench, ...]:
    entries = [Bench(name, None, source, build, data, epochs, batch, notes=notes)
               for name, source, build, data, epochs, batch, notes
               in KERAS_IO + ORDINARY + BATCH_2026_12_01C_KERAS_IO + BATCH_2026_12_01C_ORDINARY
               + BATCH_2026_12_01D_KERAS_IO + BATCH_2026_12_01D_ORDINARY
               + BATCH_2026_12_01E_KERAS_IO + BATCH_2026_12_01E_ORDINARY
               + BATCH_2026_12_01F_KERAS_IO_SIBLINGS + BATCH_2026_12_01F_ORDINARY_SIBLINGS
               + BATCH_2026_12_02A_ORDINARY + _sampled()]
    names = [e.name for e in entries]
    assert len(names) == len(set(names)), "control names must be unique"
    return tuple(entries)


CONTROLS: tuple[Bench, ...] = _controls()
