"""The Rule class and the loss statistics that rules share. Pure: no TensorFlow, no I/O."""

from __future__ import annotations

import inspect
import math
import re
from typing import ClassVar

import numpy as np

from ..findings import CATEGORIES, Finding, Fix, Severity
from ..measurements import Measurements, ProbeRun

DOC_SECTIONS = ("What it does", "Why is this bad?", "Measured", "Fix")
_METADATA = ("id", "name", "category", "severity", "needs")


class Rule:
    """A check of the measurements. Subclasses set the metadata and implement ``check``.

    The class docstring is the rule's documentation, with the sections of ``DOC_SECTIONS``.
    """

    id: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[str]
    severity: ClassVar[Severity]
    needs: ClassVar[tuple[str, ...]] = ()  # probe variants the rule cannot judge without

    def __init__(self, **thresholds: float) -> None:
        """A rule whose thresholds (see ``thresholds()``) are overridden for this instance."""
        known = self.thresholds()
        for key, value in thresholds.items():
            if key not in known:
                raise TypeError(f"{self.id} {self.name} has no threshold {key!r} "
                                f"(it has {', '.join(known) or 'none'})")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{self.id} threshold {key!r} must be a number, not {value!r}")
            setattr(self, key, value)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if not re.fullmatch(r"DD\d{3}", cls.id):
            raise TypeError(f"{cls.__name__}: rule id {cls.id!r} is not DDnnn")
        if not re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", cls.name):
            raise TypeError(f"{cls.__name__}: rule name {cls.name!r} is not kebab-case")
        if cls.category not in CATEGORIES:
            raise TypeError(f"{cls.__name__}: unknown category {cls.category!r}")
        doc = inspect.getdoc(cls) or ""
        missing = [s for s in DOC_SECTIONS if f"{s}\n" not in doc]
        if missing:
            raise TypeError(f"{cls.__name__}: docstring lacks sections {missing}")

    @classmethod
    def summary(cls) -> str:
        """The first line of the documentation."""
        return (inspect.getdoc(cls) or "").splitlines()[0]

    @classmethod
    def documentation(cls) -> str:
        return inspect.getdoc(cls) or ""

    @classmethod
    def thresholds(cls) -> dict[str, float]:
        """The tunable thresholds, in declaration order: public numeric class attributes."""
        found: dict[str, float] = {}
        for klass in reversed(cls.__mro__):
            for key, value in vars(klass).items():
                if (not key.startswith("_") and key not in _METADATA and isinstance(value, (int, float))
                        and not isinstance(value, bool)):
                    found[key] = value
        return found

    def skip_reason(self, m: Measurements) -> str | None:
        """Why the rule cannot judge these measurements, or None when it can."""
        missing = [v for v in self.needs if not m.runs_of(v)]
        if not missing:
            return None
        return f"needs the {', '.join(missing)} probe{'s' * (len(missing) > 1)}, which did not run"

    def check(self, m: Measurements) -> list[Finding]:
        raise NotImplementedError

    def finding(self, message: str, evidence: dict, *, severity: Severity | None = None,
                layers: list[str] | None = None, fixes: list[Fix] | None = None,
                seeds: str | None = None, rank: float = 0.0) -> Finding:
        """A finding of this rule, carrying its metadata."""
        return Finding(id=self.id, name=self.name, category=self.category,
                       severity=severity or self.severity, message=message, evidence=evidence,
                       layers=layers or [], fixes=fixes or [], seeds=seeds, rank=rank)


# -- loss statistics shared by rules ----------------------------------------------------------

def final_loss(run: ProbeRun, total_steps: int) -> float:
    """Loss on the fixed probe batch after the last step; inf if the run went non-finite."""
    losses = np.asarray(run.losses, dtype=float)
    if len(losses) < total_steps or not np.all(np.isfinite(losses)) or not run.eval_losses:
        return math.inf
    last = run.eval_losses[-1]
    return float(last) if last is not None and math.isfinite(last) else math.inf


def relative_final(m: Measurements, run: ProbeRun) -> float:
    """Final loss as a fraction of the trivial baseline (1.0: no better than a constant)."""
    variant = m.variant(run.variant)
    baseline = variant.baseline_loss if variant is not None and variant.baseline_loss else m.baseline_loss
    return final_loss(run, m.budget.steps) / max(baseline, 1e-12)


def initial_loss(run: ProbeRun) -> float:
    """Mean loss over the first steps of the probe."""
    head = np.asarray(run.losses[: max(1, min(10, len(run.losses)))], dtype=float)
    return float(np.mean(head)) if np.all(np.isfinite(head)) else math.inf


def first_nonfinite_step(run: ProbeRun) -> int | None:
    losses = np.asarray(run.losses, dtype=float)
    bad = np.flatnonzero(~np.isfinite(losses))
    return int(bad[0]) if bad.size else None


def lr_text(m: Measurements, scale: float) -> str:
    """The learning rate times ``scale``, or the scale itself when the rate is a schedule."""
    lr = m.model.learning_rate
    return f"{lr * scale:.3g}" if lr else f"{scale:g} × the current rate"


def lr_change(m: Measurements, scale: float) -> str:
    """Keras code that recompiles with the learning rate scaled."""
    if not m.model.learning_rate:
        return f"# multiply the schedule's initial_learning_rate by {scale:g}, then recompile"
    return (f"model.compile(optimizer=keras.optimizers.{m.model.optimizer}(learning_rate={lr_text(m, scale)}), "
            f"loss={m.model.loss!r})")


