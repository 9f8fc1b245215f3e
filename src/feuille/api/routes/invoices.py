"""Invoices over HTTP: create and price (idempotency key), read, list, secure."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
