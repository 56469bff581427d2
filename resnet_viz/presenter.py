"""Every word the page shell and the stages view show, in English and Korean: labels, headings,
summaries, notices and the theory text. Pure functions of results and choices; no Gradio."""

from __future__ import annotations

from . import freshness
from .analysis import AnalysisResult
from .cam import CAM_METHODS
from .errors import message_in
from .i18n import Table, pick
from .models import LoadedModel
from .service import Subject
from .stages import STAGES, StageSpec

_THEORY_EN = """
**Residual block.** Each block computes a residual branch F(x) — conv, BN, ReLU, conv, BN (or the 1×1 → 3×3 → 1×1
bottleneck) — and adds its input back through a shortcut. He et al. 2015 (*Deep Residual Learning*) write the
block's target as H(x) = F(x) + x; like the paper's blocks, torchvision's apply one more ReLU after the addition, so
a block outputs **y = relu(F(x) + x)** (with a projection of x where the shape changes). If the best a block can do
is almost nothing, it only has to push F(x) towards 0, instead of fitting an identity through a stack of non-linear
layers: that is the paper's motivation for learning residuals.

**Gradients through the shortcut.** Leave out the final ReLU and the block's Jacobian is **∂H/∂x = ∂F/∂x + I**:
the identity term passes the gradient back whatever ∂F/∂x does. Stacked, this becomes exact only on a clean identity
path: He et al. 2016 (*Identity Mappings in Deep Residual Networks*) use pre-activation blocks (BN → ReLU → conv) with
nothing after ⊕, so that x_L = x_l + Σ F(x_i) and ∂E/∂x_l = ∂E/∂x_L · (I + ∂/∂x_l Σ F(x_i)). In torchvision's blocks
(the 2015 design) the ReLU after ⊕ and the projection shortcuts sit on that path: the identity term survives only
where the ReLU is active, so the formula is an approximation there. And ∂F/∂x can have negative entries: the sum is
not "at least 1".

**Why the deeper nets train better — the 2015 explanation.** He et al. 2015 (§4.1) saw the degradation problem — a
34-layer plain net (no shortcuts) has higher *training* error than an 18-layer one — and found it "unlikely to be
caused by vanishing gradients": their plain nets use batch norm, and their backward gradients had healthy norms.
They call it an optimisation difficulty (deep plain nets may converge exponentially slowly, they conjecture) and show
that the residual form makes those depths easy to optimise. The "+I" argument above is the 2016 paper's later
analysis, not the 2015 explanation. In this app, the residual lab's depth chart measures gradients at random
initialisation. On three test photos (scikit-image's chelsea, coffee and astronaut; class 0, seed 0), at 152 layers the gradient at
the first block was about 3×10¹¹ times the last block's in the plain copies and about 2×10³ times in the residual
nets: both grow towards the input, and the plain ones *explode* rather than vanish. The chart's caption gives the
factors measured on your photo. It shows the start of training, not why training succeeds.

**Identity vs projection shortcuts.** When x and F(x) have the same shape the shortcut is the identity (free). Where
the shape changes it becomes a **projection**: a 1×1 convolution plus batch norm (torchvision's `downsample`) — with
stride 2 where a stage halves the resolution (the first block of layer2, layer3 and layer4), and with stride 1 where
only the channels change: in ResNet-50/101/152 the first block of layer1 widens 64 → 256 channels at 56×56.
ResNet-18/34 keep 64 channels in layer1, so their layer1 has identity shortcuts only.

**Bottleneck.** ResNet-50/101/152 use 1×1 → 3×3 → 1×1 blocks. From a stage's second block on, the first 1×1 shrinks
the channels 4× (256 → 64 in layer1), the 3×3 works on the thin tensor and the last 1×1 widens again (64 → 256). A
stage's first block receives the previous stage's output instead: in layer1 the stem's 64 channels, which its first
1×1 keeps at 64; in layer2–4 it halves them (256 → 128, …). About the cost of a basic block, and much deeper.
torchvision's bottleneck ResNets are "V1.5": where a stage downsamples, the stride 2 sits on the 3×3 convolution,
not on the first 1×1 as in He et al. 2015 (and in the lecture notes' code). This costs a little more compute:
4.1 GFLOPs for ResNet-50 here against the paper's 3.8, both counted as multiply-adds.

**Ensemble view.** Veit et al. 2016 unroll a ResNet: with n blocks there are 2ⁿ paths from input to output (each
block's branch taken or skipped). The paths share their weights, so this is an analogy, not an ensemble of
independent networks. Their evidence, on a 110-layer ResNet for CIFAR-10 (54 blocks): deleting any single block at
test time barely changes the error, except the downsampling blocks (a modest effect); the error grows smoothly as
more blocks are deleted, while deleting one layer of a plain VGG-style net breaks it. And during training most of the
gradient comes from short paths, 10–34 layers deep (5–17 of the 54 blocks). This fits the gradient paragraph: the
identity term is what lets a gradient reach an early layer while crossing only a few residual branches, and in their
measurements a path's gradient shrinks with every branch it crosses, so the long paths contribute little. The residual lab's lesion chart runs the
deletion experiment on this model (there, the block keeps its ReLU after ⊕).

**Stage names and strides.** C1…C5 are this app's naming: C1 is the stem's output *after* the 3×3 max-pool (64×56×56,
the tensor layer1 receives), as the lecture notes (seed 001) have it; C2…C5 are layer1…layer4, the paper's
conv2_x…conv5_x. He et al. 2015, Table 1, lists conv1's output at 112×112 and counts the max-pool as the start of
conv2_x. "Stride 4/8/16/32" on the rows is the **output stride**: how many input pixels one step on the stage's
feature map spans (224 → 56, 28, 14, 7).

**Reading the rows.** Early stages (C1, C2) respond to edges and colours at high resolution; late stages (C4, C5) to
object parts at 14×14 and 7×7. Grad-CAM on layer4 is the classic map; on early stages it is sharper but less about
the class.
"""

