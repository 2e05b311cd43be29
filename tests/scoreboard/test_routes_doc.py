"""docs/routes.md lists every page: its address, endpoint and (where it renders one) template."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import TemplateNotFound

ROOT = Path(__file__).resolve().parents[2]


def _rows() -> list[list[str]]:
    lines = (ROOT / "docs" / "routes.md").read_text(encoding="utf-8").splitlines()
    return [[c.strip() for c in line.strip("|").split("|")]
            for line in lines if line.startswith("| `/")]


def test_every_page_route_is_listed_with_its_endpoint(app):
    pages = {(rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()
             if rule.endpoint != "static" and not rule.rule.startswith("/api/")}
    listed = {(row[0].strip("`"), row[2].strip("`")) for row in _rows()}
    assert sorted(pages - listed) == []
    assert sorted(listed - pages) == []


def test_every_template_named_exists(app):
    names = [name for row in _rows() for name in re.findall(r"`([^`]+\.html)`", row[3])]
    assert len(names) > 20
    missing = []
    for name in names:
        try:
            app.jinja_env.get_template(name)
        except TemplateNotFound:
            missing.append(name)
    assert missing == []
