"""Patients: search, record, creation (typed, from the Vitale card or app), rights lookup, AMC contracts."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