_THEORY_KO = """
**잔차 블록 (residual block).** 각 블록은 잔차 경로 F(x)(합성곱 → 배치 정규화 → ReLU → 합성곱 → 배치 정규화, 또는
1×1 → 3×3 → 1×1 병목 블록)를 계산하고, 숏컷으로 입력을 다시 더합니다. He et al. 2015(*Deep Residual Learning*)는
블록의 목표를 H(x) = F(x) + x로 씁니다. 논문의 블록과 마찬가지로 torchvision의 블록은 덧셈 뒤에 ReLU를 한 번 더
적용하므로, 블록의 출력은 **y = relu(F(x) + x)** 입니다(모양이 바뀌는 곳에서는 x 대신 x의 프로젝션). 블록이 할 일이
거의 없다면, 비선형 층을 여러 개 쌓아 항등 매핑을 맞추는 대신 F(x)를 0에 가깝게 만들기만 하면 됩니다. 이것이 논문이
잔차를 학습하게 한 동기입니다.

**숏컷을 지나는 기울기.** 마지막 ReLU를 빼고 보면 블록의 야코비안은 **∂H/∂x = ∂F/∂x + I** 입니다. 항등 항 I가 있어서
∂F/∂x가 어떻든 기울기가 그대로 뒤로 전달됩니다. 블록을 쌓았을 때 이 식이 정확히 성립하려면 깨끗한 항등 경로가
필요합니다. He et al. 2016(*Identity Mappings in Deep Residual Networks*)은 ⊕ 뒤에 아무것도 없는 사전 활성화 블록
(BN → ReLU → 합성곱)을 써서 x_L = x_l + Σ F(x_i), ∂E/∂x_l = ∂E/∂x_L · (I + ∂/∂x_l Σ F(x_i))를 얻습니다.
torchvision의 블록(2015년 설계)에서는 ⊕ 뒤의 ReLU와 프로젝션 숏컷이 이 경로 위에 있어서, 항등 항은 ReLU가 켜진
곳에서만 살아남고 이 식은 근사가 됩니다. 또 ∂F/∂x에는 음수 성분이 있을 수 있으므로, 합이 "1 이상"인 것은 아닙니다.

**깊은 망이 더 잘 학습되는 이유 — 2015년 논문의 설명.** He et al. 2015(§4.1)는 성능 저하 문제(degradation), 즉
숏컷이 없는 34층 일반 망(plain)의 *훈련* 오차가 18층보다 높은 현상을 보고, 이것이 "기울기 소실 때문일 가능성은
낮다"고 했습니다. 일반 망도 배치 정규화를 쓰고, 역전파되는 기울기의 크기도 정상이었기 때문입니다. 논문은 이를
최적화의 어려움으로 보고(깊은 일반 망은 수렴 속도가 지수적으로 느릴 수 있다고 추측합니다), 잔차 형태로 바꾸면 그
깊이에서도 최적화가 쉬워짐을 보였습니다. 위의 "+I" 논증은 2016년 논문의 후속 분석이지, 2015년 논문의 설명이
아닙니다. 이 앱의 잔차 실험실에 있는 깊이별 차트는 무작위 초기화 상태에서 기울기를 잽니다. 시험 사진 세 장(scikit-image의 chelsea, coffee, astronaut, 클래스 0, 시드 0)에서 152층일 때 첫 블록의 기울기는 마지막 블록의 약
3×10¹¹배(일반 망 사본), 약 2×10³배(잔차망)였습니다. 둘 다 입력 쪽으로 갈수록 커지며, 일반 망은 소실이 아니라 *폭주*합니다.
여러분의 사진에서 잰 배율은 차트 설명에 나옵니다. 이 차트는
학습이 시작될 때의 모습이지, 학습이 성공하는 이유를 보여 주지는 않습니다.

**항등 숏컷과 프로젝션 숏컷.** x와 F(x)의 모양이 같으면 숏컷은 항등 숏컷(identity shortcut)이며 비용이 없습니다.
모양이 바뀌는 곳에서는 **프로젝션 숏컷**(projection shortcut: 1×1 합성곱 + 배치 정규화, torchvision의 `downsample`)이
됩니다. 단계가 해상도를 절반으로 줄이는 곳(layer2, layer3, layer4의 첫 블록)에서는 스트라이드가 2이고, 채널 수만
바뀌는 곳에서는 스트라이드가 1입니다. ResNet-50/101/152의 layer1 첫 블록은 56×56에서 채널을 64 → 256으로 넓힙니다.
ResNet-18/34의 layer1은 64채널을 유지하므로 항등 숏컷만 있습니다.

**병목 블록 (bottleneck).** ResNet-50/101/152는 1×1 → 3×3 → 1×1 블록을 씁니다. 단계의 두 번째 블록부터는 첫 1×1이
채널을 4배 줄이고(layer1에서 256 → 64), 3×3이 얇은 텐서에서 계산한 뒤, 마지막 1×1이 다시 넓힙니다(64 → 256). 단계의
첫 블록은 이전 단계의 출력을 받습니다. layer1에서는 스템의 64채널을 첫 1×1이 그대로 64로 두고, layer2–4에서는
절반으로 줄입니다(256 → 128, …). 비용은 기본 블록과 비슷하면서 훨씬 깊게 쌓을 수 있습니다. torchvision의 병목
ResNet은 "V1.5"입니다. 다운샘플링하는 블록에서 스트라이드 2가 He et al. 2015(와 강의 노트의 코드)처럼 첫 1×1이
아니라 3×3 합성곱에 있습니다. 그래서 계산량이 조금 더 많습니다. 여기서 ResNet-50은 4.1 GFLOPs, 논문은 3.8
GFLOPs입니다(둘 다 곱-합 기준).

**앙상블 관점.** Veit et al. 2016은 ResNet을 펼쳐 봅니다. 블록이 n개면 입력에서 출력까지의 경로가 2ⁿ개 있습니다
(블록마다 잔차 경로를 지나거나 건너뜀). 이 경로들은 가중치를 공유하므로, 독립된 네트워크들의 앙상블이 아니라
비유입니다. 근거는 CIFAR-10용 110층 ResNet(블록 54개)의 실험입니다. 테스트 때 블록 하나를 지워도 오차가 거의 바뀌지
않고, 다운샘플링 블록만 조금 영향이 있습니다. 지우는 블록이 늘어나면 오차가 완만하게 커지지만, VGG 같은 일반 망은 층
하나만 지워도 무너집니다. 또 학습 중 기울기의 대부분은 10–34층 깊이의 짧은 경로(54개 블록 중 5–17개)에서 옵니다.
이는 위의 기울기 설명과 맞아떨어집니다. 항등 항 덕분에 기울기가 잔차 경로를 몇 개만 거치고도 앞쪽 층에 닿을 수 있고,
그들의 측정에서는 경로의 기울기가 잔차 경로를 하나 지날 때마다 작아지므로 긴 경로의 기여는 작습니다. 잔차 실험실의 블록 제거(lesion) 차트는
이 모델에서 같은 삭제 실험을 합니다(이때 블록은 ⊕ 뒤의 ReLU를 유지합니다).

**단계 이름과 스트라이드.** C1…C5는 이 앱의 이름입니다. 강의 노트(seed 001)처럼 C1은 3×3 최대 풀링 *뒤*의 스템
출력(64×56×56, layer1이 받는 텐서)이고, C2…C5는 layer1…layer4, 즉 논문의 conv2_x…conv5_x입니다. He et al. 2015의
표 1은 conv1의 출력을 112×112로 적고, 최대 풀링을 conv2_x의 시작으로 셉니다. 각 행의 "스트라이드 4/8/16/32"는
**출력 스트라이드**입니다. 그 단계의 특징 맵에서 한 칸이 입력 픽셀 몇 개에 해당하는지를 뜻합니다(224 → 56, 28, 14, 7).

**행 읽는 법.** 앞 단계(C1, C2)는 높은 해상도에서 가장자리와 색에 반응하고, 뒤 단계(C4, C5)는 14×14, 7×7에서 물체의
부분에 반응합니다. layer4의 Grad-CAM이 가장 널리 쓰이는 히트맵이고, 앞 단계의 히트맵은 더 선명하지만 클래스와는 덜
관련됩니다.
"""

