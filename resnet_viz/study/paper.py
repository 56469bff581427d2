"""The Paper tab's content, from the shipped study files only (no network, no training, no gradio).

For each chart: the paper's claim with its figure or table, what was measured here, and the verdict with the
spread. Plus a side-by-side table of the papers' CIFAR-10 numbers and ours on the procedural set."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..i18n import pick
from . import summary

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "study"

TEXT = {
    "en": {
        "appears": "**appears**",
        "not_seen": "**not seen**",
        "reversed": "**reversed** (opposite of the paper)",
        "one_seed": "**cannot tell** (one seed, no spread)",
        "missing": "**not measured** (the run did not finish)",
        "verdict": "Verdict: {state}; gap {gap}, spread (half the min-max range over seeds) {spread}.",
        "measured": "Measured here",
        "claim": "Paper",
        "none": "—",
        "stat": "{kind}-{depth}: {mean:.1f} % ± {std:.1f} (min {low:.1f}, max {high:.1f}; {seeds} seed(s), iteration {iteration})",
        "deg_title": "Degradation of plain nets (He et al. 2015, Fig. 6)",
        "deg_claim": "plain-56 has higher training *and* test error than plain-20 throughout training; ResNets do not degrade.",
        "res_title": "Depth helps once there are shortcuts (He et al. 2015, Table 6)",
        "res_claim": "ResNet test error falls with depth: 8.75 % at 20 layers, 6.97 % at 56 (CIFAR-10, 64k iterations).",
        "short_title": "Shortcuts against no shortcuts at 56 layers (Li et al. 2018; He et al. 2015 Fig. 6)",
        "short_claim": "ResNet-56 5.89 % against 13.31 % without shortcuts (Li et al.); plain-56 ≈ 13.5 % read off He's Fig. 6.",
        "pre_title": "Pre- against post-activation (He et al. 2016, Fig. 4 and Table 2)",
        "pre_claim": "full pre-activation is better than the original block: ResNet-110 6.61 % → 6.37 %, 1001 layers 7.61 % → 4.92 %. (The paper's comparison is at 110 layers and more; ours is at 56.)",
        "grad_title": "Gradient at initialisation, per block (He et al. 2016, Eq. 5)",
        "grad_claim": "with an identity shortcut and nothing after ⊕, ∂E/∂x_l = ∂E/∂x_L·(1 + ∂ΣF/∂x_l): no block's gradient vanishes.",
        "grad_measured": "ratio ‖∂E/∂x‖ first block / last block at {depth} layers: original {post}, pre-activation {pre}, plain {plain}.",
        "grad_verdict": "Verdict: no vanishing towards the input in either residual kind ({state}); one seeded batch, no spread. The plain net's gradient grows towards the input (BatchNorm in train mode), it does not vanish either.",
        "lesion_title": "Deleting blocks at test time (Veit et al. 2016)",
        "lesion_claim": "in ResNet-110 deleting one block barely matters, except the downsampling blocks; error grows smoothly with the number deleted; deleting a layer of a plain net breaks it.",
        "lesion_measured": "{kind}-{depth}: intact {intact:.1f} %; one non-downsampling block deleted: median {median:.1f} %, worst {worst:.1f} %; a downsampling block: worst {down:.1f} %; {k} random blocks: {kmean:.1f} % ± {kstd:.1f}.",
        "lesion_verdict": "Verdict for {kind}: one deleted block hurts less than in the plain net: {state} (every deletion below every plain one); the downsampling blocks matter most: {down}.",
        "lesion_spread": "One checkpoint per kind (seed 0): the spread is over blocks and random draws, not seeds.",
        "land_title": "Loss landscape (Li et al. 2018, Fig. 5)",
        "land_claim": "around the trained weights ResNet-56 looks convex; ResNet-56 without shortcuts looks chaotic.",
        "land_measured": "{kind}-{depth}: loss {centre:.3f} at the trained weights, {low:.3f}…{high:.3f} over the grid ({grid}×{grid}, span ±{span}); share of grid points with negative curvature {share:.0%}.",
        "land_verdict": "Verdict: the plain net's surface is less convex than the residual net's: {state}. One pair of random directions, one checkpoint each: no spread.",
        "variants_title": "Where BN, ReLU and the addition go (He et al. 2016, Fig. 4)",
        "variants_claim": "five units, ResNet-110 CIFAR-10 error from the paper's Table 2: (a) original 6.61 %, (b) BN after addition 8.17 %, (c) ReLU before addition 7.84 %, (d) ReLU-only pre-activation 6.71 %, (e) full pre-activation 6.37 %.",
        "variants_measured": "drawn, not trained here: this study trains (a) as `residual` and (e) as `preact`.",
        "table_title": "The papers' CIFAR-10 numbers beside ours",
        "table_head": "| net | paper, CIFAR-10 test error | here, procedural set (mean ± std, seeds) |\n|---|---|---|",
        "table_note": "Ours: {size}×{size} procedural pictures, {iterations} iterations of batch {batch} (the paper: 32×32 CIFAR-10, 64k iterations of 128). The absolute numbers are not comparable; the *directions* are what the verdicts test.",
        "run_note": "Shipped run: {completed} runs complete, {partial} stopped at the deadline, {not_run} not run; wall time {minutes:.0f} min on {cpus} shared CPU cores, {workers} worker(s), started {started}.",
        "no_study": "No shipped study results were found in {path}.",
        "read_off": "≈ {value} (read off Fig. 6)",
        "p_residual20": "8.75 (He 2015, Table 6)",
        "p_residual56": "6.97 (He 2015, Table 6); 5.89 (Li 2018)",
        "p_preact20": "— (not reported)",
        "p_preact56": "— (He 2016 report 110 layers: 6.37 against 6.61 for the original block)",
        "ours": "{mean:.1f} ± {std:.1f} ({seeds} seeds)",
        "ours_one": "{mean:.1f} (1 seed: no spread measured)",
        "near_chance": "**cannot tell**: the net is within 10 points of chance (90 %) here, it has barely learned",
        "with_partial": "all seeds incl. runs the deadline stopped, at an earlier iteration",
    },
    "ko": {
        "appears": "**나타남**",
        "not_seen": "**보이지 않음**",
        "reversed": "**반대로 나타남** (논문과 반대)",
        "one_seed": "**판단할 수 없음** (시드 1개, 편차 없음)",
        "missing": "**측정 안 됨** (실행이 끝나지 않음)",
        "verdict": "판정: {state}; 차이 {gap}, 편차(시드 최소-최대 범위의 절반) {spread}.",
        "measured": "여기서 측정한 값",
        "claim": "논문",
        "none": "—",
        "stat": "{kind}-{depth}: {mean:.1f} % ± {std:.1f} (최소 {low:.1f}, 최대 {high:.1f}; 시드 {seeds}개, 반복 {iteration}회)",
        "deg_title": "일반 망의 성능 저하 (He 외 2015, 그림 6)",
        "deg_claim": "plain-56은 학습 내내 plain-20보다 훈련 오차와 테스트 오차가 *모두* 높습니다. ResNet에서는 성능 저하가 없습니다.",
        "res_title": "숏컷이 있으면 깊이가 도움이 됩니다 (He 외 2015, 표 6)",
        "res_claim": "ResNet의 테스트 오차는 깊어질수록 줄어듭니다: 20층 8.75 %, 56층 6.97 % (CIFAR-10, 64k 반복).",
        "short_title": "56층에서 숏컷이 있을 때와 없을 때 (Li 외 2018; He 외 2015 그림 6)",
        "short_claim": "ResNet-56 5.89 %, 숏컷 없는 망 13.31 % (Li 외); He의 그림 6에서 읽은 plain-56은 약 13.5 %.",
        "pre_title": "사전 활성화와 사후 활성화 (He 외 2016, 그림 4와 표 2)",
        "pre_claim": "완전 사전 활성화 블록이 원래 블록보다 낫습니다: ResNet-110 6.61 % → 6.37 %, 1001층 7.61 % → 4.92 %. (논문은 110층 이상에서 비교했고, 여기서는 56층입니다.)",
        "grad_title": "초기화 때 블록별 기울기 (He 외 2016, 식 5)",
        "grad_claim": "항등 숏컷이 있고 ⊕ 뒤에 아무것도 없으면 ∂E/∂x_l = ∂E/∂x_L·(1 + ∂ΣF/∂x_l)이므로 어느 블록에서도 기울기가 소실되지 않습니다.",
        "grad_measured": "{depth}층에서 ‖∂E/∂x‖의 첫 블록 / 마지막 블록 비: 원래 블록 {post}, 사전 활성화 {pre}, 일반 망 {plain}.",
        "grad_verdict": "판정: 두 잔차망 모두 입력 쪽으로 가며 기울기가 소실되지 않습니다 ({state}). 시드를 고정한 배치 하나로 측정했으므로 편차는 없습니다. 일반 망의 기울기는 입력 쪽으로 갈수록 커집니다(훈련 모드의 배치 정규화). 이 역시 소실은 아닙니다.",
        "lesion_title": "테스트 때 블록 제거 (Veit 외 2016)",
        "lesion_claim": "ResNet-110에서 블록 하나를 제거해도 다운샘플링 블록을 빼면 거의 영향이 없고, 제거하는 블록 수에 따라 오차가 완만하게 늘어납니다. 일반 망은 층 하나만 빼도 무너집니다.",
        "lesion_measured": "{kind}-{depth}: 제거 전 {intact:.1f} %; 다운샘플링이 아닌 블록 하나 제거: 중앙값 {median:.1f} %, 최악 {worst:.1f} %; 다운샘플링 블록: 최악 {down:.1f} %; 무작위 블록 {k}개: {kmean:.1f} % ± {kstd:.1f}.",
        "lesion_verdict": "{kind} 판정: 블록 하나 제거가 일반 망보다 덜 해롭다: {state} (모든 제거가 일반 망의 모든 제거보다 낮음); 다운샘플링 블록이 가장 중요하다: {down}.",
        "lesion_spread": "종류마다 체크포인트 하나(시드 0)이므로 편차는 시드가 아니라 블록과 무작위 추첨에 대한 것입니다.",
        "land_title": "손실 지형 (Li 외 2018, 그림 5)",
        "land_claim": "학습된 가중치 주변에서 ResNet-56은 볼록해 보이고, 숏컷 없는 ResNet-56은 혼란스러워 보입니다.",
        "land_measured": "{kind}-{depth}: 학습된 가중치에서 손실 {centre:.3f}, 격자 전체 {low:.3f}…{high:.3f} ({grid}×{grid}, 범위 ±{span}); 곡률이 음수인 격자점 비율 {share:.0%}.",
        "land_verdict": "판정: 일반 망의 손실 지형이 잔차망보다 덜 볼록하다: {state}. 무작위 방향 한 쌍, 종류마다 체크포인트 하나이므로 편차는 없습니다.",
        "variants_title": "BN, ReLU, 덧셈의 위치 (He 외 2016, 그림 4)",
        "variants_claim": "다섯 가지 블록, 논문 표 2의 ResNet-110 CIFAR-10 오차: (a) 원래 블록 6.61 %, (b) 덧셈 뒤 BN 8.17 %, (c) 덧셈 앞 ReLU 7.84 %, (d) ReLU만 사전 활성화 6.71 %, (e) 완전 사전 활성화 6.37 %.",
        "variants_measured": "그림만 그렸고 여기서 학습하지는 않았습니다. 이 실험은 (a)를 `residual`, (e)를 `preact`로 학습합니다.",
        "table_title": "논문의 CIFAR-10 결과와 여기서 얻은 결과",
        "table_head": "| 망 | 논문, CIFAR-10 테스트 오차 | 여기, 절차적 데이터 (평균 ± 표준편차, 시드) |\n|---|---|---|",
        "table_note": "여기서는 {size}×{size} 절차적 그림으로 배치 {batch}, {iterations}회 반복했습니다(논문: 32×32 CIFAR-10, 배치 128로 64k회). 절대값은 비교할 수 없고, 판정은 효과의 *방향*만 봅니다.",
        "run_note": "배포한 실행: 완료 {completed}개, 마감 시간에 멈춤 {partial}개, 실행 못 함 {not_run}개; 공유 CPU 코어 {cpus}개에서 워커 {workers}개로 {minutes:.0f}분, 시작 {started}.",
        "no_study": "{path}에서 배포된 실험 결과를 찾지 못했습니다.",
        "read_off": "≈ {value} (그림 6에서 읽음)",
        "p_residual20": "8.75 (He 2015, 표 6)",
        "p_residual56": "6.97 (He 2015, 표 6); 5.89 (Li 2018)",
        "p_preact20": "— (보고되지 않음)",
        "p_preact56": "— (He 2016은 110층에서 보고: 원래 블록 6.61 대비 6.37)",
        "ours": "{mean:.1f} ± {std:.1f} (시드 {seeds}개)",
        "ours_one": "{mean:.1f} (시드 1개: 편차는 재지 못함)",
        "near_chance": "**판단할 수 없음**: 여기서 이 망의 오차가 우연 수준(90 %)과 10%p 이내로, 거의 학습되지 않았습니다",
        "with_partial": "마감 시간에 멈춘 실행까지 포함한 모든 시드, 더 이른 반복 시점",
    },
}


def _t(key: str, lang: str, **values) -> str:
    return pick(TEXT, key, lang, **values)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    claim: str
    measured: list[str]
    verdict: str
    charts: list[Path]


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def _chart(root: Path, stem: str, lang: str) -> list[Path]:
    path = root / f"{stem}{'' if lang == 'en' else '_ko'}.png"
    return [path] if path.is_file() else []


def _stat_line(s: summary.GroupStat | None, lang: str, kind: str, depth: int) -> str:
    if s is None:
        return f"{kind}-{depth}: {_t('missing', lang)}"
    return _t("stat", lang, **s.__dict__)


def _verdict_line(v: summary.Verdict, lang: str) -> str:
    gap = _t("none", lang) if v.gap is None else f"{v.gap:+.1f}"
    spread = _t("none", lang) if v.spread is None else f"{v.spread:.1f}"
    return _t("verdict", lang, state=_t(v.state, lang), gap=gap, spread=spread)


def _pair_section(
    key: str,
    document: dict,
    worse: tuple[str, int],
    better: tuple[str, int],
    lang: str,
    charts: list[Path],
    metrics=("test_error",),
) -> Section:
    measured, verdicts = [], []
    iteration = summary.common_iteration(document, [worse, better])
    for metric in metrics:
        a = summary.stat(document, *worse, key=metric, iteration=iteration)
        b = summary.stat(document, *better, key=metric, iteration=iteration)
        label = "test" if metric == "test_error" else "train"
        measured += [f"{label}: " + _stat_line(a, lang, *worse), f"{label}: " + _stat_line(b, lang, *better)]
        verdicts.append(f"{label}: " + _verdict_line(summary.compare(a, b), lang))
        extra = summary.stat_all_seeds(document, [worse, better], metric)
        if extra and all(extra) and min(s.seeds for s in extra) > min(a.seeds if a else 0, b.seeds if b else 0):
            measured += [
                f"{label}, " + _t("with_partial", lang) + ": " + _stat_line(s, lang, s.kind, s.depth) for s in extra
            ]
            verdicts.append(
                f"{label}, " + _t("with_partial", lang) + ": " + _verdict_line(summary.compare(*extra), lang)
            )
    return Section(key, _t(f"{key}_title", lang), _t(f"{key}_claim", lang), measured, "\n\n".join(verdicts), charts)


def study_sections(lang: str = "en", root: Path = ASSETS) -> list[Section]:
    """Every chart's claim, measurement and verdict, from the files under `root`."""
    document = _load(root / "depth_study.json")
    sections: list[Section] = []
    if document:
        fig6 = _chart(root, "depth_study", lang)
        sections.append(
            _pair_section("deg", document, ("plain", 56), ("plain", 20), lang, fig6, ("train_error", "test_error"))
        )
        sections.append(_pair_section("res", document, ("residual", 20), ("residual", 56), lang, []))
        sections.append(_pair_section("short", document, ("plain", 56), ("residual", 56), lang, []))
        sections.append(_pair_section("pre", document, ("residual", 56), ("preact", 56), lang, []))
    sections.append(
        Section(
            "variants",
            _t("variants_title", lang),
            _t("variants_claim", lang),
            [_t("variants_measured", lang)],
            "",
            _chart(root, "block_variants", lang),
        )
    )
    grads = _load(root / "gradnorms.json")
    if grads:
        measured, fine = [], True
        for depth in sorted({r["depth"] for r in grads["rows"]}):
            ratios = {r["kind"]: r["grad_norm"][0] / r["grad_norm"][-1] for r in grads["rows"] if r["depth"] == depth}
            fine &= ratios.get("residual", 0) >= 1 and ratios.get("preact", 0) >= 1
            measured.append(
                _t(
                    "grad_measured",
                    lang,
                    depth=depth,
                    **{
                        k: f"{v:.3g}"
                        for k, v in (
                            ("post", ratios.get("residual", float("nan"))),
                            ("pre", ratios.get("preact", float("nan"))),
                            ("plain", ratios.get("plain", float("nan"))),
                        )
                    },
                )
            )
        sections.append(
            Section(
                "grad",
                _t("grad_title", lang),
                _t("grad_claim", lang),
                measured,
                _t("grad_verdict", lang, state=_t("appears" if fine else "not_seen", lang)),
                _chart(root, "gradnorms", lang),
            )
        )
    lesions = [
        r for r in (_load(root / f"lesions-{k}-56" / "lesions.json") for k in ("residual", "preact", "plain")) if r
    ]
    if lesions:
        sections.append(_lesion_section(lesions, lang, _chart(root, "lesions", lang)))
    scapes = [r for r in (_load(root / f"landscape-{k}-56" / "landscape.json") for k in ("residual", "plain")) if r]
    if scapes:
        sections.append(
            _landscape_section(
                scapes, lang, _chart(root, "landscape_contour", lang) + _chart(root, "landscape_surface", lang)
            )
        )
    return sections


