"""Every page of the application, opened by an administrator over the demo practice: what any page must hold.

Built over ``app.routes`` (a page added later is swept too). Each page that answers HTML must be French
(``<html lang="fr">``), have a title and one ``<h1>`` (an htmx fragment is checked for the rest only), give
every field a label a screen reader can read (a ``<label for>``, an enclosing ``<label>``, or ``aria-label`` /
``aria-labelledby``), and carry the CSRF token in every form that posts. Pages that need a query (a file, a
record in a given state) may answer a redirect or a French refusal; none answers 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from fastapi import FastAPI

from feuille.auth import Role
from feuille.storage import Database
from tests.web import support
from tests.web.test_role_matrix import checked_routes, demo_practice, fill

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class PageFacts(HTMLParser):
    """What the sweep checks, read in one pass over the page."""

    html: bool = False    # a whole page; an htmx fragment (a list refreshed as one types) has no <html>
    lang: str | None = None
    titles: int = 0
    h1: int = 0
    label_for: set[str] = field(default_factory=set)
    controls: list[tuple[str, dict[str, str], bool]] = field(default_factory=list)   # (tag, attributes, in a label)
    forms: list[dict[str, str]] = field(default_factory=list)
    form_has_csrf: list[bool] = field(default_factory=list)
    _labels_open: int = 0

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.html, self.lang = True, values.get("lang")
        elif tag == "title":
            self.titles += 1
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self._labels_open += 1
            if values.get("for"):
                self.label_for.add(values["for"])
        elif tag == "form":
            self.forms.append(values)
            self.form_has_csrf.append(False)
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and values.get("type") == "hidden" and values.get("name") == "csrf" and self.forms:
                self.form_has_csrf[-1] = True
            self.controls.append((tag, values, self._labels_open > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._labels_open:
            self._labels_open -= 1

    def unlabelled(self) -> list[str]:
        out = []
        for tag, values, in_label in self.controls:
            if tag == "input" and values.get("type", "text") in UNLABELLED_TYPES:
                continue
            if in_label or values.get("aria-label") or values.get("aria-labelledby"):
                continue
            if values.get("id") and values["id"] in self.label_for:
                continue
            out.append(f"<{tag} name={values.get('name')!r} id={values.get('id')!r}>")
        return out

    def posting_forms_without_csrf(self) -> list[str]:
        return [form.get("action", "?") for form, csrf in zip(self.forms, self.form_has_csrf, strict=True)
                if form.get("method", "get").lower() == "post" and not csrf]


def _pages(app: FastAPI) -> list[str]:
    return [path for method, path, needs, built_in in checked_routes(app)
            if method == "GET" and not built_in and not path.startswith("/api") and needs is not None
            and not needs.public]


def test_every_page_is_french_titled_and_labelled(app: FastAPI, db: Database) -> None:
    practice = demo_practice(db)
    signed = support.sign_in(app, db, Role.ADMINISTRATEUR)
    problems: list[str] = []
    swept = 0
    for path in _pages(app):
        url = fill(path, practice)
        answer = signed.client.get(url, follow_redirects=False)
        if answer.status_code >= 500:
            problems.append(f"{url} : {answer.status_code}")
            continue
        if not answer.headers.get("content-type", "").startswith("text/html") or answer.status_code != 200:
            continue
        swept += 1
        facts = PageFacts()
        facts.feed(answer.text)
        if facts.html and facts.lang != "fr":
            problems.append(f"{url} : <html lang> = {facts.lang!r}")
        if facts.html and (facts.titles != 1 or facts.h1 != 1):
            problems.append(f"{url} : {facts.titles} <title>, {facts.h1} <h1> (1 et 1 attendus)")
        problems.extend(f"{url} : champ sans libellé {control}" for control in facts.unlabelled())
        problems.extend(f"{url} : formulaire POST sans jeton CSRF (action {action})"
                        for action in facts.posting_forms_without_csrf())
    assert swept >= 45, f"only {swept} pages answered HTML"
    assert not problems, "\n".join(problems)


def test_the_sweep_sees_a_field_without_label_and_a_form_without_token() -> None:
    facts = PageFacts()
    facts.feed('<html lang="fr"><title>t</title><h1>h</h1><form method="post" action="/x">'
               '<label for="a">A</label><input id="a" name="a"><label>B <input name="b"></label>'
               '<input name="c" aria-label="C"><input name="d"><select name="e"></select>'
               '<input type="hidden" name="jeton"></form>'
               '<form method="post" action="/y"><input type="hidden" name="csrf"></form>')
    assert facts.unlabelled() == ["<input name='d' id=None>", "<select name='e' id=None>"]
    assert facts.posting_forms_without_csrf() == ["/x"]
