"""Training accuracy of a classifier on the probe batch: the metric a classifier's fit is judged by.

A cross-entropy's relative loss measures confidence as well as correctness: a classifier that
labels every training row right can still sit at 0.1-0.2× a constant prediction's loss, as
model.fit leaves breast-cancer or text classifiers. The rules read "already trains well" off the
accuracy where there is one.

Defined for a single output whose compiled loss is a cross-entropy (binary, categorical or
sparse) on hard labels: 0/1 targets, one-hot rows, or integer class ids. Per element for
multi-label and per-token outputs. NaN elsewhere (regression, soft targets, several outputs).
"""

from __future__ import annotations

from ..lossinfo import LossSpec, describe_loss, output_losses

CLASSIFIER_KINDS = ("binary", "categorical", "sparse_categorical")


def classifier_loss(model) -> LossSpec | None:
    """The loss spec of a single-output classifier, or None when accuracy is not defined for it."""
    found = output_losses(model)
    if len(found) != 1 or len(getattr(model, "outputs", None) or [None]) != 1:
        return None
    spec = describe_loss(found[0][2])
    return spec if spec.kind in CLASSIFIER_KINDS else None


def accuracy_graph(tf, spec: LossSpec | None, y_true, y_pred):
    """Fraction of targets ``y_pred`` classifies right (a float32 scalar), NaN when the targets are not
    hard labels or their shape does not match the prediction's."""
    nan = tf.constant(float("nan"))
    if spec is None or isinstance(y_pred, (list, tuple, dict)) or isinstance(y_true, (list, tuple, dict)):
        return nan
    truth, pred = tf.cast(y_true, tf.float32), tf.cast(y_pred, tf.float32)
    if spec.kind == "sparse_categorical":
        classes = pred.shape[:-1]
        if truth.shape.num_elements() != classes.num_elements():
            return nan
        truth = tf.reshape(truth, tf.shape(pred)[:-1])
        hard = tf.reduce_all(tf.equal(truth, tf.round(truth)))
        hits = tf.equal(tf.argmax(pred, axis=-1), tf.cast(truth, tf.int64))
    elif spec.kind == "categorical":
        if truth.shape != pred.shape:
            return nan
        binary = tf.reduce_all(tf.logical_or(tf.equal(truth, 0.0), tf.equal(truth, 1.0)))
        hard = tf.logical_and(binary, tf.reduce_all(tf.equal(tf.reduce_sum(truth, axis=-1), 1.0)))
        hits = tf.equal(tf.argmax(pred, axis=-1), tf.argmax(truth, axis=-1))
    else:
        if truth.shape.num_elements() != pred.shape.num_elements():
            return nan
        truth = tf.reshape(truth, tf.shape(pred))
        hard = tf.reduce_all(tf.logical_or(tf.equal(truth, 0.0), tf.equal(truth, 1.0)))
        hits = tf.equal(pred > (0.0 if spec.from_logits else 0.5), truth > 0.5)
    return tf.where(hard, tf.reduce_mean(tf.cast(hits, tf.float32)), nan)