def _lesion_section(results: list[dict], lang: str, charts: list[Path]) -> Section:
    measured = []
    by_kind = {r["kind"]: r for r in results}
    for r in results:
        s = summary.lesion_summary(r)
        k = s["k_max"] or {"k": 0, "mean_error": float("nan"), "std": float("nan")}
        measured.append(
            _t(
                "lesion_measured",
                lang,
                kind=r["kind"],
                depth=r["depth"],
                intact=s["intact"],
                median=s["median_other"],
                worst=s["max_other"],
                down=s["max_downsampling"],
                k=k["k"],
                kmean=k["mean_error"],
                kstd=k["std"],
            )
        )
    verdicts = []
    for kind in ("residual", "preact"):
        if kind not in by_kind:
            continue
        rows = by_kind[kind]["single"]
        other = [row["error"] for row in rows if not row["downsampling"]]
        down_errors = [row["error"] for row in rows if row["downsampling"]]
        if by_kind[kind]["intact_error"] > NEAR_CHANCE:
            state = down = "near_chance"
        else:
            state = "missing"
            if "plain" in by_kind:
                plain = [row["error"] for row in by_kind["plain"]["single"] if not row["downsampling"]]
                state = "appears" if max(other) < min(plain) else "not_seen"
            down = "appears" if down_errors and min(down_errors) > max(other) else "not_seen"
        verdicts.append(
            _t(
                "lesion_verdict",
                lang,
                kind=f"{kind}-{by_kind[kind]['depth']}",
                state=_t(state, lang),
                down=_t(down, lang),
            )
        )
    verdicts.append(_t("lesion_spread", lang))
    return Section(
        "lesion", _t("lesion_title", lang), _t("lesion_claim", lang), measured, "\n\n".join(verdicts), charts
    )


