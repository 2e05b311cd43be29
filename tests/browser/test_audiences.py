"""Every audience at its device size, on the running demo (every format has results):
the start page reaches every page of the signed-in role, no page shows a raw status or key
word, and axe-core (from npm, run in the page) finds no serious or critical violation
(contrast, target size, names) on the public, desk, judge and display pages."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import sign_in
from tests.support.venue import ROOT

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
TABLET_PORTRAIT = {"width": 768, "height": 1024}
TABLET = {"width": 1024, "height": 768}
LAPTOP = {"width": 1280, "height": 800}
PROJECTOR = {"width": 1920, "height": 1080}
# (role, demo account, password, where sign-in lands, device)
PEOPLE = [("admin", "admin", "demo-admin", "/", LAPTOP),
          ("timekeeper", "pencatat", "demo-pencatat", "/desk/", TABLET),
          ("head_judge", "ketua", "demo-ketua", "/juri", TABLET),
          ("judge", "juri1", "demo-juri1", "/juri", TABLET_PORTRAIT)]
# Words only the code speaks: run, match and registration statuses, bracket stages, entry
# fields, judging states. Lower case, whole words: "DNF" in "Tidak selesai (DNF)" is fine.
RAW = re.compile(r"(?<![\w-])(armed|running|finished|timeout|dnf|dsq|review|not_started|"
                 r"in_play|champion|placed|eliminated|winners \d|losers \d|winners|losers|"
                 r"grand_final|third_place|pending|approved|waitlisted|rejected|home_yuko|"
                 r"away_yuko|home_goals|away_goals|open|locked|published|ready|done|"
                 r"head_judge|timekeeper|None|null|undefined|NaN)(?![\w-])")


VISIBLE_TEXT = """() => {
    // every text a person sees; <code> holds what they type (commands), not what they read
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const el = n.parentElement;
        if (!el || el.closest('code, script, style, template') || !el.checkVisibility()) continue;
        out.push(n.textContent);
    }
    for (const el of document.querySelectorAll('input[type=submit], input[type=button], option')) {
        if (el.checkVisibility && el.checkVisibility()) out.push(el.value || el.textContent);
    }
    return out.join(' ');
}"""


def _visible_raw_words(page) -> list[str]:
    return sorted(set(RAW.findall(page.evaluate(VISIBLE_TEXT))))


def _axe(page) -> list[tuple[str, str, list[str]]]:
    """Serious and critical axe-core violations: (rule, impact, first targets)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: npm install (package.json lists axe-core)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations'],
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']}});
        return r.violations.map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(' '))]);
    }""")
    return [tuple(v) for v in found if v[1] in ("serious", "critical")]


def _main_links(page) -> list[str]:
    return page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")


@pytest.mark.parametrize("role,name,password,landing,device", PEOPLE,
                         ids=[p[0] for p in PEOPLE])
def test_start_page_reaches_every_page_of_the_role(browser, demo, role, name, password,
                                                   landing, device):
    context = browser.new_context(viewport=device, has_touch=device is not LAPTOP)
    page = context.new_page()
    sign_in(page, demo, name, password, landing)
    page.goto(f"{demo}/")
    links = _main_links(page)
    own = {"admin": "/admin/pengguna/", "timekeeper": "/desk/?lintasan=lintasan-a",
           "head_judge": "/juri/ketua", "judge": "/juri"}[role]
    assert own in links
    problems = []
    for href in links:
        if href.split("?")[0].endswith((".pdf", ".csv", ".xlsx")):  # a download, not a page
            resp = page.request.get(f"{demo}{href}")
            if resp.status != 200:
                problems.append((href, resp.status))
            continue
        resp = page.goto(f"{demo}{href}")
        if resp.status != 200:
            problems.append((href, resp.status))
            continue
        raw = _visible_raw_words(page)
        if raw:
            problems.append((href, raw))
        wide = href.startswith(("/overlay/", "/display"))  # drawn for 1920x1080 on purpose
        if not wide and page.evaluate("document.documentElement.scrollWidth") > device["width"]:
            problems.append((href, "wider than the screen"))
    assert problems == []
    context.close()


PUBLIC = ["/", "/kategori", "/kategori/lf-smp", "/kategori/kreatif-sd", "/kategori/sumo-sma",
          "/kategori/soccer-smp", "/kategori/sumo-sma/bagan", "/tim/LF-SMP-001", "/hasil",
          "/daftar", "/login", "/panduan"]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_on_a_phone(browser, demo, path):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    assert page.goto(f"{demo}{path}").status == 200
    page.wait_for_load_state("networkidle")
    assert _visible_raw_words(page) == []
    assert _axe(page) == []
    context.close()


@pytest.mark.parametrize("path,name,password,landing,device", [
    ("/desk/?lintasan=lintasan-a", "pencatat", "demo-pencatat", "/desk/", TABLET),
    ("/juri", "juri1", "demo-juri1", "/juri", TABLET_PORTRAIT),
    ("/juri", "juri1", "demo-juri1", "/juri", TABLET),
    ("/wasit/sumo-sma", "pencatat", "demo-pencatat", "/desk/", TABLET),
], ids=["desk", "judge-portrait", "judge-landscape", "referee"])
def test_desk_and_judge_pages_at_tablet_size(browser, demo, path, name, password, landing,
                                             device):
    context = browser.new_context(viewport=device, has_touch=True)
    page = context.new_page()
    sign_in(page, demo, name, password, landing)
    page.goto(f"{demo}{path}")
    page.wait_for_load_state("networkidle")
    if path == "/juri":
        page.click("button.team")  # the sheet open, with its steppers and "Simpan"
    assert _visible_raw_words(page) == []
    assert _axe(page) == []
    context.close()


@pytest.mark.parametrize("device", [PROJECTOR, {"width": 1280, "height": 720}],
                         ids=["1920x1080", "1280x720"])
def test_the_projector(browser, demo, device):
    page = browser.new_page(viewport=device)
    page.goto(f"{demo}/display")
    page.wait_for_selector("#conn[data-state='online']")
    assert _visible_raw_words(page) == []
    assert _axe(page) == []
    page.close()
