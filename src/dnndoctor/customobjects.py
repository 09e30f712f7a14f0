"""Custom Keras objects come only from a module the user names: a .py file or a dotted import path."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import sys
from pathlib import Path

from .errors import InputError

REMEDY = "pass a .py file or an importable module that defines the model's custom layers"


def import_custom_objects(spec: str) -> dict[str, object]:
    """Import ``spec`` and return its public classes and functions by name, for ``custom_objects``.

    Objects the module registers with ``keras.saving.register_keras_serializable`` are found by
    Keras itself once it is imported. The public objects are those in ``__all__`` when the module
    defines it, otherwise the classes and functions it defines under names without a leading _.
    """
    module = _import(spec)
    names = getattr(module, "__all__", None)
    if names is not None:
        return {name: getattr(module, name) for name in names if hasattr(module, name)}
    return {name: obj for name, obj in vars(module).items()
            if not name.startswith("_") and (inspect.isclass(obj) or inspect.isfunction(obj))
            and getattr(obj, "__module__", None) == module.__name__}


def _import(spec: str):
    path = Path(spec)
    is_file = spec.endswith(".py") or path.exists()
    try:
        with no_bytecode():
            if not is_file:
                return importlib.import_module(spec)
            if not path.is_file():
                raise InputError("custom objects module not found", path=spec, remedy=REMEDY)
            name = f"dnndoctor_custom_objects_{path.stem}"
            loader_spec = importlib.util.spec_from_file_location(name, path)
            if loader_spec is None or loader_spec.loader is None:
                raise InputError("not an importable Python file", path=spec, remedy=REMEDY)
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[name] = module
            loader_spec.loader.exec_module(module)
            return module
    except InputError:
        raise
    except ModuleNotFoundError as exc:
        raise InputError(f"cannot import the custom objects module ({exc})", path=spec, remedy=REMEDY) from None
    except (Exception, SystemExit) as exc:  # the user's module runs here, and may raise anything
        text = str(exc).splitlines()[0][:160] if str(exc) else ""
        raise InputError(f"importing the custom objects module raised {type(exc).__name__}: {text}", path=spec,
                         remedy="fix the module so that it imports cleanly") from None


@contextlib.contextmanager
def no_bytecode():
    """Import without writing __pycache__ next to the user's files."""
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.dont_write_bytecode = saved
