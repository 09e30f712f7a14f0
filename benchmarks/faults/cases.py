"""The healthy base models, the mutations that inject one fault each, and the labelled cases.

A model is described by a ``Spec``: data set, architecture, initialization, output, loss,
optimizer and the scaling of inputs and targets. A mutation is a pure function from the healthy
``Spec`` to a faulty one, in the manner of DeepCrime: one change, with the category of the
doctor's vocabulary that names it. A ``Case`` pairs a base with a mutation (or none, for the
control). Every case is deterministic: the data are generated with fixed seeds and the models
are built after ``keras.utils.set_random_seed``.

Labelling decisions:

* Huge initialization (kernels drawn from RandomNormal(stddev=10)) is labelled
  bad-initialization. In ReLU networks the symptom measured is an output and a loss at
  initialization orders of magnitude above what a well-scaled model starts at; nothing
  saturates (no sigmoid/tanh hidden units) and the gradients are large from the first step
  rather than growing, so neither saturated-activations nor exploding-gradients describes it.
  The cause, and the edit that cures it, is the initializer.
* Dying ReLU is injected as a bias initializer of -10 on the ReLU layers: every unit outputs
  zero for every sample from the first step and receives no gradient (dead-units).
* Raw targets are the control's targets ×1000. Under the linear output of the regression MLP
  this is a huge target scale; under the sigmoid output of ``friedman_bounded`` (targets in
  [0, 1]) the targets leave the output's range. Both are unscaled-targets.
* The output–loss mismatches are: softmax on one unit, probabilities fed to a
  ``from_logits=True`` loss, logits (a linear output) fed to a probability loss, MSE on
  one-hot class labels, and a sigmoid output with MSE on standardized (negative) targets.
  Some of them do not hurt under Keras 3 with TensorFlow, whose cross-entropies take the
  logits from under a sigmoid or softmax output whatever ``from_logits`` says; validation
  drops those (see validated.json).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Spec:
    """Everything that defines one model, its training setup and its data."""

    dataset: str  # digits, digits_images, friedman, friedman_unit, moons (see build.DATASETS)
    arch: str  # mlp or cnn
    hidden: tuple[int, ...]  # units (mlp) or filters (cnn) of the hidden layers
    output_units: int
    output_activation: str
    loss: str  # mse, binary_crossentropy, sparse_categorical_crossentropy, categorical_crossentropy
    learning_rate: float
    epochs: int  # model.fit epochs of the validation, chosen so that the control converges
    activation: str = "relu"
    kernel_init: str = "default"  # default (Keras' glorot_uniform), zeros or huge (RandomNormal(stddev=10))
    bias_init: float = 0.0  # hidden layers only
    from_logits: bool = False
    x_scale: float = 1.0
    y_scale: float = 1.0
    one_hot: bool = False  # sparse labels turned into one-hot rows

    @property
    def classifier(self) -> bool:
        return self.loss != "mse" or self.one_hot


# The healthy models. Each learning rate is the best of {1e-3, 3e-3, 1e-2, 3e-2} for model.fit
# at the validation budget (lowest final training loss, median of 3 seeds; reproduce with
# `python -m benchmarks.faults.validate --sweep`). Epochs give every control about 1,100-1,300
# steps of batch 32, 3× the doctor's default probe of 400 steps.
BASES: dict[str, Spec] = {
    # load_digits flattened and standardized: 64 -> 32 -> 16 -> 10 softmax (2,778 parameters)
    "digits_mlp": Spec("digits", "mlp", (32, 16), 10, "softmax", "sparse_categorical_crossentropy",
                       learning_rate=1e-2, epochs=20),
    # load_digits as 8×8×1 images in [0, 1]: conv 8 -> pool -> conv 16 -> pool -> 10 softmax (1,898)
    "digits_cnn": Spec("digits_images", "cnn", (8, 16), 10, "softmax", "sparse_categorical_crossentropy",
                       learning_rate=1e-2, epochs=20),
    # make_friedman1 without noise, inputs and targets standardized: 10 -> 32 -> 32 -> 1 (1,441)
    "friedman_mlp": Spec("friedman", "mlp", (32, 32), 1, "linear", "mse", learning_rate=3e-3, epochs=40),
    # the same function with targets min-max scaled to [0, 1] under a sigmoid output (1,441)
    "friedman_bounded": Spec("friedman_unit", "mlp", (32, 32), 1, "sigmoid", "mse", learning_rate=3e-3,
                             epochs=40),
    # make_moons, inputs standardized: 2 -> 16 -> 16 -> 1 sigmoid, binary cross-entropy (337)
    "moons_mlp": Spec("moons", "mlp", (16, 16), 1, "sigmoid", "binary_crossentropy", learning_rate=3e-2,
                      epochs=40),
}


@dataclass(frozen=True)
class Mutation:
    name: str
    label: str
    description: str
    apply: Callable[[Spec], Spec]


def _replace(**changes) -> Callable[[Spec], Spec]:
    return lambda spec: dataclasses.replace(spec, **changes)


MUTATIONS: dict[str, Mutation] = {m.name: m for m in (
    Mutation("lr_x100", "learning-rate-too-high", "learning rate ×100",
             lambda s: dataclasses.replace(s, learning_rate=s.learning_rate * 100)),
    Mutation("lr_div1000", "learning-rate-too-low", "learning rate ÷1000",
             lambda s: dataclasses.replace(s, learning_rate=s.learning_rate / 1000)),
    Mutation("zero_init", "bad-initialization", "every kernel initialized to zeros", _replace(kernel_init="zeros")),
    Mutation("huge_init", "bad-initialization", "every kernel drawn from RandomNormal(stddev=10)",
             _replace(kernel_init="huge")),
    Mutation("sigmoid_stack", "vanishing-gradients", "8 sigmoid hidden layers of 16 units",
             _replace(hidden=(16,) * 8, activation="sigmoid")),
    Mutation("dying_relu", "dead-units", "bias initializer -10 on the ReLU hidden layers", _replace(bias_init=-10.0)),
    Mutation("tiny_width", "under-capacity", "2 units (filters) in every hidden layer",
             lambda s: dataclasses.replace(s, hidden=(2,) * len(s.hidden))),
    Mutation("inputs_x255", "unscaled-inputs", "inputs ×255, no scaling", _replace(x_scale=255.0)),
    Mutation("targets_x1000", "unscaled-targets", "targets ×1000, output unchanged", _replace(y_scale=1000.0)),
    Mutation("softmax_one_unit", "output-loss-mismatch", "softmax on the single output unit",
             _replace(output_activation="softmax")),
    Mutation("probabilities_as_logits", "output-loss-mismatch",
             "probability output (softmax/sigmoid) with a from_logits=True loss", _replace(from_logits=True)),
    Mutation("logits_as_probabilities", "output-loss-mismatch",
             "linear output with a probability loss (from_logits=False)", _replace(output_activation="linear")),
    Mutation("mse_on_one_hot", "output-loss-mismatch", "MSE on one-hot class labels (softmax output)",
             _replace(loss="mse", one_hot=True)),
    Mutation("bounded_output", "output-loss-mismatch", "sigmoid output with MSE on standardized targets",
             _replace(output_activation="sigmoid")),
)}

COMMON = ("lr_x100", "lr_div1000", "zero_init", "huge_init", "dying_relu", "tiny_width", "inputs_x255")

# The mutations applied to each base. friedman_bounded is the control of the bounded-output
# target scale only; its other mutations would repeat friedman_mlp's. The CNN gets no sigmoid
# stack (the stack is of dense layers).
APPLIED: dict[str, tuple[str, ...]] = {
    "digits_mlp": (*COMMON, "sigmoid_stack", "logits_as_probabilities", "mse_on_one_hot"),
    "digits_cnn": (*COMMON, "probabilities_as_logits"),
    "friedman_mlp": (*COMMON, "sigmoid_stack", "targets_x1000", "bounded_output"),
    "friedman_bounded": ("targets_x1000",),
    "moons_mlp": (*COMMON, "sigmoid_stack", "softmax_one_unit", "probabilities_as_logits",
                  "logits_as_probabilities"),
}


@dataclass(frozen=True)
class Case:
    """One benchmark case: a base model, mutated or not, with its ground-truth label."""

    name: str
    base: str
    mutation: str | None
    label: str | None  # None: a healthy control
    description: str
    spec: Spec = field(repr=False)

    @property
    def control(self) -> bool:
        return self.label is None


def _cases() -> tuple[Case, ...]:
    cases = []
    for base, spec in BASES.items():
        cases.append(Case(f"{base}.control", base, None, None, "the healthy original", spec))
        for name in APPLIED[base]:
            mutation = MUTATIONS[name]
            cases.append(Case(f"{base}.{name}", base, name, mutation.label, mutation.description,
                              mutation.apply(spec)))
    return tuple(cases)


CASES: tuple[Case, ...] = _cases()


def case_by_name(name: str) -> Case:
    for case in CASES:
        if case.name == name:
            return case
    raise KeyError(f"no case {name!r}; cases: {', '.join(c.name for c in CASES)}")
