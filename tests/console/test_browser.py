"""Each user's main flow in a real browser: Playwright driving Chromium headless against a live
console (tests/console/live.py), with a screenshot of each main page in instance/screenshots/
and how long each took to load in timings.txt there."""
from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import _test_settings, scratch_database
from tests.console import live

pytestmark = pytest.mark.xdist_group("console-browser")  # one worker seeds and serves, once


@pytest.fixture(scope="module")
def site(localstripe) -> Iterator[live.Site]:
    if live.chromium() is None:
        pytest.skip("no Chromium at /usr/bin/chromium (make test installs Debian's chromium package)")
    with scratch_database("linli_console") as url, live.serve(_test_settings(localstripe, DATABASE_URL=url)) as site:
        yield site


@pytest.fixture(scope="module")
def browser(site):
    os.makedirs(live.SCREENSHOTS, exist_ok=True)
    open(os.path.join(live.SCREENSHOTS, "timings.txt"), "w").close()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=live.chromium(), args=live.CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """One user's browser tab on the console, which writes screenshots and load times."""

    def __init__(self, page, site: live.Site):
        self.page, self.site = page, site
        self.outside: list[str] = []
        page.on("request", self._watch)

    def _watch(self, request) -> None:
        if not request.url.startswith(self.site.url):
            self.outside.append(request.url)

    def open(self, path: str, shot: str | None = None) -> float:
        """Opens a page as a full load (scripts, styles, charts drawn) and returns the seconds it took."""
        started = time.perf_counter()
        self.page.goto(self.site.url + path, wait_until="load")
        elapsed = time.perf_counter() - started
        if shot:
            self.shoot(shot)
        return elapsed

    def shoot(self, name: str) -> None:
        self.page.screenshot(path=os.path.join(live.SCREENSHOTS, f"{name}.png"), full_page=True)

    def sign_in(self, login: str) -> None:
        self.open("/console/", "sign-in")
        self.page.fill("input[name=login]", login)
        self.page.fill("input[name=password]", "demo12345")
        self.page.click("form.card button[type=submit]")
        self.page.wait_for_selector("nav")

    def nav(self, path_end: str) -> None:
        self.page.click(f"nav a[href$='{path_end}']")
        self.page.wait_for_load_state("load")


@pytest.fixture
def visit(browser, site) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    visit = Visit(context.new_page(), site)
    yield visit
    assert visit.outside == [], "a page loaded something from outside the app"
    context.close()


def test_a_manager_works_a_request_from_new_to_resolved_and_approves_a_residency(visit: Visit):
    page = visit.page
    visit.sign_in("manager@demo.local")
    visit.shoot("home")
    queue = page.get_attribute("nav a[href$='/requests']", "href")
    visit.open(queue + "?status=new", "request-queue")
    page.click("#request-queue tbody a")
    page.wait_for_selector("#request-status")
    visit.shoot("request")
    page.click("button[name=action][value=acknowledge]")
    page.wait_for_selector("button[name=action][value=start]")
    page.click("button[name=action][value=start]")
    page.wait_for_selector("button[name=action][value=hold]")
    page.click("button[name=action][value=hold]")  # no reason: refused, said next to the field
    page.wait_for_selector(".field-error")
    visit.shoot("request-refused-hold")
    page.fill("textarea[name=body]", "师傅下午两点上门 The plumber comes at 2 pm")
    page.click("form[action$='/comments'] button[type=submit]")
    page.wait_for_selector("ol.comments li:has-text('师傅下午两点上门')")
    page.click("button[name=action][value=resolve]")
    page.wait_for_selector("button[name=action][value=close]")
    expect(page.locator("#request-status")).to_have_text(re.compile("已解决|Resolved"))

    visit.nav("/residencies")
    page.wait_for_selector("#residencies tbody tr[id^=residency-]")
    visit.shoot("residencies")
    page.click("#residencies tbody tr[id^=residency-] button:text-is('批准'), "
               "#residencies tbody tr[id^=residency-] form[action$='/approve'] button")
    expect(page.locator("#residencies form[action$='/approve']")).to_have_count(0)

    visit.nav("/revenue")
    page.wait_for_selector("#revenue-chart canvas")
    visit.shoot("community-revenue")
    visit.open(page.get_attribute("nav a[href$='/store-applications']", "href") + "?status=approved",
               "store-applications")
    page.wait_for_selector("article[id^=application-]")
    visit.nav("/parcels")
    page.wait_for_selector("#parcels tbody tr")
    visit.shoot("parcels")