_MISCONCEPTIONS_EN = """
> #### Common misconceptions
> - **"The gradient through a residual block is at least 1."** ∂H/∂x = ∂F/∂x + I is a matrix, and ∂F/∂x can have
>   negative entries that cancel the identity in some directions; in torchvision's blocks the ReLU after ⊕ also zeroes
>   the gradient of every inactive unit. The shortcut keeps a direct path open; it puts no floor under the gradient.
> - **"ResNets solved the vanishing gradient."** He et al. 2015 found their plain nets, trained with batch norm, had
>   healthy gradients; degradation was an optimisation difficulty (§4.1). The identity-path argument is from
>   He et al. 2016.
> - **"ResNet-121 was the deepest."** He et al. 2015 has no ResNet-121 (121 is a DenseNet depth). Its deepest ImageNet
>   net is ResNet-152; on CIFAR-10 it trained 1202 layers (7.93 % test error, worse than 110 layers' 6.43 %, which the
>   authors put down to overfitting). He et al. 2016 trained a 1001-layer pre-activation ResNet (4.62 %).
> - **"`inplanes` starts at 3."** In torchvision `self.inplanes = 64`: the stem's 7×7 convolution maps the 3 colour
>   channels to 64, and layer1 is built for 64 input channels. 3 is only the stem convolution's input.
> - **A block that overwrites its sum.** `out = F(x)` followed by `out = shortcut(x)` throws F away: that block is
>   only a shortcut. A residual block *adds*: `out = F(x) + shortcut(x)`, then the ReLU — torchvision writes
>   `out += identity; out = self.relu(out)`.
"""

