"""The Python API: diagnose a saved model and data file, or an in-memory model and arrays."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from .datasets import is_dataset, sample_dataset
from .findings import Diagnosis
from .loading import keras_safe_mode, load_subject, prepare_subject
from .lossinfo import output_names
from .options import CheckOptions, time_limit
from .loading import Subject
from .probes.deadline import Deadline
from .probes.plan import Progress, Prober, _silent
from .tf_runtime import import_keras
from .rules import judge, select_rules


def check_files(model_path: str | Path, data_path: str | Path, options: CheckOptions | None = None,
                progress: Progress = _silent) -> Diagnosis:
    """Load ``model_path`` and ``data_path``, probe the model and judge what was measured."""
    options = options or CheckOptions()
    import_keras()  # TensorFlow's start-up is not part of the time budget
    started = time.perf_counter()
    deadline = Deadline(time_limit(options))
    with keras_safe_mode(not options.unsafe_load):  # the probes clone the model: deserialization again
        subject = load_subject(model_path, data_path, options)
        loaded = time.perf_counter() - started
        diagnosis = examine(subject, options, progress, deadline)
    diagnosis.measurements.timings["load"] = round(loaded, 3)
    return diagnosis


def diagnose(model, x, y=None, *, x_val=None, y_val=None, sample_weight=None, progress: Progress = _silent,
             **options) -> Diagnosis:
    """Diagnose an in-memory Keras model; keyword options as CheckOptions.

    The data is what ``model.fit`` takes: arrays ``x`` and ``y`` (dicts of arrays for several
    inputs or outputs) with an optional ``sample_weight``, or, in place of ``x`` and with no
    ``y``, a finite ``tf.data.Dataset`` or Keras ``PyDataset`` of ``(x, y)`` or
    ``(x, y, sample_weight)`` batches, read once and sampled as the CLI samples arrays.
    The model is never trained itself: probes train fresh clones.
    """
    known = {f.name for f in dataclasses.fields(CheckOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"unknown options {unknown}; choose from {sorted(known)}")
    opts = CheckOptions(**options)
    deadline = Deadline(time_limit(opts))
    sampled = None
    if y is None:
        if not is_dataset(x):
            raise TypeError("diagnose needs targets y, or a tf.data.Dataset or PyDataset of (x, y) batches as x")
        sampled = sample_dataset(x, max_rows=opts.max_rows, max_bytes=int(opts.max_data_mb * 2**20),
                                 seed=opts.seeds[0])
        x, y = by_name([t.name for t in model.inputs], sampled.x), by_name(output_names(model), sampled.y)
        sample_weight = sampled.sample_weight
    subject = prepare_subject(model, _array(x), _array(y), x_val, y_val, opts, sample_weight=sample_weight)
    if sampled is not None and sampled.kept < sampled.rows:
        subject.data.rows, subject.data.sampled_rows, subject.data.sample_seed = sampled.rows, sampled.kept, \
            opts.seeds[0]
    with keras_safe_mode(not opts.unsafe_load):
        return examine(subject, opts, progress, deadline)


def _array(data):
    """A NumPy array, or a dict of them, from what ``model.fit`` accepts."""
    return {k: np.asarray(v) for k, v in data.items()} if isinstance(data, dict) else np.asarray(data)


def by_name(names: list[str], data):
    """A list or tuple of arrays, one per model input or output, as a dict keyed by their names."""
    if isinstance(data, (list, tuple)) and len(names) > 1:
        return dict(zip(names, data))
    return data


VERIFICATION_ROUNDS = 2  # rounds of probing the fixes that judgements propose


def examine(subject: Subject, options: CheckOptions, progress: Progress = _silent,
            deadline: Deadline | None = None) -> Diagnosis:
    """Probe, judge, then verify the fixes the findings propose and judge again.

    Rules are pure, so the second judgement repeats the first with each proposed fix now
    backed by a probe of its edit at the same budget and seeds. A fix whose edit raced on other
    seeds than its finding's gets further seeds while the budget allows, and a third judgement.
    When that judgement proposes edits not probed yet (a residual rule speaks once the findings
    that silenced it were refuted), they get a second round; each round probes up to ``max_fixes``.
    """
    prober = Prober(subject, options, progress, deadline)
    prober.diagnostic()
    options = prober.options  # the deadline may have cut seeds
    diagnosis = judge_with(prober.measurements(), options)
    cap = options.max_fixes if options.counterfactuals else 0
    for _ in range(VERIFICATION_ROUNDS):
        wanted = list(dict.fromkeys(proposed_edits(diagnosis, {v.name for v in prober.variants})))[:cap]
        if not wanted:
            break
        prober.probe_edits(wanted)
        diagnosis = judge_with(prober.measurements(), options)  # also when the budget cut them: it says so
        unread = unread_fixes(diagnosis, {v.name for v in prober.variants})
        if unread:
            prober.add_seeds(unread)
            diagnosis = judge_with(prober.measurements(), options)
    if options.fix_out is not None:
        from .probes.fixout import write_fixed_model

        diagnosis.fixed_model = write_fixed_model(prober, diagnosis, Path(options.fix_out))
    return diagnosis


def proposed_edits(diagnosis: Diagnosis, probed: set[str]) -> list[str]:
    """Unprobed edits the findings propose: every finding's first, then every finding's second,
    and so on, so that each finding gets a probe before any gets two."""
    queues = [[f.variant for f in finding.fixes if f.variant and f.variant not in probed]
              for finding in diagnosis.findings]
    depth = max((len(q) for q in queues), default=0)
    return [q[i] for i in range(depth) for q in queues if i < len(q)]


def unread_fixes(diagnosis: Diagnosis, probed: set[str]) -> list[str]:
    """Probed edits that a finding's fix still reads as unprobed: the race ran them on none of the
    seeds that the finding concerns."""
    return list(dict.fromkeys(fix.variant for finding in diagnosis.findings for fix in finding.fixes
                              if fix.variant in probed and not fix.probed))


def judge_with(measurements, options: CheckOptions) -> Diagnosis:
    """Judge measurements with the rules and thresholds the options select."""
    return judge(measurements, select_rules(options.select, options.ignore), options.thresholds)
