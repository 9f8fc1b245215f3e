"""Sign-in for API clients: a bearer token, the signed-in user, sign-out; and an empty endpoint to measure against."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from feuille import signin
from feuille.api.deps import DatabaseDep, SessionDep, client_address, needs, session_token

router = APIRouter(tags=["session"])


class SignInBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identifiant: str = Field(min_length=1, max_length=64)
    mot_de_passe: str = Field(min_length=1, max_length=256)


class SignedInOut(BaseModel):
    jeton: str
    csrf: str
    identifiant: str
    role: str
    expire_le: datetime


class MeOut(BaseModel):
    identifiant: str
    nom: str
    role: str
    role_libelle: str
    professionnel_id: int | None


@router.post("/session", response_model=SignedInOut, summary="Se connecter (jeton porteur)",
             dependencies=[needs(public=True)])
def open_session(body: SignInBody, request: Request, db: DatabaseDep) -> SignedInOut:
    opened = signin.sign_in(db, body.identifiant, body.mot_de_passe, client_address(request))
    return SignedInOut(jeton=opened.token, csrf=opened.csrf, identifiant=opened.actor.login,
                       role=str(opened.actor.role), expire_le=opened.expires_at)


@router.delete("/session", status_code=204, summary="Se déconnecter", dependencies=[needs()])
def close_session(request: Request, view: SessionDep, db: DatabaseDep) -> Response:
    signin.sign_out(db, session_token(request)[0])
    return Response(status_code=204)


@router.get("/moi", response_model=MeOut, summary="L'utilisateur connecté", dependencies=[needs()])
def me(view: SessionDep) -> MeOut:
    return MeOut(identifiant=view.actor.login, nom=view.display_name, role=str(view.actor.role),
                 role_libelle=view.role_label, professionnel_id=view.professional_id)


@router.get("/sante", summary="Le serveur répond (point vide, sans base de données)",
            dependencies=[needs(public=True)])
def health() -> dict[str, str]:
    return {"etat": "ok"}
