"""The conformance table: every setup that ``model.fit`` trains and ``dnndoctor check`` must examine.

One ``Setup`` per row. ``build`` makes the (tiny) model from the ``keras`` module it is given,
``data`` the arrays of the ``.npz`` from a seeded NumPy generator. The suite saves both, runs
``dnndoctor check`` on the files and compares the probe's losses with ``model.fit``'s; the README's
"What it supports" table is rendered from these rows (``python -m tests.conformance.table``).
Importing this module imports no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

HERE = Path(__file__).resolve().parent
CUSTOM_LOSS = HERE / "custom_loss.py"
ROWS, FEATURES, CLASSES = 64, 4, 3
AREAS = ("Targets", "Losses", "Optimizers", "Layers", "Structures", "Weights", "Files")
BASELINE_AREAS = ("Targets", "Losses")  # rows probe the user's setup alone unless they ask for more


@dataclass(frozen=True)
class Setup:
    """One row: a model, its data and how ``model.fit`` trains it.

    ``args`` are extra ``dnndoctor check`` flags; ``compile`` compiles the reference model as
    those flags compile an uncompiled file; ``class_weight`` is given to ``model.fit`` and to
    the check (``--class-weight``); ``stochastic`` rows (random layers) compare loss levels, not steps; a
    ``refusal`` row must end with exit 2 and a message holding that text.

    To keep the suite fast, rows that vary only the targets' layout or the loss probe the
    user's setup alone, unless ``counterfactuals`` asks for the full check (every edit, the LR
    range test, fix verification); rows of the other areas always run the full check.
    """

    id: str
    area: str
    covers: str
    build: Callable[[Any], Any]
    data: Callable[[np.random.Generator], dict[str, np.ndarray]]
    args: tuple[str, ...] = ()
    compile: Callable[[Any, Any], None] | None = None
    class_weight: dict[int, float] | None = None
    suffix: str = ".keras"
    stochastic: bool = False
    counterfactuals: bool = False
    refusal: str | None = None

    @property
    def full_check(self) -> bool:
        return self.counterfactuals or self.area not in BASELINE_AREAS

    def __post_init__(self) -> None:
        assert self.area in AREAS, self.area


# -- data ---------------------------------------------------------------------------------------

def _x(rng, shape=(FEATURES,), dtype="float32"):
    return rng.normal(size=(ROWS, *shape)).astype(dtype)


def regression(k: int | None = None, dtype: str = "float32", positive: bool = False):
    """Continuous targets (N,) or (N, k), a linear function of the inputs (positive when asked)."""
    def make(rng):
        x = _x(rng, dtype=dtype)
        y = x.astype("float64") @ rng.normal(size=(FEATURES, k or 1))
        y = np.abs(y) + 0.1 if positive else y
        return {"x": x, "y": (y if k else y[:, 0]).astype(dtype)}
    return make


def labels(classes: int = CLASSES, *, shape: tuple = (), dtype: str = "int64", encoding: str = "index"):
    """Class targets learnable from the inputs: indices shaped (N,) or (N, 1) of ``dtype``, or
    ``onehot``, ``soft`` (rows of probabilities), ``multilabel`` (independent 0/1 columns) or
    ``signed`` (±1, for hinge losses)."""
    def make(rng):
        x = _x(rng)
        scores = x @ rng.normal(size=(FEATURES, classes))
        index = scores.argmax(axis=1)
        if encoding == "index":
            y = index.reshape(ROWS, *shape)
        elif encoding == "onehot":
            y = np.eye(classes)[index]
        elif encoding == "soft":
            y = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        elif encoding == "multilabel":
            y = (scores > 0).reshape(ROWS, classes) if classes > 1 else (scores[:, 0] > 0).reshape(ROWS, *shape)
        elif encoding == "signed":
            y = np.where(scores[:, 0] > 0, 1.0, -1.0).reshape(ROWS, *shape)
        return {"x": x, "y": y.astype(dtype)}
    return make


def binary(shape: tuple = (), dtype: str = "float32"):
    return labels(1, shape=shape, dtype=dtype, encoding="multilabel")


def images(shape: tuple, classes: int = CLASSES):
    """Random images (or sequences, or volumes) with class indices."""
    def make(rng):
        x = rng.normal(size=(ROWS, *shape)).astype("float32")
        return {"x": x, "y": (x.reshape(ROWS, -1).mean(axis=1) > 0).astype("int64") % classes}
    return make


def tokens(length: int = 6, vocabulary: int = 20, padded: bool = False):
    """Integer token sequences (trailing zeros as padding when ``padded``) and binary labels."""
    def make(rng):
        x = rng.integers(1, vocabulary, size=(ROWS, length)).astype("int32")
        if padded:
            x[np.arange(length)[None, :] >= rng.integers(2, length + 1, size=(ROWS, 1))] = 0
        return {"x": x, "y": (x[:, 0] > vocabulary // 2).astype("float32")}
    return make


def label_sequences(length: int = 3, classes: int = 4):
    """Sequences of 6 steps and label sequences of ``length`` classes 1..``classes`` (0 is CTC's blank)."""
    def make(rng):
        return {"x": rng.normal(size=(ROWS, *SEQ)).astype("float32"),
                "y": rng.integers(1, classes + 1, size=(ROWS, length)).astype("int32")}
    return make


def named(inputs: dict[str, int], outputs: dict[str, str], weights: bool = False):
    """One array per named model input (of that width) and output (``regression`` or ``binary``)."""
    def make(rng):
        arrays = {name: rng.normal(size=(ROWS, width)).astype("float32") for name, width in inputs.items()}
        total = np.concatenate(list(arrays.values()), axis=1).sum(axis=1, keepdims=True)
        for name, kind in outputs.items():
            arrays[name] = (total > 0).astype("float32") if kind == "binary" else total.astype("float32")
        if weights:
            arrays["sample_weight"] = rng.uniform(0.2, 2.0, size=ROWS).astype("float32")
        return arrays
    return make


def weighted(make):
    """The arrays of ``make`` plus a ``sample_weight`` per row."""
    def with_weights(rng):
        return {**make(rng), "sample_weight": rng.uniform(0.2, 2.0, size=ROWS).astype("float32")}
    return with_weights


# -- models -------------------------------------------------------------------------------------

def compiled(keras, model, loss, optimizer=None):
    """``model`` compiled with ``loss`` (Adam at 0.01 by default); left uncompiled when ``loss`` is None."""
    if loss is None:
        return model
    model.compile(optimizer=optimizer if optimizer is not None else keras.optimizers.Adam(0.01), loss=loss)
    return model


def mlp(keras, *, units: int = 1, output: str | None = None, loss: Any = "mse", optimizer=None,
        hidden: Any = "relu", features: int = FEATURES, **dense):
    """A 4-8-units Sequential network; ``dense`` goes to the hidden Dense layer."""
    model = keras.Sequential([keras.Input((features,)), keras.layers.Dense(8, activation=hidden, **dense),
                              keras.layers.Dense(units, activation=output)])
    return compiled(keras, model, loss, optimizer)


def stack(keras, shape, *layers, units: int = CLASSES, output="softmax", loss="sparse_categorical_crossentropy",
          optimizer=None):
    """A Sequential network of ``layers`` on inputs of ``shape``, with a Dense head."""
    model = keras.Sequential([keras.Input(shape), *layers, keras.layers.Dense(units, activation=output)])
    return compiled(keras, model, loss, optimizer)


def functional(keras, body, shape=(FEATURES,), loss="mse", optimizer=None):
    """A functional model ``Input -> body(input) -> Dense(1)``."""
    inputs = keras.Input(shape)
    outputs = keras.layers.Dense(1)(body(keras, inputs))
    return compiled(keras, keras.Model(inputs, outputs), loss, optimizer)


def optimized(name: str, **config):
    """An MLP regressor trained by the optimizer ``keras.optimizers.<name>(**config)``."""
    return lambda k: mlp(k, optimizer=getattr(k.optimizers, name)(**config))


def scheduled(name: str, **config):
    """An MLP regressor under SGD with the schedule ``keras.optimizers.schedules.<name>(**config)``."""
    return lambda k: mlp(k, optimizer=k.optimizers.SGD(getattr(k.optimizers.schedules, name)(**config)))


def residual(keras, inputs):
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.layers.Add()([hidden, keras.layers.Dense(8, activation="relu")(hidden)])


def branches(keras, inputs):
    left = keras.layers.Dense(6, activation="relu")(inputs)
    right = keras.layers.Dense(4, activation="tanh")(inputs)
    merged = keras.layers.Concatenate()([left, right, inputs])
    return keras.layers.Add()([keras.layers.Dense(8, activation="relu")(merged), keras.layers.Dense(8)(inputs)])


def attention(keras, inputs):
    x = keras.layers.Embedding(20, 8)(inputs)
    attended = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
    x = keras.layers.LayerNormalization()(keras.layers.Add()([x, attended]))
    return keras.layers.GlobalAveragePooling1D()(x)


def adapted_normalization(keras):
    layer = keras.layers.Normalization()
    layer.adapt(np.random.default_rng(1).normal(3.0, 5.0, size=(ROWS, FEATURES)).astype("float32"))
    return layer


def two_inputs(keras, loss="mse"):
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    hidden = keras.layers.Dense(8, activation="relu")(keras.layers.Concatenate()([a, b]))
    return compiled(keras, keras.Model({"a": a, "b": b}, keras.layers.Dense(1, name="target")(hidden)), loss)


def two_outputs(keras, loss, loss_weights=None, inputs=("features",)):
    given = [keras.Input((FEATURES if len(inputs) == 1 else 2,), name=name) for name in inputs]
    joined = given[0] if len(given) == 1 else keras.layers.Concatenate()(given)
    hidden = keras.layers.Dense(8, activation="relu")(joined)
    outputs = [keras.layers.Dense(1, name="amount")(hidden),
               keras.layers.Dense(1, activation="sigmoid", name="flag")(hidden)]
    model = keras.Model(given[0] if len(given) == 1 else {i.name: i for i in given}, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss, loss_weights=loss_weights)
    return model


def registered_layer(keras):
    from . import registered

    return stack(keras, (FEATURES,), registered.ScaledDense(8), units=1, output=None, loss="mse")


def registered_model(keras):
    from . import registered

    model = registered.TwoLayerNet()
    model(np.zeros((1, FEATURES), "float32"))
    return compiled(keras, model, "mse")


def custom_step(keras):
    from . import registered

    inputs = keras.Input((FEATURES,))
    return compiled(keras, registered.CustomStepNet(inputs, keras.layers.Dense(1)(inputs)), "mse")


def custom_loss_model(keras):
    from .custom_loss import scaled_mse

    return mlp(keras, loss=scaled_mse)


def compile_as_flags(loss: str, optimizer: str, learning_rate: float):
    """How ``--loss/--optimizer/--lr`` compile an uncompiled file, for the reference model."""
    def apply(keras, model):
        chosen = keras.optimizers.get(optimizer)
        chosen.learning_rate = learning_rate
        model.compile(optimizer=chosen, loss=loss)
    return apply


FLAGS = ("--loss", "mse", "--optimizer", "adam", "--lr", "0.01")
SEQ, CONV = (6, 3), (6, 6, 2)


# -- the table ----------------------------------------------------------------------------------

SETUPS: list[Setup] = [
    # Targets
    Setup("binary-1d-float", "Targets", "binary labels (N,), float32, sigmoid + binary_crossentropy",
          lambda k: mlp(k, output="sigmoid", loss="binary_crossentropy"), binary(), counterfactuals=True),
    Setup("binary-1d-int", "Targets", "binary labels (N,), int64",
          lambda k: mlp(k, output="sigmoid", loss="binary_crossentropy"), binary(dtype="int64"), counterfactuals=True),
    Setup("binary-2d-float", "Targets", "binary labels (N, 1), float32",
          lambda k: mlp(k, output="sigmoid", loss="binary_crossentropy"), binary(shape=(1,))),
    Setup("binary-2d-int", "Targets", "binary labels (N, 1), int32",
          lambda k: mlp(k, output="sigmoid", loss="binary_crossentropy"), binary(shape=(1,), dtype="int32")),
    *[Setup(f"sparse-{len(shape) + 1}d-{dtype}", "Targets",
            f"sparse labels {'(N,)' if not shape else '(N, 1)'}, {dtype}, sparse_categorical_crossentropy",
            lambda k: mlp(k, units=CLASSES, output="softmax", loss="sparse_categorical_crossentropy"),
            labels(shape=shape, dtype=dtype), counterfactuals=(shape, dtype) in {((), "uint8"), ((1,), "int64")})
      for shape in ((), (1,)) for dtype in ("int32", "int64", "uint8")],
    Setup("onehot", "Targets", "one-hot targets, categorical_crossentropy",
          lambda k: mlp(k, units=CLASSES, output="softmax", loss="categorical_crossentropy"),
          labels(encoding="onehot", dtype="float32"), counterfactuals=True),
    Setup("multilabel", "Targets", "multi-label 0/1 targets (N, 3), sigmoid + binary_crossentropy",
          lambda k: mlp(k, units=CLASSES, output="sigmoid", loss="binary_crossentropy"),
          labels(encoding="multilabel", dtype="float32"), counterfactuals=True),
    Setup("soft", "Targets", "soft targets (rows of probabilities), categorical_crossentropy",
          lambda k: mlp(k, units=CLASSES, output="softmax", loss="categorical_crossentropy"),
          labels(encoding="soft", dtype="float32")),
    Setup("regression-1d", "Targets", "regression targets (N,), mse", lambda k: mlp(k), regression(), counterfactuals=True),
    Setup("regression-k", "Targets", "regression targets (N, 3), mse", lambda k: mlp(k, units=3), regression(3)),
    Setup("float64", "Targets", "float64 inputs and targets", lambda k: mlp(k), regression(None, "float64")),
    Setup("float16", "Targets", "float16 inputs and targets", lambda k: mlp(k), regression(None, "float16"), counterfactuals=True),
    Setup("tokens", "Targets", "integer token inputs into an Embedding",
          lambda k: stack(k, (6,), k.layers.Embedding(20, 4), k.layers.GlobalAveragePooling1D(), units=1,
                          output="sigmoid", loss="binary_crossentropy"), tokens(), counterfactuals=True),
    # Losses: by string
    *[Setup(f"loss-{name}", "Losses", f"loss={name!r}", lambda k, name=name, out=out: mlp(k, output=out, loss=name),
            regression(positive=out is not None))
      for name, out in (("mae", None), ("mape", "softplus"), ("msle", "softplus"), ("huber", None),
                        ("log_cosh", None), ("poisson", "softplus"))],
    Setup("loss-kl_divergence", "Losses", "loss='kl_divergence' on soft targets",
          lambda k: mlp(k, units=CLASSES, output="softmax", loss="kl_divergence"),
          labels(encoding="soft", dtype="float32")),
    Setup("loss-cosine_similarity", "Losses", "loss='cosine_similarity'",
          lambda k: mlp(k, units=3, loss="cosine_similarity"), regression(3)),
    *[Setup(f"loss-{name}", "Losses", f"loss={name!r} on binary labels",
            lambda k, name=name, act=act: mlp(k, output=act, loss=name), binary(shape=(1,)))
      for name, act in (("hinge", "tanh"), ("squared_hinge", "tanh"), ("binary_focal_crossentropy", "sigmoid"))],
    *[Setup(f"loss-{name}", "Losses", f"loss={name!r} on one-hot targets",
            lambda k, name=name: mlp(k, units=CLASSES, output="softmax", loss=name),
            labels(encoding="onehot", dtype="float32"))
      for name in ("categorical_hinge", "categorical_focal_crossentropy", "dice")],
    Setup("loss-circle", "Losses", "loss='circle' on class indices, embedding outputs",
          lambda k: mlp(k, units=4, loss="circle"), labels(dtype="int32")),
    Setup("loss-ctc", "Losses", "loss='ctc' on label sequences, per-step softmax outputs",
          lambda k: stack(k, SEQ, k.layers.Dense(8, activation="relu"), units=5, loss="ctc"), label_sequences()),
    # Losses: objects with non-default arguments
    Setup("loss-bce-logits", "Losses", "BinaryCrossentropy(from_logits=True, label_smoothing=0.1)",
          lambda k: mlp(k, loss=k.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)),
          binary(), counterfactuals=True),
    Setup("loss-cce-logits", "Losses", "CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)",
          lambda k: mlp(k, units=CLASSES, loss=k.losses.CategoricalCrossentropy(from_logits=True,
                                                                                label_smoothing=0.1)),
          labels(encoding="onehot", dtype="float32"), counterfactuals=True),
    Setup("loss-scce-logits", "Losses", "SparseCategoricalCrossentropy(from_logits=True)",
          lambda k: mlp(k, units=CLASSES, loss=k.losses.SparseCategoricalCrossentropy(from_logits=True)),
          labels(), counterfactuals=True),
    Setup("loss-huber-delta", "Losses", "Huber(delta=0.5)",
          lambda k: mlp(k, loss=k.losses.Huber(delta=0.5)), regression()),
    Setup("loss-mse-sum", "Losses", "MeanSquaredError(reduction='sum')",
          lambda k: mlp(k, loss=k.losses.MeanSquaredError(reduction="sum")), regression(), counterfactuals=True),
    Setup("loss-focal-balanced", "Losses", "BinaryFocalCrossentropy(apply_class_balancing=True, gamma=3)",
          lambda k: mlp(k, output="sigmoid", loss=k.losses.BinaryFocalCrossentropy(apply_class_balancing=True,
                                                                                    gamma=3.0)),
          binary(shape=(1,))),
    Setup("loss-tversky", "Losses", "Tversky(alpha=0.7, beta=0.3)",
          lambda k: mlp(k, units=CLASSES, output="softmax", loss=k.losses.Tversky(alpha=0.7, beta=0.3)),
          labels(encoding="onehot", dtype="float32")),
    Setup("loss-generalized-ce", "Losses", "CategoricalGeneralizedCrossEntropy(q=0.7) on class indices",
          lambda k: mlp(k, units=CLASSES, output="softmax",
                        loss=k.losses.CategoricalGeneralizedCrossEntropy(q=0.7)), labels()),
    Setup("loss-custom", "Losses", "a custom loss function, loaded with --custom-objects",
          custom_loss_model, regression(), args=("--custom-objects", str(CUSTOM_LOSS)), counterfactuals=True),
    # Optimizers
    Setup("sgd-nesterov", "Optimizers", "SGD(momentum=0.9, nesterov=True)",
          optimized("SGD", learning_rate=0.01, momentum=0.9, nesterov=True), regression()),
    *[Setup(f"optimizer-{name.lower()}", "Optimizers", f"{name}({', '.join(f'{a}={v}' for a, v in config.items())})",
            optimized(name, **config), regression())
      for name, config in (("Adam", {"learning_rate": 0.01, "amsgrad": True}),
                           ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.01}),
                           ("Adamax", {"learning_rate": 0.01}), ("Adagrad", {"learning_rate": 0.05}),
                           ("Adadelta", {"learning_rate": 1.0}), ("Adafactor", {"learning_rate": 0.01}),
                           ("Ftrl", {"learning_rate": 0.05}), ("Lion", {"learning_rate": 0.001}),
                           ("Nadam", {"learning_rate": 0.01}),
                           ("RMSprop", {"learning_rate": 0.005, "momentum": 0.5, "centered": True}),
                           ("Lamb", {"learning_rate": 0.01}), ("Muon", {"learning_rate": 0.01}))],
    Setup("optimizer-schedulefreeadamw", "Optimizers", "ScheduleFreeAdamW(learning_rate=0.01)",
          optimized("ScheduleFreeAdamW", learning_rate=0.01), regression(), refusal="optimizer ScheduleFreeAdamW"),
    *[Setup(f"option-{option}", "Optimizers", f"Adam({option}={value})",
            optimized("Adam", learning_rate=0.01, **{option: value}), regression())
      for option, value in (("clipnorm", 0.1), ("clipvalue", 0.05), ("global_clipnorm", 0.1),
                            ("weight_decay", 0.01), ("use_ema", True), ("gradient_accumulation_steps", 2))],
    Setup("schedule-exponential", "Optimizers", "SGD with ExponentialDecay",
          scheduled("ExponentialDecay", initial_learning_rate=0.05, decay_steps=5, decay_rate=0.5), regression()),
    Setup("schedule-cosine", "Optimizers", "SGD with CosineDecay and warmup",
          scheduled("CosineDecay", initial_learning_rate=0.01, decay_steps=20, warmup_target=0.05,
                    warmup_steps=4), regression()),
    Setup("schedule-piecewise", "Optimizers", "SGD with PiecewiseConstantDecay",
          scheduled("PiecewiseConstantDecay", boundaries=[5, 10], values=[0.05, 0.02, 0.01]), regression()),
    # Layers
    Setup("conv1d", "Layers", "Conv1D + MaxPooling1D",
          lambda k: stack(k, SEQ, k.layers.Conv1D(4, 3, activation="relu"), k.layers.MaxPooling1D(2),
                          k.layers.Flatten()), images(SEQ)),
    Setup("conv2d", "Layers", "Conv2D + MaxPooling2D + GlobalAveragePooling2D",
          lambda k: stack(k, CONV, k.layers.Conv2D(4, 3, activation="relu", padding="same"),
                          k.layers.MaxPooling2D(2), k.layers.GlobalAveragePooling2D()), images(CONV)),
    Setup("conv3d", "Layers", "Conv3D + AveragePooling3D",
          lambda k: stack(k, (4, 4, 4, 1), k.layers.Conv3D(3, 2, activation="relu"), k.layers.AveragePooling3D(3),
                          k.layers.Flatten()), images((4, 4, 4, 1))),
    Setup("batchnorm", "Layers", "BatchNormalization",
          lambda k: stack(k, (FEATURES,), k.layers.Dense(8), k.layers.BatchNormalization(), k.layers.ReLU()),
          labels()),
    Setup("layernorm", "Layers", "LayerNormalization",
          lambda k: stack(k, (FEATURES,), k.layers.Dense(8, activation="relu"), k.layers.LayerNormalization()),
          labels()),
    Setup("dropout", "Layers", "Dropout",
          lambda k: stack(k, (FEATURES,), k.layers.Dense(8, activation="relu"), k.layers.Dropout(0.2)),
          labels(), stochastic=True),
    Setup("spatial-dropout", "Layers", "SpatialDropout1D after Conv1D",
          lambda k: stack(k, SEQ, k.layers.Conv1D(4, 3, activation="relu"), k.layers.SpatialDropout1D(0.2),
                          k.layers.GlobalMaxPooling1D()), images(SEQ), stochastic=True),
    *[Setup(f"rnn-{name.lower()}", "Layers", name,
            lambda k, name=name: stack(k, SEQ, getattr(k.layers, name)(4)), images(SEQ))
      for name in ("SimpleRNN", "LSTM", "GRU")],
    *[Setup(f"bidirectional-{name.lower()}", "Layers", f"Bidirectional({name})",
            lambda k, name=name: stack(k, SEQ, k.layers.Bidirectional(getattr(k.layers, name)(3))), images(SEQ))
      for name in ("LSTM", "GRU")],
    Setup("embedding-mask", "Layers", "Embedding(mask_zero=True) into an LSTM, padded token inputs",
          lambda k: stack(k, (6,), k.layers.Embedding(20, 4, mask_zero=True), k.layers.LSTM(4), units=1,
                          output="sigmoid", loss="binary_crossentropy"), tokens(padded=True)),
    Setup("attention", "Layers", "MultiHeadAttention in a transformer block (Add, LayerNormalization)",
          lambda k: functional(k, attention, shape=(6,), loss="binary_crossentropy"), tokens()),
    Setup("residual", "Layers", "residual Add", lambda k: functional(k, residual), regression()),
    Setup("normalization", "Layers", "an adapted Normalization layer on unscaled inputs",
          lambda k: stack(k, (FEATURES,), adapted_normalization(k), k.layers.Dense(8, activation="relu"),
                          units=1, output=None, loss="mse"), regression()),
    Setup("rescaling", "Layers", "Rescaling",
          lambda k: stack(k, (FEATURES,), k.layers.Rescaling(0.5, offset=0.1), k.layers.Dense(8, activation="relu"),
                          units=1, output=None, loss="mse"), regression()),
    Setup("activation-layers", "Layers", "ReLU, LeakyReLU and PReLU layers",
          lambda k: stack(k, (FEATURES,), k.layers.Dense(8), k.layers.ReLU(), k.layers.Dense(8),
                          k.layers.LeakyReLU(0.1), k.layers.Dense(8), k.layers.PReLU()), labels()),
    Setup("regularizers", "Layers", "kernel, bias and activity regularizers",
          lambda k: mlp(k, kernel_regularizer=k.regularizers.L1L2(1e-3, 1e-2), bias_regularizer="l2",
                        activity_regularizer=k.regularizers.L2(1e-3)), regression()),
    Setup("frozen-layer", "Layers", "a frozen (trainable=False) layer keeps its saved weights",
          lambda k: stack(k, (FEATURES,), k.layers.Dense(8, activation="relu", trainable=False),
                          k.layers.Dense(8, activation="relu"), units=1, output=None, loss="mse"), regression()),
    Setup("constraints", "Layers", "MaxNorm and NonNeg constraints",
          lambda k: mlp(k, kernel_constraint=k.constraints.MaxNorm(1.0), bias_constraint=k.constraints.NonNeg()),
          regression()),
    # Structures
    Setup("functional-branches", "Structures", "functional with branches, Concatenate and skips",
          lambda k: functional(k, branches), regression()),
    Setup("subclassed-layer", "Structures", "a subclassed layer registered for serialization",
          registered_layer, regression()),
    Setup("subclassed-model", "Structures", "a subclassed model registered for serialization",
          registered_model, regression(), refusal="subclassed keras.Model (TwoLayerNet) without symbolic inputs"),
    Setup("two-inputs", "Structures", "two named inputs, one output", two_inputs,
          named({"a": 3, "b": 2}, {"target": "regression"})),
    Setup("two-outputs-list", "Structures", "two outputs, a loss list and loss_weights",
          lambda k: two_outputs(k, ["mse", "binary_crossentropy"], [1.0, 0.5]),
          named({"features": FEATURES}, {"amount": "regression", "flag": "binary"})),
    Setup("two-in-two-out-dict", "Structures", "two inputs, two outputs, a loss dict and loss_weights",
          lambda k: two_outputs(k, {"amount": "mse", "flag": "binary_crossentropy"}, {"amount": 0.5, "flag": 1.0},
                                inputs=("left", "right")),
          named({"left": 2, "right": 2}, {"amount": "regression", "flag": "binary"})),
    Setup("custom-train-step", "Structures", "a model overriding train_step", custom_step, regression(),
          refusal="overrides train_step"),
    # Weights
    Setup("sample-weight", "Weights", "sample_weight array in the .npz",
          lambda k: mlp(k, units=CLASSES, output="softmax", loss="sparse_categorical_crossentropy"),
          weighted(labels())),
    Setup("sample-weight-outputs", "Weights", "sample_weight with two outputs",
          lambda k: two_outputs(k, ["mse", "binary_crossentropy"]),
          named({"features": FEATURES}, {"amount": "regression", "flag": "binary"}, weights=True)),
    Setup("class-weight", "Weights", "class weights (--class-weight 0=1.0,1=2.0,2=0.5)",
          lambda k: mlp(k, units=CLASSES, output="softmax", loss="sparse_categorical_crossentropy"),
          labels(), class_weight={0: 1.0, 1: 2.0, 2: 0.5}),
    # Files
    Setup("h5-compiled", "Files", "legacy Keras 2 .h5, compiled",
          lambda k: mlp(k, output="sigmoid", loss="binary_crossentropy"), binary(), suffix=".h5"),
    Setup("h5-uncompiled", "Files", "legacy Keras 2 .h5, uncompiled (--loss, --optimizer, --lr)",
          lambda k: mlp(k, loss=None), regression(), args=FLAGS, suffix=".h5",
          compile=compile_as_flags("mse", "adam", 0.01)),
    Setup("h5-conv", "Files", "legacy Keras 2 .h5 of a functional conv network",
          lambda k: stack(k, CONV, k.layers.Conv2D(3, 3, activation="relu"), k.layers.Flatten()),
          images(CONV), suffix=".h5"),
    Setup("keras-uncompiled", "Files", ".keras, uncompiled (--loss, --optimizer, --lr)",
          lambda k: mlp(k, loss=None), regression(), args=FLAGS, compile=compile_as_flags("mse", "adam", 0.01)),
]
