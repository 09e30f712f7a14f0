"""The Rule class and the options a rule declares. Pure: no TensorFlow, no I/O."""

from __future__ import annotations

import inspect
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import OptionError
from ..findings import CATEGORIES, Finding, Fix, Severity
from ..measurements import Measurements
from ..runstats import FITS, SEED_NOISE, STILL_FALLING
from .fixes import VERIFIED_GAIN

DOC_SECTIONS = ("What it does", "Why is this bad?", "Measured", "Fix")
# Constants of the shared machinery that every rule docstring may quote as {NAME}.
DOC_CONSTANTS = {"FITS": FITS, "SEED_NOISE": SEED_NOISE, "STILL_FALLING": STILL_FALLING, "VERIFIED_GAIN": VERIFIED_GAIN}


@dataclass(frozen=True)
class Option:
    """A threshold a rule declares; users override it in ``[tool.dnndoctor.rules.ID]``.

    ``bounds`` is the inclusive range of valid values (``math.inf`` for no upper bound).
    """

    name: str
    type: type  # int or float
    default: float
    bounds: tuple[float, float]
    description: str

    def __post_init__(self) -> None:
        if self.type not in (int, float) or not re.fullmatch(r"[a-z][a-z_]*", self.name):
            raise TypeError(f"option {self.name!r}: a lower-case name and the type int or float")
        if self.accepts(self.default) is None:
            raise TypeError(f"option {self.name!r}: default {self.default!r} is not {self.expected}")

    @property
    def expected(self) -> str:
        """What a valid value is, in words."""
        kind = "an integer" if self.type is int else "a number"
        low, high = self.bounds
        return f"{kind} of at least {low:g}" if high == math.inf else f"{kind} from {low:g} to {high:g}"

    def accepts(self, value: Any) -> float | None:
        """``value`` as this option's type when valid, else None."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if self.type is int and value != int(value):
            return None
        low, high = self.bounds
        return self.type(value) if low <= value <= high else None


def fit_floor(default: float) -> Option:
    """The option ``floor`` that many rules share: the relative final loss above which a run has not fit."""
    return Option("floor", float, default, (0, 1), "relative final loss above which a run has not fit")


def classifies_well(default: float = 0.95) -> Option:
    """The option ``classifies_well`` of the rules that call a setup slow or small: the median final
    probe-batch accuracy from which a classifier already trains well, whatever its loss. The faults of
    the dev split that such rules must report end at 0.10-0.86; healthy dev classifiers at 0.94 or more."""
    return Option("classifies_well", float, default, (0, 1), "median final probe-batch accuracy from which a "
                                                             "classifier already trains well")


def trains_well(default: float = 0.1) -> Option:
    """The option ``trains_well`` of the rules that call a setup slow or small: the median relative
    final loss at or below which the setup already trains well, the criterion by which model.fit
    calls a benchmark control healthy. The dev faults such rules must report end at 0.18 or more."""
    return Option("trains_well", float, default, (0, 1), "median relative final loss at or below which the "
                                                         "setup already trains well")


def classified_well(accuracy: float | None, threshold: float) -> bool:
    """Whether a classifier's median accuracy (None: not a classifier) reaches ``threshold`` or lies
    within seed noise below it: an error rate at most ``SEED_NOISE`` decades above ``1 - threshold``
    (error rates span decades, as losses do). The rules that call a setup slow or small give a
    classifier that close to labelling its rows right the benefit of the doubt: advice, not a warning."""
    if accuracy is None:
        return False
    return accuracy >= threshold or (1 - accuracy) <= (1 - threshold) * 10 ** SEED_NOISE


def labelled_right(accuracy: float | None, threshold: float) -> str:
    """The sentence a finding adds when a classifier's accuracy made it advice, else nothing."""
    if not classified_well(accuracy, threshold):
        return ""
    near = "" if accuracy >= threshold else f", within seed noise of {threshold:.0%}"
    return f" The classifier already labels {accuracy:.1%} of the probe batch's training rows right{near}."


def already_trains_well(reached: float, accuracy: float | None, trains_well_at: float, classifies_well_at: float
                        ) -> str | None:
    """The sentence that makes a rule calling a setup small or held back give advice (info), or None:
    when its median relative loss ``reached`` is at or below ``trains_well_at``, or it is a classifier
    that labels its rows right (``classified_well``)."""
    if reached <= trains_well_at:
        return f" At or below {trains_well_at:g}× the model already trains well."
    return labelled_right(accuracy, classifies_well_at) or None


