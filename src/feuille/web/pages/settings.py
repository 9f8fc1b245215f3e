"""Settings: professionals and replacements, preferences, organisms, prescribers, favourites, users, audit."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