_MISCONCEPTIONS_KO = """
> #### 흔한 오해
> - **"잔차 블록을 지나는 기울기는 항상 1 이상이다."** ∂H/∂x = ∂F/∂x + I는 행렬이고, ∂F/∂x에는 어떤 방향에서 항등
>   항을 상쇄하는 음수 성분이 있을 수 있습니다. torchvision의 블록에서는 ⊕ 뒤의 ReLU가 꺼진 유닛의 기울기를 0으로
>   만들기도 합니다. 숏컷은 직접 가는 경로를 열어 둘 뿐, 기울기의 하한을 정해 주지는 않습니다.
> - **"ResNet이 기울기 소실 문제를 해결했다."** He et al. 2015는 배치 정규화로 학습한 일반 망의 기울기가 정상이었음을
>   확인했고, 성능 저하 문제를 최적화의 어려움으로 보았습니다(§4.1). 항등 경로 논증은 He et al. 2016의 것입니다.
> - **"가장 깊은 ResNet은 ResNet-121이다."** He et al. 2015에는 ResNet-121이 없습니다(121은 DenseNet의 깊이입니다).
>   ImageNet에서 가장 깊은 망은 ResNet-152이고, CIFAR-10에서는 1202층까지 학습했습니다(테스트 오차 7.93 %로
>   110층의 6.43 %보다 나빴고, 저자들은 과적합 때문으로 봅니다). He et al. 2016은 1001층 사전 활성화 ResNet을
>   학습했습니다(4.62 %).
> - **"`inplanes`는 3에서 시작한다."** torchvision에서는 `self.inplanes = 64`입니다. 스템의 7×7 합성곱이 색 채널 3개를
>   64채널로 바꾸고, layer1은 입력 채널 64개에 맞춰 만들어집니다. 3은 스템 합성곱의 입력일 뿐입니다.
> - **합을 덮어쓰는 블록.** `out = F(x)` 다음에 `out = shortcut(x)`라고 쓰면 F가 버려져 숏컷만 남습니다. 잔차 블록은
>   *더해야* 합니다: `out = F(x) + shortcut(x)` 뒤에 ReLU. torchvision은 `out += identity; out = self.relu(out)`로
>   씁니다.
"""

