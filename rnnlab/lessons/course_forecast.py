"""The course, the forecaster's practice of chapter 5 (and 6.3's combining): missing values,
windows and calendar features (5.2), and combining models into one forecast (5.3, 6.3).

Every number in a text was measured (README's lesson table says where and how long).
"""

from __future__ import annotations

from rnnlab.lessons.checks import Expect
from rnnlab.lessons.lesson import Experiment, Lesson, Variation

# a short series and a small, short run: enough for the RNN to leave the naive baseline
# (no output probe: it fits the members again at every evaluation; the test split's score fits them once)
FORECAST_QUICK = ("task.synthetic.length=1200", "model.hidden_size=32", "train.steps=100", "train.eval_every=100",
                  "train.checkpoint_every=100", "probes.output_every=0")

PREPARE_EXPECTS = (
    Expect("lower", "clean", "gaps", metric="val_rmse"),
)
PREPARE_LOOK = {"en": "TODO", "zh": "TODO"}

PREPARE = Lesson(
    number=18,
    chapter="5.2",
    title={"en": "Missing values, windows, calendar features", "zh": "缺失值、窗口与日历特征"},
    text={
        "en": "Section 5.2: fill the gaps, pick the window, add time features. Here a gap is filled "
              "causally, with the last observed value (interpolating would read the value after "
              "the gap, which a forecast at that time cannot know), and a target that was never "
              "observed drops out of the loss and every score (the observed mask). The window is "
              "how many past steps the network reads; the calendar features are the hour of day "
              "and day of week as sin/cos pairs, with sin/cos of the known periods (24 and 168 "
              "hours). Four runs on the same hourly series: clean (no gaps), 30 % of the values "
              "missing, a 12-step window (half a day) instead of 96, and no calendar or period "
              "features.",
        "zh": "第 5.2 节: 填补缺失、选择窗口、加入时间特征。这里缺失值按因果方式填补, 即用最后一个观测值 "
              "(插值会读到缺口之后的值, 而那个时刻的预测不可能知道它), 从未观测到的目标不计入损失和任何评分 "
              "(观测掩码)。窗口是网络读取的过去步数; 日历特征是一天中的小时和一周中的星期, 以 sin/cos 对表示, "
              "另加已知周期 (24 和 168 小时) 的 sin/cos。同一个小时序列上的四个运行: 干净 (无缺失)、30% 的值缺失、"
              "12 步窗口 (半天) 代替 96 步, 以及不用日历和周期特征。",
    },
    look=PREPARE_LOOK,
    minutes=5.0,
    panel="forecast",
    experiments=(
        Experiment("clean", "ts-lstm", ("task.synthetic.missing_fraction=0",)),
        Experiment("gaps", "ts-lstm", ("task.synthetic.missing_fraction=0.3",)),
        Experiment("window-12", "ts-lstm", ("task.synthetic.missing_fraction=0", "task.window=12")),
        Experiment("no-calendar", "ts-lstm", ("task.synthetic.missing_fraction=0", "task.calendar_features=false",
                                              "task.periods=[]", "task.season=24")),
    ),
    expects=PREPARE_EXPECTS,
    quick=FORECAST_QUICK,
    metric="val_rmse",
    also=("val_mase",),
    tries=(
        Variation({"en": "a 12-step window without calendar or period features: nothing tells the time of day",
                   "zh": "12 步窗口且没有日历和周期特征: 没有任何东西告诉它现在是几点"},
                  ("task.window=12",), only=("no-calendar",)),
        Variation({"en": "10 % missing instead of 30 %", "zh": "缺失 10% 而不是 30%"},
                  ("task.synthetic.missing_fraction=0.1",), only=("gaps",)),
        Variation({"en": "a 48-step window (two days)", "zh": "48 步窗口 (两天)"}, ("task.window=48",), only=("window-12",)),
    ),
    question={"en": "Once the window is shorter than the day, do the calendar features matter more?",
              "zh": "当窗口短于一天时, 日历特征是否变得更重要?"},
)

COMBINE_EXPECTS = (
    Expect("lower", "fused", "member-mean", metric="test_mase"),
    Expect("lower", "fused", "seasonal_naive", metric="test_mase"),
)
COMBINE_LOOK = {"en": "TODO", "zh": "TODO"}

COMBINE = Lesson(
    number=17,
    chapter="5.3, 6.3",
    title={"en": "Combining models: the fused forecast", "zh": "模型融合: 融合预测"},
    text={
        "en": "Section 5.3 suggests ensembles (model fusion). Every forecasting run here fits four "
              "classical members beside the RNN: seasonal naive (repeat the last day), ETS "
              "(exponential smoothing), Theta and ARIMA. Their validation errors pick the fusion: the "
              "equal mean of the members within twice the best one's validation error (Bates & "
              "Granger 1969: an equal mean of good forecasts is hard to beat; the M4 competition's "
              "combinations ranked high). The test split is scored once, at the end: MASE = MAE / "
              "the in-sample MAE of the seasonal-naive forecast, below 1 better than repeating "
              "last season.",
        "zh": "第 5.3 节建议集成 (模型融合)。这里每个预测运行除 RNN 外还拟合四个经典成员: 季节性 naive "
              "(重复上一天)、ETS (指数平滑)、Theta 和 ARIMA。由它们的验证误差决定融合方式: 对验证误差在最佳成员两倍以内的"
              "成员取等权平均 (Bates 和 Granger 1969: 好预测的等权平均很难被超越; M4 竞赛中组合方法排名靠前)。"
              "测试集只在最后评分一次: MASE = MAE / 季节性 naive 预测在样本内的 MAE, 小于 1 即比重复上一季更好。",
    },
    look=COMBINE_LOOK,
    minutes=2.0,
    panel="forecast",
    experiments=(Experiment("forecast", "ts-lstm"),),
    expects=COMBINE_EXPECTS,
    quick=FORECAST_QUICK,
    metric="test_mase",
    also=("fused_test_mase", "val_mase"),
    members=True,
    tries=(
        Variation({"en": "noise x 3", "zh": "噪声乘以 3"}, ("task.synthetic.noise=0.9",)),
        Variation({"en": "a 16-unit RNN trained 200 steps: a weak member", "zh": "16 个单元、训练 200 步的 RNN: 一个弱成员"},
                  ("model.hidden_size=16", "train.steps=200")),
    ),
    question={"en": "When the RNN is a weak member, does the fusion leave it out, and does the fused "
                    "forecast still beat the average member?",
              "zh": "当 RNN 是弱成员时, 融合会把它排除吗? 融合预测还能胜过平均成员吗?"},
)
