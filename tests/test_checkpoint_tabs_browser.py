"""Issue 19 §2 in a real Chromium, on a server started with a checkpoint (resnet18 on three shapes):
the Compare depths tab keeps its comparison's subject, in English and Korean, and refuses a class of
the checkpoint's own for ImageNet models; a model switch and back keeps the checkpoint."""

import socket

import pytest
import torch
from browserkit import EXAMPLES, needs_chromium
from tabkit import language, photo, pick_option, shot, upload_and_wait, wait_hidden, wait_idle, wait_text
from torchvision import models as tv_models

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def checkpoint_server(tmp_path_factory):
    from resnet_viz.ui import launch

    folder = tmp_path_factory.mktemp("shapes")
    torch.manual_seed(0)
    torch.save(tv_models.resnet18(num_classes=3).state_dict(), folder / "shapes.pt")
    (folder / "classes.txt").write_text("circle\nsquare\ntriangle\n")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = launch(
        model=None,
        weights=str(folder / "shapes.pt"),
        class_names=str(folder / "classes.txt"),
        device="cpu",
        port=port,
        prevent_thread_lock=True,
        quiet=True,
    )
    yield f"http://127.0.0.1:{port}/", str(folder / "shapes.pt")
    app.close()


@pytest.fixture
def page(browser, checkpoint_server):
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="en-US")
    page.goto(checkpoint_server[0])
    page.locator("#model input").wait_for(timeout=60_000)
    yield page
    page.close()


@needs_chromium
def test_compare_keeps_its_subject_and_refuses_the_checkpoints_classes(page, tmp_path):
    upload_and_wait(page, EXAMPLES / "chelsea.jpg")
    page.locator("#target input").click()
    page.get_by_role("option", name="square (1)").click()
    page.get_by_role("tab", name="Compare depths").click()
    page.get_by_role("button", name="Compare depths").click()
    page.get_by_text("was picked from resnet18's own classes").first.wait_for(timeout=60_000)
    page.locator("#target input").click()
    page.get_by_role("option", name="top-1 (automatic)").click()
    page.get_by_text("only models with pretrained weights").click()  # offline: all five listed, none run
    page.get_by_role("button", name="Compare depths").click()
    wait_text(page, "#compare-table", "resnet152")
    wait_idle(page)
    wait_hidden(page, "#compare-stale")
    upload_and_wait(page, photo(tmp_path, "coffee"))
    wait_text(page, "#compare-stale", "previous photo")
    shot(page, "compare-stale-en")
    language(page, "ko")
    wait_text(page, "#compare-stale", "이전 사진")
    wait_text(page, "#compare-table", "매개변수 (M)")  # redrawn from the kept comparison
    page.get_by_role("button", name="깊이 비교").wait_for(timeout=60_000)
    shot(page, "compare-stale-ko")
    page.get_by_text("사전 학습된 가중치가 있는 모델만").click()
    wait_text(page, "#compare-stale", "모델 선택")


@needs_chromium
def test_a_model_switch_and_back_keeps_the_checkpoint(page, checkpoint_server):
    checkpoint = checkpoint_server[1]
    assert page.locator("#weights input").input_value() == checkpoint
    assert not page.locator("#banner").is_visible()  # trained weights: no warning
    upload_and_wait(page, EXAMPLES / "chelsea.jpg")
    page.get_by_role("button", name="Analyze").click()
    page.wait_for_function(
        "() => document.querySelector('#summary').innerText.includes('Showing chelsea.jpg')", timeout=120_000
    )
    pick_option(page, "#model", "resnet34")
    wait_text(page, "#stale", "previous model")
    page.wait_for_function("() => document.querySelector('#weights input').value === 'DEFAULT'", timeout=30_000)
    wait_text(page, "#banner", "Untrained weights")  # resnet34 has no cached weights here: said so
    pick_option(page, "#model", "resnet18")
    page.wait_for_function("c => document.querySelector('#weights input').value === c", arg=checkpoint, timeout=30_000)
    wait_hidden(page, "#banner")  # banner and notice agree: the checkpoint, and the results are of it
    wait_hidden(page, "#stale")
    language(page, "ko")
    page.get_by_role("button", name="분석").wait_for(timeout=60_000)
    pick_option(page, "#model", "resnet34")
    wait_text(page, "#stale", "이전 모델")
    pick_option(page, "#model", "resnet18")
    wait_hidden(page, "#stale")