TEXT: Table = {
    "en": {
        "title": "# resnet-viz — see inside a ResNet",
        "tab_stages": "Stages",
        "tab_one_screen": "One screen",
        "tab_lab": "Residual lab",
        "tab_trust": "Trust checks",
        "tab_compare": "Compare depths",
        "tab_paper": "Paper",
        "intro": "Upload a photo: it runs once through a torchvision ResNet. Each row below is one **stage** — what "
        "that stage computes (its strongest feature maps) and where it looks for the chosen class (its CAM).",
        "theory": _THEORY_EN + _MISCONCEPTIONS_EN,
        "misconceptions": _MISCONCEPTIONS_EN,
        "theory_title": "How ResNet works — and this model's stages",
        "prompt": "Pick an example or upload a photo, then press **Analyze**.",
        "photo": "Photo",
        "model": "Model",
        "model_info": "✓ offline = weights cached, usable without internet",
        "weights": "Weights",
        "method": "CAM method",
        "target": "Class for the heatmaps",
        "target_info": "automatic = the top-1 class of each photo; type to search, or click a prediction",
        "contrast": "Contrast with (why A, not B)",
        "contrast_info": "optional: a class B; the heatmaps then show where the evidence for A over B lies "
        "(logit A − logit B). Not for EigenCAM, which uses no class",
        "no_contrast": "none",
        "contrast_shown": " − {contrast}",
        "automatic": "top-1 (automatic)",
        "analyze": "Analyze",
        "examples": "Examples (public domain / CC0)",
        "display": "Display",
        "n_channels": "Feature maps per stage (strongest by mean activation)",
        "scale": "Heatmap scale",
        "per_stage": "per stage (each 0–1)",
        "shared": "shared scale across stages",
        "colormap": "Feature-map colormap",
        "opacity": "Heatmap opacity",
        "seen": "**As the network sees it** (resized, centre-cropped)",
        "top": "**Top-{k} predictions**",
        "top_untrained": "**Top-{k} predictions** — UNTRAINED weights (random)",
        "top_click": "click a class to draw the heatmaps for it",
        "head_stage": "**stage** · output shape",
        "head_features": "**feature maps**: strongest channels by mean activation, channel ids in the corner",
        "head_cam": "**{method}**: where the stage's evidence for the chosen class lies",
        "head_cam_contrast": "**{method}** for {target} − {contrast}: where the stage's evidence for {target} "
        "over {contrast} lies",
        "head_cam_agnostic": "**{method}**: the main pattern of the stage's activations — class-agnostic, "
        "the chosen class does not change it",
        "stem": "stem",
        "no_cam": "No CAM for the stem (it sees edges and colours, not classes): the input is shown instead.",
        "stage_maxpool": "stem: 7×7 conv, stride 2 + 3×3 max-pool (output stride 4)",
        "stage_layer1": "first residual stage, output stride 4",
        "stage_layer2": "output stride 8",
        "stage_layer3": "output stride 16",
        "stage_layer4": "last residual stage, output stride 32",
        "showing": "Showing **{image}** · **{model}** · weights **{weights}** ({status}) · **{method}** · class: {target}",
        "status_pretrained": "pretrained",
        "status_untrained": "untrained",
        "status_checkpoint": "checkpoint",
        "target_auto": "automatic (top-1)",
        "target_picked": "picked: {target}",
        "run": "device **{device}** · {ms} ms",
        "for_class": "Heatmaps: **{method}** for **{label}** (class {index}, p = {p}){how}; {scale}.",
        "for_contrast": "Heatmaps: **{method} for {label} − {contrast}**: where the evidence for {label} over "
        "{contrast} lies (logit {index} − logit {c_index}; p = {p} vs {c_p}){how}; {scale}. "
        "Where the evidence favours {contrast}, the map is clipped to 0 (no heat).",
        "how_auto": " — the top-1 class, chosen automatically",
        "how_picked": " — the class you picked",
        "agnostic": "Heatmaps: **{method}** is class-agnostic: it shows the main pattern of each stage's activations "
        "and uses no class (top-1: {label}, class {index}, p = {p}); {scale}.",
        "scale_per_stage": "each stage on its own 0–1 scale",
        "scale_shared": "one shared scale across stages",
        "stale": "⚠️ **Not up to date:** the results below are for the previous {fields}. Press **Analyze** to update them.",
        "f_image": "photo",
        "f_model": "model",
        "f_weights": "weights",
        "f_method": "CAM method",
        "f_target": "class",
        "f_contrast": "contrast class",
        "and": " and ",
        "refused": "⚠️ **Not analysed.** {message}",
        "untrained_banner": "⚠️ **Untrained weights.** {model} is running with **random weights**, so its predictions "
        "are meaningless and its heatmaps show the mechanics, not what a trained network has learned. {note}",
        "inspect": "Inspect one channel",
        "stage": "Stage",
        "channel": "Channel id (from the grid's #labels)",
        "stage_info": "conv1 … conv5_x, C1 … C5 or maxpool, layer1 … layer4",
        "show_channel": "Show channel",
        "channel_image": "Channel over the image",
        "channel_caption": "Channel **#{channel}** of **{stage}** over the photo ({method} not involved: this is the raw activation).",
        "no_photo": "Upload a photo first (or pick one of the examples).",
    },
    "ko": {
        "title": "# resnet-viz — ResNet의 속을 들여다보기",
        "tab_stages": "단계별 보기",
        "tab_one_screen": "한 화면",
        "tab_lab": "잔차 실험실",
        "tab_trust": "신뢰도 점검",
        "tab_compare": "깊이 비교",
        "tab_paper": "논문 재현",
        "intro": "사진을 올리면 torchvision ResNet을 한 번 통과합니다. 아래 각 행은 하나의 **단계(stage)** 입니다 — "
        "그 단계가 계산하는 것(가장 강한 특징 맵)과 선택한 클래스의 근거를 어디에서 찾는지(CAM)를 보여 줍니다.",
        "theory": _THEORY_KO + _MISCONCEPTIONS_KO,
        "misconceptions": _MISCONCEPTIONS_KO,
        "theory_title": "ResNet의 원리 — 그리고 이 모델의 단계",
        "prompt": "예시를 고르거나 사진을 올린 뒤 **분석**을 누르세요.",
        "photo": "사진",
        "model": "모델",
        "model_info": "✓ 오프라인 = 가중치가 캐시에 있어 인터넷 없이도 쓸 수 있음",
        "weights": "가중치",
        "method": "CAM 방법",
        "target": "히트맵의 클래스",
        "target_info": "자동 = 사진마다 1위 클래스; 입력해서 찾거나 예측을 클릭하세요",
        "contrast": "비교할 클래스 (왜 A이고 B가 아닌가)",
        "contrast_info": "선택 사항: 클래스 B를 고르면 히트맵이 B보다 A라는 근거가 있는 곳을 보여 줍니다 "
        "(logit A − logit B). 클래스를 쓰지 않는 EigenCAM에는 쓸 수 없습니다",
        "no_contrast": "없음",
        "contrast_shown": " − {contrast}",
        "automatic": "1위 (자동)",
        "analyze": "분석",
        "examples": "예시 (퍼블릭 도메인 / CC0)",
        "display": "표시",
        "n_channels": "단계별 특징 맵 수 (평균 활성값이 큰 순)",
        "scale": "히트맵 척도",
        "per_stage": "단계별 (각각 0–1)",
        "shared": "모든 단계 공통 척도",
        "colormap": "특징 맵 색상표",
        "opacity": "히트맵 불투명도",
        "seen": "**네트워크가 보는 입력** (크기 조정, 가운데 자르기)",
        "top": "**상위 {k}개 예측**",
        "top_untrained": "**상위 {k}개 예측** — 학습되지 않은(무작위) 가중치",
        "top_click": "클래스를 클릭하면 그 클래스의 히트맵을 그립니다",
        "head_stage": "**단계** · 출력 모양",
        "head_features": "**특징 맵**: 평균 활성값이 가장 큰 채널, 모서리에 채널 번호",
        "head_cam": "**{method}**: 이 단계에서 선택한 클래스의 근거가 있는 곳",
        "head_cam_contrast": "{target} − {contrast}에 대한 **{method}**: 이 단계에서 {contrast}보다 {target}이라는 "
        "근거가 있는 곳",
        "head_cam_agnostic": "**{method}**: 이 단계 활성값의 주된 패턴 — 클래스와 무관하며, 선택한 클래스가 바꾸지 않습니다",
        "stem": "스템",
        "no_cam": "스템에는 CAM이 없습니다 (클래스가 아니라 가장자리와 색을 봅니다): 대신 입력을 보여 줍니다.",
        "stage_maxpool": "스템: 7×7 합성곱(스트라이드 2) + 3×3 최대 풀링 (출력 스트라이드 4)",
        "stage_layer1": "첫 번째 잔차 단계, 출력 스트라이드 4",
        "stage_layer2": "출력 스트라이드 8",
        "stage_layer3": "출력 스트라이드 16",
        "stage_layer4": "마지막 잔차 단계, 출력 스트라이드 32",
        "showing": "표시 중: **{image}** · **{model}** · 가중치 **{weights}** ({status}) · **{method}** · 클래스: {target}",
        "status_pretrained": "사전 학습됨",
        "status_untrained": "학습되지 않음",
        "status_checkpoint": "체크포인트",
        "target_auto": "자동 (1위)",
        "target_picked": "선택함: {target}",
        "run": "장치 **{device}** · {ms} ms",
        "for_class": "히트맵: **{label}** (클래스 {index}, p = {p})에 대한 **{method}**{how}; {scale}.",
        "for_contrast": "히트맵: **{label} − {contrast}에 대한 {method}**: {contrast}보다 {label}이라는 근거가 있는 곳 "
        "(logit {index} − logit {c_index}; p = {p} 대 {c_p}){how}; {scale}. "
        "{contrast} 쪽 근거가 더 큰 곳은 0으로 잘려 열이 표시되지 않습니다.",
        "how_auto": " — 자동으로 고른 1위 클래스",
        "how_picked": " — 직접 고른 클래스",
        "agnostic": "히트맵: **{method}** 은(는) 클래스와 무관합니다: 각 단계 활성값의 주된 패턴을 보여 주며 클래스를 쓰지 않습니다 "
        "(1위: {label}, 클래스 {index}, p = {p}); {scale}.",
        "scale_per_stage": "단계마다 각자의 0–1 척도",
        "scale_shared": "모든 단계 공통 척도",
        "stale": "⚠️ **최신이 아닙니다:** 아래 결과는 이전 {fields} 기준입니다. **분석**을 눌러 갱신하세요.",
        "f_image": "사진",
        "f_model": "모델",
        "f_weights": "가중치",
        "f_method": "CAM 방법",
        "f_target": "클래스",
        "f_contrast": "비교 클래스",
        "and": ", ",
        "refused": "⚠️ **분석하지 못했습니다.** {message}",
        "untrained_banner": "⚠️ **학습되지 않은 가중치.** {model}은(는) **무작위 가중치**로 실행 중이므로 예측은 의미가 없고, "
        "히트맵은 학습된 네트워크가 배운 것이 아니라 계산 과정만 보여 줍니다. {note}",
        "inspect": "채널 하나 살펴보기",
        "stage": "단계",
        "channel": "채널 번호 (격자의 # 번호)",
        "stage_info": "conv1 … conv5_x, C1 … C5 또는 maxpool, layer1 … layer4",
        "show_channel": "채널 보기",
        "channel_image": "이미지 위의 채널",
        "channel_caption": "**{stage}** 의 채널 **#{channel}** 을(를) 사진 위에 겹침 ({method}와 무관한 원래 활성값).",
        "no_photo": "먼저 사진을 올리세요 (또는 예시를 고르세요).",
    },
}


