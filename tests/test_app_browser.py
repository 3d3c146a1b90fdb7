"""The browser app in a real browser (Playwright + Debian's chromium): chat, citations, all trusts, comparison,
policy browser and admin. Screenshots go to screenshots/ for a human to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from app_server import shared_app, stop_all

from assistant.records import STANCE_BADGES

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
QUESTION = "A parent sent me a friend request on Facebook, can I accept it?"
WAIT_MS = 60_000
BADGES = "^(" + "|".join(re.escape(label) for label in STANCE_BADGES.values()) + ")$"
POLICY = """Oakfield Academy Trust Social Media Policy

1. Introduction
1.1 This policy sets out how staff at Oakfield Academy Trust use social media.
2. Contact with parents
2.1 Staff should not accept friend requests from parents of current pupils.
2.2 Staff must use school email accounts to communicate with parents.
"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def app(pytestconfig):
    yield shared_app(pytestconfig)
    stop_all()


@pytest.fixture(scope="module")
def page(app):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    server = app
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda exc: print(f"page error: {exc}"))
        outside = []
        page.on("request", lambda request: outside.append(request.url)
                if not request.url.startswith((server.url, "data:", "blob:")) else None)
        page.goto(server.url)
        page.wait_for_selector("#question textarea")
        yield page
        assert not outside, f"the page reached outside the app: {outside[:5]}"
        context.close()
        browser.close()


def choose_trust(page, label: str) -> None:
    page.locator("#trust-picker input").click()
    page.get_by_role("option", name=label).click()
    from playwright.sync_api import expect

    expect(page.locator("#trust-picker input")).to_have_value(label)


def ask(page, question: str) -> None:
    before = page.locator("#chat .answer, #chat .notice").count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask-btn").click()
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .answer, #chat .notice').length > n", arg=before, timeout=WAIT_MS)


def last_reply(page):
    return page.locator("#chat .answer, #chat .notice").last


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_staff_chat_single_trust_and_citation(page):
    from playwright.sync_api import expect

    choose_trust(page, "St James and Emmanuel Academy Trust (SJEAT)")
    ask(page, QUESTION)
    reply = last_reply(page)
    expect(reply.locator(".trust-card")).to_have_count(1)
    expect(reply.locator(".trust-card .badge")).to_have_text(re.compile(BADGES, re.IGNORECASE))
    expect(reply.locator(".trust-card .clause-id").first).to_have_text("6.11")
    # The citation inside the card expands to the clause text...
    reply.locator(".citation summary").first.click()
    expect(reply.locator(".citation blockquote").first).to_be_visible()
    # ...and the citation picker under the chat shows the whole clause with its number and section title.
    page.locator("#citations label", has_text="SJEAT 6.11").click()
    panel = page.locator("#clause-panel .clause-panel")
    expect(panel.locator(".clause-id")).to_have_text("6.11")
    expect(panel).to_contain_text("Responsibilities when using social media")
    expect(panel).to_contain_text("Adults must be mindful at all times")
    page.screenshot(path=str(SHOTS / "chat.png"), full_page=True)


def test_bad_input_is_a_friendly_notice(page):
    from playwright.sync_api import expect

    ask(page, "")
    expect(last_reply(page)).to_contain_text("empty")
    expect(page.locator("#chat")).not_to_contain_text("Traceback")


def test_all_trusts_shows_five_cards(page):
    from playwright.sync_api import expect

    choose_trust(page, "All trusts")
    ask(page, QUESTION)
    reply = last_reply(page)
    expect(reply.locator(".card-grid.multi .trust-card")).to_have_count(5)
    expect(reply.locator(".summary")).to_contain_text("Governing clauses")
    for card in reply.locator(".trust-card").all():
        expect(card.locator(".badge")).not_to_be_empty()
        expect(card.locator(".answer-text")).not_to_be_empty()
    reply.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "all-trusts.png"), full_page=True)


def test_hr_comparison_table(page):
    from playwright.sync_api import expect

    open_tab(page, "Compare trusts (HR)")
    page.locator("#compare-question textarea").fill("Can staff accept friend requests from parents?")
    page.locator("#compare-btn").click()
    expect(page.locator("#compare-summary .summary")).to_contain_text("Governing clauses", timeout=WAIT_MS)
    table = page.locator("#compare-table")
    expect(table).to_contain_text("St James and Emmanuel Academy Trust")
    expect(table.locator("[role=row].virtual-row")).to_have_count(5)
    expect(page.locator("#download-csv")).to_be_visible()
    expect(page.locator("#download-md")).to_be_visible()
    page.screenshot(path=str(SHOTS / "comparison.png"), full_page=True)


def test_policy_browser(page):
    from playwright.sync_api import expect

    open_tab(page, "Browse policies")
    expect(page.locator("#trust-meta .trust-meta")).to_contain_text("Wythenshawe Catholic Academy Trust")
    page.locator("#browse-trust input").click()
    page.get_by_role("option", name="St James and Emmanuel Academy Trust (SJEAT)").click()
    expect(page.locator("#trust-meta .trust-meta")).to_contain_text("Social Media Policy and Guidance")
    rows = page.locator("#clause-list .clause-row")
    expect(rows.first).to_be_visible()
    total = rows.count()
    assert total > 20
    page.locator("#clause-search textarea, #clause-search input").first.fill("parents")
    expect(page.locator("#clause-list mark").first).to_be_visible()
    expect(page.locator("#clause-list .clause-count")).to_contain_text("matching")
    assert 0 < rows.count() < total
    page.screenshot(path=str(SHOTS / "browser.png"), full_page=True)


def test_admin_parse_preview(page, tmp_path):
    from playwright.sync_api import expect

    open_tab(page, "Admin")
    expect(page.locator("#admin-open-note")).to_contain_text("no admin credentials are configured")
    policy = tmp_path / "oakfield-policy.txt"
    policy.write_text(POLICY, encoding="utf-8")
    page.locator("#upload input[type=file]").set_input_files(str(policy))
    expect(page.locator("#upload")).to_contain_text("oakfield-policy.txt")
    page.locator("#upload-trust input, #upload-trust textarea").first.fill("oakfield")
    page.locator("#upload-name input, #upload-name textarea").first.fill("Oakfield Academy Trust")
    page.locator("#parse-btn").click()
    expect(page.locator("#parse-status")).to_contain_text("Found 3 clauses")
    expect(page.locator("#preview-table [role=row].virtual-row")).to_have_count(3)
    expect(page.locator("#commit-btn")).to_be_enabled()
    page.screenshot(path=str(SHOTS / "admin.png"), full_page=True)