def _landscape_section(results: list[dict], lang: str, charts: list[Path]) -> Section:
    measured, shares = [], {}
    for r in results:
        s = summary.landscape_summary(r)
        shares[r["kind"]] = s["non_convex_share"]
        measured.append(
            _t(
                "land_measured",
                lang,
                kind=r["kind"],
                depth=r["depth"],
                centre=s["centre"],
                low=s["min"],
                high=s["max"],
                grid=r["grid"],
                span=r["span"],
                share=s["non_convex_share"],
            )
        )
    state = "missing"
    intact = {r["kind"]: summary.landscape_summary(r)["centre_error"] for r in results}
    if intact.get("residual", 0) > NEAR_CHANCE:
        state = "near_chance"
    elif "residual" in shares and "plain" in shares:
        state = "appears" if shares["plain"] > shares["residual"] else "not_seen"
    return Section(
        "land",
        _t("land_title", lang),
        _t("land_claim", lang),
        measured,
        _t("land_verdict", lang, state=_t(state, lang)),
        charts,
    )


# A net within 10 points of chance (10 classes: 90 %) has barely learned: deleting its blocks or walking
# around its weights cannot show what a trained net does, and the verdict says so instead.
NEAR_CHANCE = 80.0

# The papers' CIFAR-10 test errors (%), beside which study net they belong. Fig. 6 values are read off a plot.
PAPER_ROWS = [
    ("plain", 20, None, "9.5"),
    ("plain", 56, None, "13.5"),
    ("residual", 20, "p_residual20", None),
    ("residual", 56, "p_residual56", None),
    ("preact", 20, "p_preact20", None),
    ("preact", 56, "p_preact56", None),
]