def text(key: str, lang: str | None = "en", **values: object) -> str:
    return pick(TEXT, key, lang, **values)


def misconceptions(lang: str | None = "en") -> str:
    """The "common misconceptions" box of the How ResNet works panel, as Markdown (also for handouts)."""
    return text("misconceptions", lang).strip()


def stage_label(spec: StageSpec, lang: str | None = "en") -> str:
    """'layer1 · conv2_x (C2)': both names, because lectures use the paper's."""
    if spec.name == "maxpool":
        return f"conv1 · {text('stem', lang)} ({spec.level})"
    if spec.paper_name == "conv1":  # a timm stem: its module's name, then the paper's
        return f"{spec.name} · conv1 {text('stem', lang)} ({spec.level})"
    return f"{spec.name} · {spec.paper_name} ({spec.level})"


def stage_title(spec: StageSpec, lang: str | None = "en", shape_text: str | None = None) -> str:
    """A stage row's heading: its names, then its output shape once analysed, else what it is."""
    detail = f"`{shape_text}` (C×H×W)" if shape_text else text(f"stage_{spec.name}", lang)
    title = f"### {stage_label(spec, lang)}\n{detail}"
    if shape_text and spec.paper_name == "conv1":
        title += "\n\n" + text("no_cam", lang)
    return title


