"""Rendering the public pages: Jinja2 with autoescaping on, so every value is escaped unless
it is deliberately marked safe (only search highlights are, after ``safe_highlight``)."""

from __future__ import annotations

import html
import re
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from markupsafe import Markup

from registry.ownership.schemas import ShareOut

from .api import SECURITY_HEADERS

_EM = re.compile(r"(</?em>)")


def safe_highlight(fragment: str) -> Markup:
    """A highlight fragment with ``<em>``/``</em>`` kept and everything else escaped.

    search/highlight.py escapes the text around its ``<em>``; an engine could still hand back
    raw text, so each piece between the tags is unescaped and escaped again (idempotent for
    escaped text, safe for raw text), and the tags are balanced."""
    out: list[str] = []
    open_em = False
    for piece in _EM.split(fragment):
        if piece == "<em>":
            if not open_em:
                out.append("<em>")
                open_em = True
        elif piece == "</em>":
            if open_em:
                out.append("</em>")
                open_em = False
        else:
            out.append(html.escape(html.unescape(piece)))
    if open_em:
        out.append("</em>")
    return Markup("".join(out))  # noqa: S704 (every piece escaped above)


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def share(s: ShareOut | None) -> str:
    """``25%``, or a range ``25 to 50%`` with ``>``/``<`` for exclusive bounds; ``—`` unknown."""
    if s is None:
        return "—"
    if s.exact is not None:
        return f"{_num(s.exact)}%"
    low = (">" if s.exclusive_min else "") + _num(s.min)
    high = ("<" if s.exclusive_max else "") + _num(s.max)
    return f"{low} to {high}%"


def _score(value: float) -> str:
    return f"{value:.2f}"


def _evidence(evidence: dict[str, Any]) -> str:
    """A one-line summary of a link's evidence (registry/links, search/matching): the rules
    that decided, the identifiers and names compared, and the features that weighed most.
    The full evidence stays in the API."""
    parts: list[str] = []
    rules = evidence.get("rules")
    if isinstance(rules, list) and rules:
        parts.append("; ".join(str(r) for r in rules))
    ident = evidence.get("identifier")
    if isinstance(ident, dict) and ident:
        parts.append(f"identifier {ident.get('scheme', '')} {ident.get('left', '')} / "
                     f"{ident.get('right', '')} ({ident.get('agreement', '')})")
    names = evidence.get("names")
    if isinstance(names, dict) and names:
        parts.append(f"names compared: {names.get('left', '')!s} / {names.get('right', '')!s}")
    features = evidence.get("features")
    if isinstance(features, dict):
        weighed = sorted(((k, v.get("contribution")) for k, v in features.items()
                          if isinstance(v, dict)
                          and isinstance(v.get("contribution"), int | float)),
                         key=lambda kv: -abs(float(kv[1] or 0)))[:3]
        if weighed:
            parts.append("weighed most: " + ", ".join(
                f"{k.replace('_', ' ')} {float(c or 0):+.1f}" for k, c in weighed))
    if evidence.get("comment"):
        parts.append(f"reviewer: {evidence['comment']!s}")
    return " · ".join(parts)


ENV = Environment(
    loader=PackageLoader("registry.pages", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(highlight=safe_highlight, share=share, score=_score, evidence=_evidence)


SITE = "Transparency registry"
DESCRIPTION = ("Who lobbies whom, who owns which company, and who wins public contracts: "
               "linked, with the evidence for every link.")


def page(template: str, status_code: int = 200, *, request: Request[Any, Any, Any] | None = None,
         canonical: str | None = None, description: str | None = None,
         **context: Any) -> Response[str]:
    """A page in the site's layout. ``canonical`` is the page's path with only the query
    parameters that name it (filters, not cursors); by default the request's path."""
    base = str(request.base_url).rstrip("/") if request is not None else ""
    if canonical is None and request is not None:
        canonical = request.url.path
    context.setdefault("q", "")
    body = ENV.get_template(template).render(
        canonical=base + canonical if canonical else None,
        description=description or DESCRIPTION, site=SITE, **context)
    return Response(body, status_code=status_code, media_type="text/html; charset=utf-8",
                    headers=SECURITY_HEADERS)


def not_found(what: str, request: Request[Any, Any, Any] | None = None) -> Response[str]:
    return page("not_found.html", status_code=404, title="Not found", what=what,
                description=what, request=request, canonical="")
