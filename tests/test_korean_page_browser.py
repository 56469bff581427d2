"""The Korean page as a Korean student sees it in Chromium: no English sentence on any tab, once the
page has switched to 한국어 (model names, class names, paper titles and code aside)."""

from __future__ import annotations

import time

import pytest
from browserkit import needs_chromium, upload
from korean_text import english_labels, english_on, english_runs

pytestmark = pytest.mark.e2e

TABS = ("단계별 보기", "한 화면", "잔차 실험실", "신뢰도 점검", "깊이 비교")
# Visible text nodes, skipping code (commands, formulas in backticks) and pictures' alt text.
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || el.closest('code, pre, script, style, svg, [hidden]')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || !el.getClientRects().length) continue;
    if (node.textContent.trim()) out.push(node.textContent);
  }
  return out.join('\\n');
}"""


def test_english_runs_are_found():
    # The detector itself must catch what the issue found, and pass what is allowed.
    assert english_runs("Click a stage to see its blocks. 모양은 224×224 입력 기준")
    assert english_runs("huge.png declares more than 50 megapixels: refused before decoding.")
    assert not english_runs("resnet18 · ResNet18_Weights.IMAGENET1K_V1 · Grad-CAM · 1위 (자동)")
    assert not english_runs("He et al. 2016(Identity Mappings in Deep Residual Networks)은 사전 활성화")
    assert not english_runs("torch hub 캐시(/root/.cache/torch/hub/checkpoints/resnet18-f37072fd.pth)에 없고")
    assert english_labels("identity shortcuts\nresnet18  ✓ offline\nROAD combined ↑") == [
        "identity shortcuts",
        "resnet18  ✓ offline",
        "ROAD combined ↑",
    ]
    assert not english_labels("English\nlayer4\nGrad-CAM\ny = relu(F(x) + x)\nresnet18 · conv2_x (C2)")


@pytest.fixture
def page(browser, http_server):
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="ko-KR")
    page.goto(http_server)
    page.locator("#banner").get_by_text("학습되지 않은 가중치").wait_for(timeout=60_000)
    yield page
    page.close()


def _open_accordions(page) -> None:
    """Open every closed accordion, so its text is on screen too (the How ResNet works panel)."""
    for _ in range(20):
        closed = [b for b in page.locator("button.label-wrap:not(.open)").all() if b.is_visible()]
        if not closed:
            return
        closed[0].click()
        time.sleep(0.5)


@needs_chromium
def test_the_korean_page_shows_no_english_sentence(page, tmp_path):
    """Every tab, in Korean from the first paint (the browser's language), before and after a refusal."""
    found = {}
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        time.sleep(1.0)
        _open_accordions(page)
        runs = english_on(page.evaluate(VISIBLE_TEXT))
        if runs:
            found[tab] = runs
    # A refused photo, said in Korean where it is shown.
    page.get_by_role("tab", name=TABS[0]).click()
    fake = tmp_path / "notes.jpg"
    fake.write_text("not a photo")
    upload(page, fake)
    page.get_by_role("button", name="분석").click()
    page.locator("#notice").get_by_text("분석하지 못했습니다").wait_for(timeout=30_000)
    runs = english_on(page.locator("#notice").inner_text())
    if runs:
        found["refusal"] = runs
    assert not found, found