class Rule:
    """A check of the measurements. Subclasses set the metadata and implement ``check``.

    The class docstring is the rule's documentation, with the sections of ``DOC_SECTIONS``;
    it quotes an option's default as ``{name}`` and a named constant (of ``DOC_CONSTANTS`` or of
    the rule's module) as ``{NAME}``, with a format spec such as ``{dead:.0%}``, so the prose shows
    the declared values. ``severities`` lists every
    severity the rule may emit; ``severity`` is the one its findings get unless the rule says.
    Severity follows impairment: when the user's setup fits within the probe budget, the judge
    caps a finding at info unless the rule sets ``capped_when_fit = False`` (its harm is not the
    training loss). A ``residual`` rule speaks only when no other rule has a warning or error.
    A rule whose finding may follow from a root cause in another category lists those categories
    in ``consequence_of``; the judge then reports it at info, below the root cause, when the root
    cause's verified fix does as well as its own.
    """

    id: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[str]
    severity: ClassVar[Severity]
    severities: ClassVar[tuple[Severity, ...]] = ()  # default: (severity,); info added when capped_when_fit
    capped_when_fit: ClassVar[bool] = True  # severity follows impairment: at most info when the setup fits
    residual: ClassVar[bool] = False  # judged only when no other rule has a warning or error
    # Categories of a root cause this finding can follow from: when a finding of one of them has a
    # verified fix that ends as low as this finding's best (within seed noise), this one is its
    # consequence, reported at info below it.
    consequence_of: ClassVar[tuple[str, ...]] = ()
    needs: ClassVar[tuple[str, ...]] = ()  # probe variants the rule cannot judge without
    options: ClassVar[tuple[Option, ...]] = ()

    def __init__(self, **overrides: Any) -> None:
        """A rule whose options are the declared defaults, with ``overrides`` validated and applied."""
        for key, value in self.resolve_options(overrides).items():
            setattr(self, key, value)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if not re.fullmatch(r"DD\d{3}", cls.id):
            raise TypeError(f"{cls.__name__}: rule id {cls.id!r} is not DDnnn")
        if not re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", cls.name):
            raise TypeError(f"{cls.__name__}: rule name {cls.name!r} is not kebab-case")
        if cls.category not in CATEGORIES:
            raise TypeError(f"{cls.__name__}: unknown category {cls.category!r}")
        unknown = [c for c in cls.consequence_of if c not in CATEGORIES]
        if unknown:
            raise TypeError(f"{cls.__name__}: unknown category {unknown[0]!r} in consequence_of")
        capped = {Severity.INFO} if cls.capped_when_fit or cls.consequence_of else set()
        cls.severities = tuple(sorted(set(cls.severities or (cls.severity,)) | capped))
        if cls.severity not in cls.severities:
            raise TypeError(f"{cls.__name__}: severity {cls.severity.label} is not among its severities")
        names = [option.name for option in cls.options]
        clashes = [n for n in names if hasattr(Rule, n) or n in vars(cls)] + [n for n in names if names.count(n) > 1]
        if clashes:
            raise TypeError(f"{cls.__name__}: option name {clashes[0]!r} is taken")
        doc = inspect.getdoc(cls) or ""
        missing = [s for s in DOC_SECTIONS if f"{s}\n" not in doc]
        if missing:
            raise TypeError(f"{cls.__name__}: docstring lacks sections {missing}")
        cls.documentation()  # every {placeholder} must name an option or a constant

    @classmethod
    def resolve_options(cls, overrides: Mapping[str, Any] | None = None, *,
                        where: tuple[str, ...] | None = None) -> dict[str, float]:
        """Every option's value: the default, or the override validated against its declaration.

        Raises OptionError naming ``(*where, option)`` (``where`` defaults to the rule id) for an
        unknown option or a value of the wrong type or out of range.
        """
        where = where or (cls.id,)
        declared = {option.name: option for option in cls.options}
        values = {name: option.default for name, option in declared.items()}
        for key, value in (overrides or {}).items():
            option = declared.get(key)
            if option is None:
                known = ", ".join(declared) or "none"
                raise OptionError((*where, key), f"an option of {cls.id} {cls.name} ({known})", value)
            accepted = option.accepts(value)
            if accepted is None:
                raise OptionError((*where, key), option.expected, value)
            values[key] = accepted
        return values

    @classmethod
    def summary(cls) -> str:
        """The first line of the documentation."""
        return cls.documentation().splitlines()[0]

    @classmethod
    def documentation(cls) -> str:
        """The docstring with each ``{placeholder}`` replaced by the declared value."""
        module = vars(sys.modules[cls.__module__])
        constants = {name: value for name, value in module.items() if name.isupper() and name[0] != "_"}
        values = {**DOC_CONSTANTS, **constants, **{option.name: option.default for option in cls.options}}
        try:
            return (inspect.getdoc(cls) or "").format(**values)
        except (KeyError, ValueError, IndexError) as exc:
            raise TypeError(f"{cls.__name__}: docstring placeholder {exc} is no option or constant") from None

    def skip_reason(self, measured: Measurements) -> str | None:
        """Why the rule cannot judge these measurements, or None when it can."""
        missing = [v for v in self.needs if not measured.runs_of(v)]
        if not missing:
            return None
        return f"needs the {', '.join(missing)} probe{'s' * (len(missing) > 1)}, which did not run"

    def check(self, measured: Measurements) -> list[Finding]:
        raise NotImplementedError

    def finding(self, message: str, evidence: dict, *, severity: Severity | None = None,
                layers: list[str] | None = None, fixes: list[Fix] | None = None,
                seeds: str | None = None, rank: float = 0.0) -> Finding:
        """A finding of this rule, carrying its metadata; its severity must be a declared one."""
        severity = severity or self.severity
        if severity not in self.severities:
            raise ValueError(f"{self.id} emits {severity.label}, which it does not declare")
        return Finding(id=self.id, name=self.name, category=self.category, severity=severity, message=message,
                       evidence=evidence, layers=layers or [], fixes=fixes or [], seeds=seeds, rank=rank)
