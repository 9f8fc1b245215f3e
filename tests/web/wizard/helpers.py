"""What the wizard's web tests share: the demo loaded, the doctor signed in, DURAND Denis's id."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from feuille.auth import Context, Role, actor_for
from feuille.demo import load_demo
from feuille.practice import patients
from feuille.storage import Database
from tests.web import support

DOCTOR = "vmedecin"


@dataclass(frozen=True)
class Demo:
    patient_id: int


def demo(db: Database) -> Demo:
    ctx = Context(db=db, actor=actor_for(db, "admin"))
    load_demo(ctx)
    found = patients.search_patients(ctx, "DURAND", limit=5)
    return Demo(next(p.id for p in found if p.first_name == "Denis"))


def doctor(app: FastAPI, db: Database) -> support.Signed:
    return support.sign_in(app, db, Role.TITULAIRE, DOCTOR)
