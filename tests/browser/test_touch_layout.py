"""What the earlier review found, on the running demo at each audience's screen size: tap
targets of 44 px on phone pages, the schedule fitting a 390 px phone, the medal table's
scroll hint, the projector's bracket sized under the Content-Security-Policy, its match
scene fitting 1920×1080 and 1280×720, and the match overlay naming rounds in Indonesian."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

SMALL_TARGETS = """() => {
    const out = [];
    for (const el of document.querySelectorAll('a, button, select, input, textarea, summary')) {
        if (el.type === 'hidden' || el.closest('.hp') || !el.checkVisibility()) continue;
        // a checkbox is tapped through its label
        const box = (el.type === 'checkbox' ? el.closest('label') || el : el).getBoundingClientRect();
        if (box.height < 44 || box.width < 44) out.push(`${el.tagName} ${el.textContent.trim()}`);
        if (el.type === 'checkbox' && el.getBoundingClientRect().height < 24) out.push('checkbox box');
    }
    return out;
}"""


@pytest.mark.parametrize("path", ["/kategori", "/tim/LF-SMP-001", "/daftar", "/jadwal",
                                  "/juara-umum", "/tim/TIDAK-ADA"])
def test_every_tap_target_on_a_phone_page_is_44_px(browser, demo, path):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{demo}{path}")
    assert page.evaluate(SMALL_TARGETS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_the_medal_table_says_it_scrolls_sideways_on_a_phone(browser, demo):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{demo}/juara-umum")
    page.wait_for_selector(".table-scroll[data-overflowing='yes']")
    hint = page.evaluate("""() => { const s = getComputedStyle(document.querySelector(
        '.table-scroll'), '::before'); return [s.display, s.content]; }""")
    assert hint == ["block", '"Geser tabel ke samping →"']
    context.close()


def _show_scene(browser, demo: str, screen: str, scene: dict, viewport: dict):
    admin = browser.new_page()
    sign_in(admin, demo, "admin", "demo-admin", "/")
    token = admin.locator("meta[name=csrf-token]").get_attribute("content")
    resp = admin.request.put(f"{demo}/api/v1/display/screens/{screen}",
                             data=json.dumps({"playlist": [{**scene, "seconds": 600}]}),
                             headers={"X-CSRFToken": token, "Content-Type": "application/json"})
    assert resp.status == 200, resp.text()
    admin.close()
    # the policy enforced, as at the venue: a style attribute would be refused
    context = browser.new_context(viewport=viewport, bypass_csp=False)
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{demo}/display/{screen}")
    return context, page, refused


def test_the_bracket_scene_takes_its_sizes_from_data_attributes(browser, demo):
    context, page, refused = _show_scene(browser, demo, "bagan",
                                         {"scene": "bracket", "category": "sumo-sma"},
                                         {"width": 1920, "height": 1080})
    page.wait_for_selector(".bx .bx-match")
    sizes = page.evaluate("""() => {
        const bx = document.querySelector('.bx');
        const rows = [...document.querySelectorAll('.bx-row')];
        return {tallest: [bx.dataset.tallest, getComputedStyle(bx).getPropertyValue('--bx-tallest')],
                grow: rows.map(r => [r.dataset.grow, getComputedStyle(r).flexGrow]),
                bottom: Math.max(...[...document.querySelectorAll('.bx-match')].map(
                    m => m.getBoundingClientRect().bottom))};
    }""")
    assert sizes["tallest"][0] and sizes["tallest"][1].strip() == sizes["tallest"][0]
    assert sizes["grow"] and all(data == shown for data, shown in sizes["grow"])
    assert sizes["bottom"] <= 1080
    assert refused == []
    context.close()


@pytest.mark.parametrize("viewport", [{"width": 1920, "height": 1080},
                                      {"width": 1280, "height": 720}], ids=["1080p", "720p"])
def test_the_match_scene_fits_the_projector_and_shows_each_pairing_whole(browser, demo,
                                                                         viewport):
    context, page, _refused = _show_scene(browser, demo, f"laga-{viewport['height']}",
                                          {"scene": "match"}, viewport)
    page.wait_for_selector(".match-table tr")
    fit = page.evaluate("""() => {
        const table = document.querySelector('.match-table');
        const cells = [...table.querySelectorAll('td:nth-child(2)')];
        return {bottom: table.getBoundingClientRect().bottom, height: window.innerHeight,
                cut: cells.filter(c => c.scrollWidth > c.clientWidth).map(c => c.textContent),
                font: parseFloat(getComputedStyle(table).fontSize)};
    }""")
    assert fit["bottom"] <= fit["height"]
    assert fit["cut"] == []
    assert fit["font"] >= viewport["height"] * 0.03  # readable from the back of the hall
    context.close()


def test_the_match_overlay_names_its_round_in_indonesian(browser, demo):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{demo}/overlay/pertandingan/sumo-sma")
    page.wait_for_selector("#bug:not([hidden])")
    shown = page.locator("#bug-round").inner_text()
    assert re.fullmatch(r"Babak (atas |bawah )?\d+|Final( Ulang)?|Semifinal", shown), shown
    page.close()


def test_a_phone_schedule_page_fits_390_px(browser, demo):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{demo}/jadwal")
    page.wait_for_selector(".schedule-table tbody tr")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