def stage_titles(result: AnalysisResult | None, lang: str | None = "en") -> list[str]:
    if result is not None and len(result.stages) == len(STAGES):  # the model's own names (timm's modules)
        return [stage_title(s.spec, lang, s.shape_text) for s in result.stages]
    return [stage_title(spec, lang) for spec in STAGES]


def is_class_agnostic(method: str) -> bool:
    """A CAM that uses no gradient (EigenCAM) does not depend on the chosen class."""
    return method in CAM_METHODS and not CAM_METHODS[method].uses_gradients


def method_label(method: str) -> str:
    return CAM_METHODS[method].label if method in CAM_METHODS else method


def cam_heading(method: str, lang: str | None = "en", result: AnalysisResult | None = None) -> str:
    """The CAM column's heading; with a contrastive result it names both classes."""
    if result is not None and result.contrast is not None:
        return text(
            "head_cam_contrast",
            lang,
            method=method_label(method),
            target=result.target.label,
            contrast=result.contrast.label,
        )
    key = "head_cam_agnostic" if is_class_agnostic(method) else "head_cam"
    return text(key, lang, method=method_label(method))


def predictions_heading(result: AnalysisResult | None, lang: str | None = "en") -> str:
    if result is None:
        return text("top", lang, k=5)
    key = "top" if result.weights_status != "untrained" else "top_untrained"
    heading = text(key, lang, k=len(result.predictions))
    return heading if is_class_agnostic(result.method) else f"{heading} · {text('top_click', lang)}"