def by_seed(m: Measurements, variant: str) -> dict[int, ProbeRun]:
    return {r.seed: r for r in m.runs_of(variant)}


def seeds_phrase(count: int, total: int) -> str:
    return f"{count}/{total} seeds"


def majority(count: int, total: int) -> bool:
    return total > 0 and count * 2 > total


def fmt(value: float) -> str:
    """A loss or ratio for messages: three significant digits, inf spelled out."""
    if value is None or not math.isfinite(value):
        return "non-finite"
    return f"{value:.3g}"


def variant_effect(m: Measurements, variant: str, seeds: list[int]) -> tuple[list[float], list[float]]:
    """Relative final losses of the baseline and of ``variant`` on the given seeds."""
    base, other = by_seed(m, "baseline"), by_seed(m, variant)
    pairs = [(relative_final(m, base[s]), relative_final(m, other[s])) for s in seeds if s in base and s in other]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def measured_fix(m: Measurements, variant: str, summary: str, code: str, seeds: list[int],
                 *, factor: float = 2.0) -> Fix:
    """A fix backed by the probe of edit ``variant`` at the same budget and seeds.

    It counts as verified when the variant's final loss beats the baseline's by ``factor`` in a
    majority of the seeds; the effect text gives the median losses relative to the baseline.
    Before that probe ran, the fix is unverified and names the edit, so that the verification
    phase probes it.
    """
    if variant in m.engine.get("inapplicable", ()):
        return Fix(summary=summary, code=code, variant=variant, effect="does not apply to this model")
    before, after = variant_effect(m, variant, seeds)
    if not before:
        return Fix(summary=summary, code=code, variant=variant)
    wins = sum(math.isfinite(a) and a * factor <= b for b, a in zip(before, after))
    steps = m.budget.steps
    effect = (f"relative loss {fmt(float(np.median(before)))} → {fmt(float(np.median(after)))} "
              f"at {steps} steps; better in {seeds_phrase(wins, len(before))}")
    return Fix(summary=summary, code=code, variant=variant, effect=effect, verified=majority(wins, len(before)))


def clip_fix(m: Measurements, seeds: list[int]) -> Fix:
    """Gradient clipping, backed by the probe of the clipnorm edit."""
    return measured_fix(m, "clipnorm", "clip the gradient norm", "optimizer = ...(clipnorm=1.0)", seeds)


def probed(fix: Fix) -> bool:
    """Whether the fix's edit was probed (it then carries a measured effect)."""
    return fix.effect is not None


def refuted(fixes: list[Fix]) -> bool:
    """Every probe-backed fix was probed and none helped: the hypothesis behind them fails."""
    backed = [f for f in fixes if f.variant]
    return bool(backed) and all(probed(f) for f in backed) and not any(f.verified for f in backed)


def impaired(m: Measurements, floor: float = 0.01) -> list[int]:
    """Seeds whose run of the user's setup ends above ``floor`` × the trivial baseline loss."""
    return [r.seed for r in m.runs_of("baseline") if relative_final(m, r) > floor]


def fix_gain(fix: Fix | None, m: Measurements, seeds: list[int]) -> float:
    """log10 of the median improvement a measured fix brought (0 when none), for ranking."""
    if fix is None or fix.variant is None or not fix.verified:
        return 0.0
    before, after = variant_effect(m, fix.variant, seeds)
    ratios = [math.log10(max(b, 1e-12) / max(a, 1e-12)) if math.isfinite(a) else 0.0
              for b, a in zip(before, after) if math.isfinite(b) or math.isfinite(a)]
    return float(np.median([min(r, 12.0) if math.isfinite(r) else 12.0 for r in ratios])) if ratios else 0.0


def settle(finding: Finding, m: Measurements) -> Finding:
    """Drop the fixes whose probe showed no help (listed in the evidence instead), order the
    rest verified first, and rank the finding by its best verified fix's measured gain."""
    seeds = [r.seed for r in m.runs_of("baseline")]
    failed = [f for f in finding.fixes if probed(f) and not f.verified]
    if failed:
        finding.evidence["fixes_that_did_not_help"] = [f"{f.summary}: {f.effect}" for f in failed]
    finding.fixes = sorted((f for f in finding.fixes if f not in failed),
                           key=lambda f: (not f.verified, -fix_gain(f, m, seeds)))
    finding.rank = max([finding.rank, *(fix_gain(f, m, seeds) for f in finding.fixes)])
    return finding


def importance(finding: Finding) -> tuple:
    """Sort key, most important first: measured gain of the best fix (in half decades), then
    severity, then id."""
    return (-round(finding.rank * 2) / 2, -finding.severity, finding.id)


FITS = 0.01


def stalled(run: ProbeRun) -> bool:
    """Whether the probe-batch loss fell by less than 30 % over the second half of the probe."""
    evals = run.eval_losses
    if len(evals) < 3 or evals[-1] is None or not evals[len(evals) // 2]:
        return False
    return not evals[-1] < 0.7 * evals[len(evals) // 2]


def fit_status(m: Measurements) -> tuple[str | None, float | None]:
    """How the user's setup ends the probe: fits, descending, stalled or diverges (median seed)."""
    runs = m.runs_of("baseline")
    if not runs:
        return None, None
    rel = float(np.median([relative_final(m, r) for r in runs]))
    if not math.isfinite(rel):
        return "diverges", None
    if rel <= FITS:
        return "fits", rel
    falling = sum(not stalled(r) for r in runs)
    return ("descending" if majority(falling, len(runs)) else "stalled"), rel
