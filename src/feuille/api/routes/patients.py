"""Patients over HTTP: search, create, read, update."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
