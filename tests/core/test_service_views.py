"""Services hand views to interfaces: no use case is annotated to return an ORM model.

A use case, as CONTRIBUTING.md defines it, takes ``ctx`` first and calls ``require`` (row builders that share a
caller's session, such as ``patients.new_row``, are not use cases)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import feuille.billing
import feuille.catalog
import feuille.practice
from feuille.storage import models
from feuille.storage.base import Base

MODEL_NAMES = {name for name, obj in vars(models).items() if isinstance(obj, type) and issubclass(obj, Base)}


def _service_modules() -> list[str]:
    names = ["feuille.auth"]
    for package in (feuille.practice, feuille.catalog, feuille.billing):
        names += [info.name for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]
    return names


def test_no_use_case_returns_an_orm_row() -> None:
    assert {"Professional", "Prescriber", "User", "Patient"} <= MODEL_NAMES
    offenders = []
    for name in _service_modules():
        module = importlib.import_module(name)
        for attr, func in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(func) or func.__module__ != name:
                continue
            params = list(inspect.signature(func).parameters)
            returned = str(inspect.signature(func).return_annotation)
            is_use_case = params[:1] == ["ctx"] and "require(ctx" in inspect.getsource(func)
            if is_use_case and set(re.findall(r"\w+", returned)) & MODEL_NAMES:
                offenders.append(f"{name}.{attr} -> {returned}")
    assert offenders == [], "return a view (a frozen dataclass of the service module), not the ORM row"
