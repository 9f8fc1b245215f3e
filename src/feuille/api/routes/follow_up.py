"""Follow-up over HTTP: the follow-up list, the monthly report, the transfers (the CLI's ``--json``, same keys)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.returns import follow_up, reports, transfers

router = APIRouter(tags=["suivi"])


class Periode(BaseModel):
    du: str
    au: str


class SuiviOut(BaseModel):
    lignes: list[dict[str, Any]]
    total: int
    page: int
    par_page: int
    sesam_vitale: dict[str, Any]
    pied: str


class MensuelOut(BaseModel):
    periode: Periode
    mois: list[dict[str, Any]]


class VirementsOut(BaseModel):
    periode: Periode
    virements: list[dict[str, Any]]


@router.get("/suivi", response_model=SuiviOut, summary="Suivi des factures télétransmises (filtres du CLI)",
            dependencies=[needs(Permission.READ)])
def follow_up_list(ctx: ContextDep, etat: Annotated[list[str] | None, Query()] = None, du: str | None = None,
                   au: str | None = None, selon: str | None = None, amo: str | None = None, amc: str | None = None,
                   patient: str | None = None, professionnel: str | None = None, rsp_non_rapproche: bool = False,
                   page: str | None = None, par_page: str | None = None) -> dict[str, Any]:
    filters = follow_up.parse_filters(states=etat or [], since=du, until=au, selon=selon, amo=amo, amc=amc,
                                      patient=patient, professional=professionnel,
                                      no_matched_return=rsp_non_rapproche, page=page, per_page=par_page)
    return follow_up.list_follow_up(ctx, filters).to_json()


@router.get("/rapports/mensuel", response_model=MensuelOut,
            summary="Facturé, payé et rejeté par mois (de la date de facture) et par organisme",
            dependencies=[needs(Permission.READ)])
def monthly(ctx: ContextDep, du: str | None = None, au: str | None = None) -> dict[str, Any]:
    return reports.monthly(ctx, du, au).to_json()


@router.get("/virements", response_model=VirementsOut, summary="Virements d'une période et leur contrôle",
            dependencies=[needs(Permission.READ)])
def transfer_list(ctx: ContextDep, du: str | None = None, au: str | None = None, organisme: str | None = None,
                  ecarts: bool = False) -> dict[str, Any]:
    span, rows = transfers.listing_transfers(ctx, du, au, organisme, differences=ecarts)
    return {"periode": span.to_json(), "virements": [row.to_json() for row in rows]}