def comparison_table(lang: str = "en", root: Path = ASSETS) -> str:
    document = _load(root / "depth_study.json")
    if not document:
        return _t("no_study", lang, path=root)
    lines = [f"### {_t('table_title', lang)}", "", _t("table_head", lang)]
    for kind, depth, paper, read_off in PAPER_ROWS:
        s = summary.stat(document, kind, depth)
        if s is None:
            ours = _t("missing", lang)
        elif s.seeds < 2:  # one seed has no spread: "± 0.0" would claim one
            ours = _t("ours_one", lang, mean=s.mean)
        else:
            ours = _t("ours", lang, mean=s.mean, std=s.std, seeds=s.seeds)
        quoted = _t(paper, lang) if paper else _t("read_off", lang, value=read_off)
        lines.append(f"| {kind}-{depth} | {quoted} | {ours} |")
    lines.append("")
    schedule, data = document["schedule"], document["dataset"]
    lines.append(_t("table_note", lang, size=data["size"], iterations=schedule["iterations"], batch=schedule["batch"]))
    lines.append("")
    lines.append(run_note(document, lang))
    return "\n".join(lines)


def run_note(document: dict, lang: str = "en") -> str:
    machine = document.get("machine", {})
    return _t(
        "run_note",
        lang,
        completed=len(document["completed"]),
        partial=len(document["partial"]),
        not_run=len(document["not_run"]),
        minutes=document["wall_seconds"] / 60,
        cpus=machine.get("cpus"),
        workers=machine.get("workers"),
        started=document["started"],
    )


