"""The few Keras internals that have no public equivalent, each guarded, each with its reason.

Everything else in dnndoctor uses the public Keras API (``model.compute_loss``,
``optimizer.learning_rate``, ``get_config``, ``model.inputs``/``outputs``). When a future
Keras renames one of these internals, the fallback keeps the check running, at worst with a
measurement fewer.
"""

from __future__ import annotations

import contextlib
import inspect

from .tf_runtime import import_keras


def compiled_loss(model):
    """``(y, y_pred, sample_weight) -> loss``: the compiled loss without the regularization terms.

    Reason: ``model.compute_loss`` adds ``model.losses``; the constant-prediction yardstick needs
    the compiled loss alone, with Keras' own handling of ranks, dicts and ``loss_weights``.
    """
    loss = getattr(model, "_compile_loss", None)
    if callable(loss):
        return loss

    def without_regularization(y, y_pred, sample_weight=None):  # fallback: subtract what compute_loss adds
        _, keras = import_keras()
        total = compute_loss(model, None, y, y_pred, sample_weight, training=False)
        extra = [keras.ops.sum(v) for v in model.losses]
        return total - keras.ops.sum(keras.ops.stack(extra)) if extra else total

    return without_regularization


def compute_loss(model, x, y, y_pred, sample_weight, *, training: bool):
    """``model.compute_loss``, passing ``training`` only to overrides that accept it (Keras < 3.3 style)."""
    if "training" in inspect.signature(model.compute_loss).parameters:
        return model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)
    return model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)


def layer_parents(layer) -> list:
    """The layers whose outputs feed ``layer`` in a functional graph ([] when unknown).

    Reason: Keras exposes no public graph walk; ``_inbound_nodes`` is how its own ``Functional``
    and ``clone_model`` walk it.
    """
    parents = []
    for node in getattr(layer, "_inbound_nodes", None) or []:
        for tensor in getattr(node, "input_tensors", None) or []:
            history = getattr(tensor, "_keras_history", None)
            operation = getattr(history, "operation", None)
            if operation is not None and operation not in parents:
                parents.append(operation)
    return parents


def safe_mode_scope(safe: bool):
    """A scope for every Keras deserialization: loading, and cloning in the probes.

    Reason: ``keras.config.enable_unsafe_deserialization`` is process-wide and cannot be undone;
    the scope confines ``--unsafe-load`` to the check that asked for it.
    """
    import_keras()
    try:
        from keras.src.saving.serialization_lib import SafeModeScope
    except ImportError:  # moved in some Keras: safe mode stays at its default (on)
        return contextlib.nullcontext()
    return SafeModeScope(safe)


def seed_generators(model) -> list[tuple[object, int | None]]:
    """Every ``SeedGenerator`` of the model's layers (Dropout's, GaussianNoise's...), with the seed
    the user gave it (None when Keras drew one).

    Reason: a probe run restarts these streams from its own seed, so that its dropout masks do not
    depend on the runs before it; Keras exposes neither the generators nor their initial seeds.
    Fallback: none found, and masks then follow the order the runs ran in.
    """
    layers = getattr(model, "_flatten_layers", None)
    if not callable(layers):
        return []
    return [(g, getattr(g, "_initial_seed", None)) for layer in layers()
            for g in getattr(layer, "_seed_generators", []) if hasattr(g, "state")]

