"""`--fix-out`: save the user's model with the best verified model or optimizer fix applied."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..findings import Diagnosis
from .edits import DATA_EDITS, MODEL_EDITS, OPTIMIZER_EDITS, build_setup, probe_clone
from .plan import Prober


def write_fixed_model(prober: Prober, diagnosis: Diagnosis, path: Path) -> dict:
    """Save a compiled model, ready for model.fit, with the top-ranked verified model or
    optimizer fix applied; verified data edits are returned as code to run on the arrays.

    An optimizer edit keeps the user's weights; a model edit comes freshly initialized, as
    it was probed.
    """
    verified = [fix for finding in diagnosis.findings for fix in finding.fixes if fix.verified and fix.variant]
    data_code = list(dict.fromkeys(fix.code for fix in verified if fix.variant in DATA_EDITS))
    best = next((fix for fix in verified if fix.variant in MODEL_EDITS + OPTIMIZER_EDITS), None)
    if best is None:
        return {"path": None, "reason": "no verified model or optimizer fix", "data_edits": data_code}
    user = prober.subject.model
    with prober.worker.custom_scope():
        setup = build_setup(best.variant, prober.ctx)
        model = probe_clone(user) if setup.model is None else setup.model
    if setup.model is None:
        model.set_weights(user.get_weights())
        if setup.learning_rate is not None:
            model.optimizer.learning_rate = setup.learning_rate
    elif best.variant in OPTIMIZER_EDITS:
        model.set_weights(user.get_weights())
    try:
        model.save(path)
    except OSError as exc:
        raise InputError(f"cannot write the fixed model ({exc.strerror or exc})", path=path,
                         remedy="pass --fix-out a writable .keras path") from None
    return {"path": str(path), "edit": best.variant, "change": setup.variant.change, "effect": best.effect,
            "data_edits": data_code}


def check_fix_out(path: Path, inputs: list[Path]) -> None:
    """Refuse a --fix-out path that is not a .keras file or that names an input file."""
    if path.suffix != ".keras":
        raise InputError("--fix-out must name a .keras file", path=path, remedy="for example --fix-out fixed.keras")
    if any(path.resolve() == Path(p).resolve() for p in inputs):
        raise InputError("--fix-out names an input file, which dnndoctor never overwrites", path=path,
                         remedy="pass --fix-out a new file")
    if not path.parent.exists():
        raise InputError("the folder for --fix-out does not exist", path=path, remedy="create it first")