def section_markdown(section: Section, lang: str = "en") -> str:
    lines = [
        f"### {section.title}",
        f"**{_t('claim', lang)}:** {section.claim}",
        "",
        f"**{_t('measured', lang)}:**",
        *[f"- {line}" for line in section.measured],
    ]
    if section.verdict:
        lines += ["", section.verdict]
    return "\n".join(lines)


def paper_markdown(lang: str = "en", root: Path = ASSETS) -> str:
    """The whole report as Markdown (the tab renders it section by section, with the charts between)."""
    parts = [section_markdown(s, lang) for s in study_sections(lang, root)]
    return "\n\n".join([comparison_table(lang, root), *parts])


def runs_markdown(document: dict) -> str:
    """One row per run: what it reached, in what time (for docs and the README)."""
    lines = [
        "| run | steps done | train error (%) | held-out error (%) | minutes | state |",
        "|---|---|---|---|---|---|",
    ]
    for run in document["runs"]:
        state = "complete" if run.get("completed") else ("stopped at the cap" if run["iterations"] else "not run")
        train = f"{run['train_error'][-1]:.1f}" if run["train_error"] else "—"
        test = f"{run['test_error'][-1]:.1f}" if run["test_error"] else "—"
        lines.append(
            f"| {run['kind']}-{run['depth']}-s{run['seed']} | {run.get('iterations_done', 0)} | {train} | {test} | "
            f"{run['seconds'] / 60:.1f} | {state} |"
        )
    return "\n".join(lines)
