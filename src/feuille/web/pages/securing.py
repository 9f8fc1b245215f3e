"""Securing an invoice in the browser (three-step signing through the card agent at the desk): synchronised,
desynchronised (first and final signature), degraded; and the securing of a batch."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