def _scale(normalization: str, lang: str | None) -> str:
    return text("scale_per_stage" if normalization == "per-stage" else "scale_shared", lang)


def summary(result: AnalysisResult, subject: Subject, lang: str | None = "en") -> str:
    """What the results on screen are of (photo, model, weights, method, class), then the heatmaps' class."""
    picked = bool(subject.target)
    target_word = text("target_picked", lang, target=result.target.label) if picked else text("target_auto", lang)
    if result.contrast is not None:
        target_word += text("contrast_shown", lang, contrast=result.contrast.label)
    showing = text(
        "showing",
        lang,
        image=subject.image,
        model=result.model_name,
        weights=result.weights_label,
        status=text("status_" + result.weights_status, lang),
        method=method_label(result.method),
        target=target_word,
    )
    run = text("run", lang, device=result.device, ms=f"{result.seconds * 1000:.0f}")
    values = dict(
        method=method_label(result.method),
        label=result.target.label,
        index=result.target.index,
        p=f"{result.target.probability:.3f}",
        scale=_scale(result.normalization, lang),
        how=text("how_picked" if picked else "how_auto", lang),
    )
    if is_class_agnostic(result.method):
        heatmaps = text("agnostic", lang, **values)
    elif result.contrast is not None:
        heatmaps = text(
            "for_contrast",
            lang,
            contrast=result.contrast.label,
            c_index=result.contrast.index,
            c_p=f"{result.contrast.probability:.3f}",
            **values,
        )
    else:
        heatmaps = text("for_class", lang, **values)
    return f"{showing} · {run}\n\n{heatmaps}"


def stale_notice(shown: Subject | None, current: Subject | None, lang: str | None = "en") -> str:
    """The stages view's notice: freshness.stale_notice, the one check every tab makes."""
    return freshness.stale_notice(shown, current, lang)


def weights_banner(loaded: LoadedModel, lang: str | None = "en") -> str:
    if loaded.is_pretrained:
        return ""
    return text("untrained_banner", lang, model=loaded.name, note=message_in(loaded.weights_note, lang))


def refused(message: object, lang: str | None = "en") -> str:
    """A refusal in `lang`: a Message or error says itself there (resnet_viz.errors)."""
    return text("refused", lang, message=message_in(message, lang))
