"""Junk in, a value or a French ValidationError out: every registered validator, none listed by hand.

Like python-stdnum's robustness test: the validators come from the registry that ``@validator`` fills
(``feuille.domain.validators``), after importing every module of the pure domain; a second test makes sure
no public function of the domain that takes untrusted input (``object`` or ``Mapping[str, object]``) escapes
the registry.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

import feuille.domain
from feuille.domain.validators import VALIDATORS, qualified_name
from feuille.errors import ValidationError

INPUT_ANNOTATIONS = {"object", "Mapping[str, object]"}


class JunkMapping(Mapping[str, object]):
    """A mapping that answers ``junk`` for every key a validator may ask for (and claims to hold them all)."""

    def __init__(self, junk: object) -> None:
        self.junk = junk

    def __getitem__(self, key: str) -> object:
        return self.junk

    def __contains__(self, key: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


JUNK: list[object] = [
    None, "", " ", "\x00", "😴", "😴" * 40, "é" * 100, "x" * 100_000, "9" * 100_000, "-1", "1e999", "NaN",
    "01/01/0000", "31/02/2024", "2A", b"bytes", bytearray(b"\xff"), 0, -1, -(10**30), 10**30, 1.5, float("nan"),
    float("inf"), True, False, Decimal("NaN"), Decimal("-1E+1000"), date(1, 1, 1), object(), [], [[[]]],
    [None, "😴", {}], (), {}, {"a": {"b": []}}, {1, 2}, type, print,
]


# A plain value for the parameters that are not input (a field name, a table of choices, bounds).
PLAIN: dict[str, object] = {"str": "champ", "int": 1, "bool": False, "Mapping[str, str]": {"A": "choix A"},
                            "frozenset[str]": frozenset({"a"}), "datetime": datetime(2025, 1, 15, 10, 30)}


def _domain_modules() -> list[str]:
    return [info.name for info in pkgutil.walk_packages(feuille.domain.__path__, "feuille.domain.")]


def _registry() -> dict[str, Callable[..., Any]]:
    for name in _domain_modules():
        importlib.import_module(name)
    return dict(VALIDATORS)


def _calls(func: Callable[..., Any], junk: object) -> Iterator[tuple[tuple[object, ...], dict[str, object]]]:
    """The junk in every input parameter; the other required parameters get a plain value of their type."""
    args: list[object] = []
    kwargs: dict[str, object] = {}
    params = inspect.signature(func).parameters
    for param in params.values():
        if param.annotation in INPUT_ANNOTATIONS:
            value = junk
        elif param.default is not param.empty:
            continue
        elif str(param.annotation) in PLAIN:
            value = PLAIN[str(param.annotation)]
        else:
            pytest.fail(f"{qualified_name(func)}: no plain value for parameter {param.name}: {param.annotation}")
        if param.kind is param.KEYWORD_ONLY:
            kwargs[param.name] = value
        else:
            args.append(value)
    yield tuple(args), kwargs
    if "from_card" in params:
        yield tuple(args), {**kwargs, "from_card": True}


def test_the_registry_holds_the_domain_validators() -> None:
    registry = _registry()
    assert len(registry) >= 50
    assert "feuille.domain.identifiers.validate_nir" in registry
    assert "feuille.domain.professionals.validate_professional" in registry


def test_every_domain_function_taking_untrusted_input_is_registered() -> None:
    registry = _registry()
    missing = []
    for name in _domain_modules():
        module = importlib.import_module(name)
        for attr, func in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(func) or func.__module__ != name:
                continue
            params = list(inspect.signature(func).parameters.values())
            if params and params[0].annotation in INPUT_ANNOTATIONS and qualified_name(func) not in registry:
                missing.append(qualified_name(func))
    assert missing == [], "decorate these with @validator (feuille.domain.validators)"


@pytest.mark.parametrize("name", sorted(_registry()))
def test_junk_gives_a_value_or_a_validation_error(name: str) -> None:
    func = VALIDATORS[name]
    for junk in [*JUNK, *(JunkMapping(j) for j in JUNK)]:
        for args, kwargs in _calls(func, junk):
            try:
                func(*args, **kwargs)
            except ValidationError as exc:
                assert exc.message and exc.code, f"{name}({junk!r:.40}): empty message or code"
                raw = junk.junk if isinstance(junk, JunkMapping) else junk
                if isinstance(raw, str) and len(raw) > 100:
                    assert raw[:100] not in exc.message, f"{name}({junk!r:.40}): the message repeats the junk"
            except Exception as exc:
                pytest.fail(f"{name}({junk!r:.40}, {kwargs}) raised {type(exc).__name__}: {exc!s:.200}")