def test_a_merchant_accepts_an_order_marks_it_ready_refunds_a_line_and_reads_the_statement(visit: Visit):
    page = visit.page
    visit.sign_in("merchant@demo.local")
    visit.nav("/orders")
    page.wait_for_selector(".orders article.order")
    visit.shoot("orders-board")
    order = page.locator(".orders article.order").first
    order_id = order.get_attribute("id")
    order.locator("button[value=accepted]").click()
    expect(page).to_have_url(re.compile(r"status=accepted"))
    page.click(f"#{order_id} button[value=ready]")
    expect(page).to_have_url(re.compile(r"status=ready"))
    page.click(f"#{order_id} header a")
    expect(page).to_have_url(re.compile(r"/orders/\d+$"))
    expect(page.locator("#order-status")).to_have_text(re.compile("已备好|Ready"))
    page.select_option("select[name=line_id]", index=1)
    page.fill("input[name=quantity]", "1")
    page.fill("input[name=reason]", "菠菜不新鲜 not fresh")
    page.click("form[action$='/refunds'] button[type=submit]")
    expect(page.locator("#order-refunded")).not_to_have_text("¥0.00")
    visit.shoot("order")

    visit.nav("/statement")
    page.wait_for_selector("#statement-chart canvas")
    assert page.locator("#statement-lines tbody tr").count() > 1
    visit.shoot("statement")
    visit.nav("/returns")
    page.wait_for_selector("article[id^=return-]")
    visit.shoot("returns")


def test_an_admin_changes_a_commission_rate(visit: Visit):
    page = visit.page
    visit.sign_in("admin@demo.local")
    visit.nav("/platform/commission")
    page.fill("input[name=platform_rate_bps]", "9000")
    page.fill("input[name=community_rate_bps]", "2000")
    page.click("#commission-form button[type=submit]")
    page.wait_for_selector(".field-error")  # more than 100 % together: refused next to the field
    page.fill("input[name=platform_rate_bps]", "450")
    page.fill("input[name=community_rate_bps]", "150")
    page.click("#commission-form button[type=submit]")
    page.wait_for_selector(".notice")
    expect(page.locator("#commission-rates")).to_contain_text("450")
    visit.shoot("commission")
    visit.nav("/platform/revenue")
    page.wait_for_selector("#platform-chart canvas")
    visit.shoot("platform-revenue")


def test_the_console_fits_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    visit = Visit(context.new_page(), site)
    visit.sign_in("merchant@demo.local")
    visit.nav("/statement")
    visit.page.wait_for_selector("#statement-chart canvas")
    width = visit.page.evaluate("document.documentElement.scrollWidth")
    visit.shoot("statement-phone")
    context.close()
    assert width <= 400, "the page is wider than the phone"


MAIN_PAGES = {
    "manager@demo.local": ["/console/home", "/console/communities/1/requests", "/console/communities/1/requests/1",
                           "/console/communities/1/residencies", "/console/communities/1/revenue",
                           "/console/communities/1/store-applications", "/console/communities/1/parcels"],
    "merchant@demo.local": ["/console/stores/1/orders", "/console/stores/1/orders/1", "/console/stores/1/statement",
                            "/console/stores/1/returns"],
    "admin@demo.local": ["/console/platform/commission", "/console/platform/revenue"],
}


def test_each_main_page_loads_and_says_how_long_it_took(visit: Visit):
    """A full load of each main page, the median of three, into timings.txt (for the README)."""
    with open(os.path.join(live.SCREENSHOTS, "timings.txt"), "a") as timings:
        for login, paths in MAIN_PAGES.items():
            visit.page.context.clear_cookies()
            visit.sign_in(login)
            for path in paths:
                times = sorted(visit.open(path) for _ in range(3))
                assert visit.page.locator("nav").count() == 1, path
                timings.write(f"{path}\t{times[1] * 1000:.0f} ms\n")
