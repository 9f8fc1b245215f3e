"""What the wizard's web tests share: the demo loaded, the doctor signed in, DURAND Denis's id."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

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


class _Form(HTMLParser):
    """The fields of the wizard's form as the browser would send them (without the buttons)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self.select: str | None = None
        self.first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = found.get("action") == self.action
        if not self.inside:
            return
        name = found.get("name", "")
        if tag == "input" and name and found.get("type") not in ("submit", "file"):
            if found.get("type") != "radio" or "checked" in found:
                self.fields[name] = found.get("value", "")
        elif tag == "select":
            self.select, self.first_option = name, None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = found.get("value", "")
                self.fields.setdefault(self.select, self.first_option)
            if "selected" in found:
                self.fields[self.select] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        if tag == "form":
            self.inside = False


def form_fields(html: str, action: str = "/factures/nouvelle") -> dict[str, str]:
    parser = _Form(action)
    parser.feed(html)
    return dict(parser.fields)


def field(fields: dict[str, str], suffix: str) -> str:
    """The one input whose name ends with ``suffix`` (``|date``, ``acts.code.text.1``)."""
    found = [name for name in fields if name.endswith(suffix)]
    assert len(found) == 1, (suffix, list(fields))
    return found[0]


def next_page(signed: support.Signed, html: str, answers: dict[str, str] | None = None, action: str = "suivant",
              ) -> Any:
    fields = form_fields(html)
    for suffix, value in (answers or {}).items():
        fields[field(fields, suffix)] = value
    fields.pop("csrf", None)
    return signed.post("/factures/nouvelle", {**fields, "aller": action}, follow_redirects=False)


#: No htmx request running nor step being swapped in.
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
#: A new step area swapped in (its ``data-rendu`` changed) and settled.
SWAPPED = ("(before) => { const step = document.getElementById('etape'); return step && step.dataset.rendu !== before"
           " && !document.querySelector('.htmx-request, .htmx-settling'); }")


def settle(page: Any) -> None:
    page.wait_for_function(SETTLED)


def press_and_swap(page: Any, locator: Any, key: str = "Enter") -> None:
    """A key on ``locator`` (a field, a button of the step), waiting for the step that comes back (htmx)."""
    settle(page)
    before = page.locator("#etape").get_attribute("data-rendu")
    locator.press(key)
    page.wait_for_function(SWAPPED, arg=before)


def next_screen(page: Any) -> None:
    """« Suivant » by keyboard, waiting for the next step."""
    press_and_swap(page, page.get_by_role("button", name="Suivant »"))


def next_until(page: Any, shown: Any) -> None:
    """« Suivant » until ``shown`` (a locator) is on the page."""
    settle(page)
    for _ in range(40):
        if shown.count():
            return
        next_screen(page)
    raise AssertionError(f"{shown} never shown")
