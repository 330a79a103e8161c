"""The course, chapters 5-6 of the source document: forecasting (5.2, 5.3), the RNN beside the
Transformer (6.1, 6.2) and attention (6.3).

Every number in a text was measured (README's lesson table says where and how long).
"""

from __future__ import annotations

from rnnlab.lessons.checks import Expect
from rnnlab.lessons.lesson import Experiment, Lesson, Variation

SERIES = (
    Lesson(
        number=7,
        chapter="5.2, 5.3",
        title={"en": "Forecasting: raw vs scaled vs differenced", "zh": "时间序列预测: 原始、标准化与差分"},
        text={
            "en": "A series with a trend is not stationary: its validation and test values lie above "
                  "anything seen in training, so a network fed raw values must extrapolate, and "
                  "large raw inputs saturate tanh/sigmoid units. Scaling (z = (y - mean)/std over "
                  "the training split) fixes the input range; differencing (y_t - y_{t-1}) removes "
                  "the trend itself, so the network learns a stationary signal.",
            "zh": "带趋势的序列是非平稳的: 验证集和测试集的取值高于训练中见过的任何值, 直接输入原始值的网络必须外推, "
                  "而且很大的原始输入会使 tanh/sigmoid 单元饱和。标准化 (z = (y - 均值)/标准差, 在训练集上计算) "
                  "解决了输入范围问题; 差分 (y_t - y_{t-1}) 去掉趋势本身, 让网络学习平稳的信号。",
        },
        look={
            "en": "Watch the forecast panel beside the naive and seasonal-naive baselines: raw inputs "
                  "miss by tens, scaled ones follow the shape but lag the trend, differenced ones "
                  "follow it. Expect val RMSE raw > scaled > differenced; the residual ACF bars "
                  "shrink as the trend is removed.",
            "zh": "在预测面板中与 naive 和季节性 naive 基线对比: 原始输入的误差达几十, 标准化后能跟上形状但落后于趋势, "
                  "差分后能跟上趋势。预期验证 RMSE: 原始 > 标准化 > 差分; 去掉趋势后残差自相关柱变短。",
        },
        minutes=1.2,  # 72 s for the three runs on a quiet 2-core CPU (load average ~2), 2026-12-06
        panel="forecast",
        experiments=(
            Experiment("raw", "ts-lstm", ("task.synthetic.trend=0.02", "task.difference=false", "task.scale=none")),
            Experiment("scaled", "ts-lstm", ("task.synthetic.trend=0.02", "task.difference=false", "task.scale=standard")),
            Experiment("differenced", "ts-lstm", ("task.synthetic.trend=0.02", "task.difference=true", "task.scale=standard")),
        ),
        expects=(
            Expect("lower", "scaled", "raw", metric="val_rmse", factor=0.5),
            Expect("lower", "differenced", "scaled", metric="val_rmse"),
        ),
        quick=("task.synthetic.length=1500", "model.hidden_size=32", "train.steps=200", "train.eval_every=100",
               "train.checkpoint_every=200"),
        metric="val_rmse",
        tries=(
            # a gap is always filled causally, with the last observed value (tasks/timeseries/data.py):
            # interpolation would read the value after the gap, so task.fill no longer changes it
            Variation({"en": "30 % of the values missing, each filled with the last observed value (section 5.2; lesson 18)",
                       "zh": "30% 的值缺失, 每个用最后一个观测值填补 (第 5.2 节; 第 18 课)"},
                      ("task.synthetic.missing_fraction=0.3",), only=("differenced",)),
            Variation({"en": "10 % missing", "zh": "10% 缺失"},
                      ("task.synthetic.missing_fraction=0.1",), only=("differenced",)),
            Variation({"en": "no calendar (hour, weekday) features", "zh": "不用日历 (小时、星期) 特征"},
                      ("task.calendar_features=false",), only=("differenced",)),
        ),
        question={"en": "Which costs the differenced run more RMSE: a third of its values missing, a tenth, "
                        "or losing the calendar features?",
                  "zh": "对差分后的运行, 哪个让 RMSE 损失更多: 缺失三分之一的值、缺失十分之一, 还是去掉日历特征?"},
    ),
)

BEYOND = (
    Lesson(
        number=8,
        chapter="6.1, 6.2",
        title={"en": "RNN vs Transformer at equal parameters", "zh": "参数量相同时 RNN 与 Transformer 的比较"},
        text={
            "en": "An RNN must compute h_1, h_2, ..., h_T one after another; a Transformer computes all "
                  "T positions of a window at once, attention = softmax(Q K^T / sqrt(d)) V under a "
                  "causal mask, at O(T^2) cost. Here a 1x256 character LSTM (0.58 M parameters) "
                  "and a 3x128 Transformer (0.63 M) learn the same text with the same budget.",
            "zh": "RNN 必须依次计算 h_1, h_2, ..., h_T; Transformer 在因果掩码下一次计算窗口内全部 T 个位置, "
                  "attention = softmax(Q K^T / sqrt(d)) V, 代价为 O(T^2)。这里 1x256 的字符级 LSTM (0.58 M 参数) "
                  "与 3x128 的 Transformer (0.63 M) 以相同预算学习同一文本。",
        },
        look={
            "en": "The compare table's metric column (val bpc) and the tok/s column of the run list "
                  "(esc twice; each run's header shows it too): both fall far below the unigram "
                  "baseline, at similar bpc (README's preset table, 3000 steps each: LSTM 1.90, the "
                  "preset's 2-layer Transformer 1.96; this lesson adds a third layer). Which one trains "
                  "faster on this 2-core CPU depends on how it is run, and T: BENCHMARKS.md item 12 "
                  "(one torch thread, batch 16, the two timed in turns) measured the Transformer at "
                  "0.68x the LSTM's training tokens/s at T=32, 0.8x at T=64 and 0.48x at T=512; with "
                  "two threads and batch 32, as this lesson's runs train, it measured 1.37x at "
                  "T=32 and 1.71x at T=64, under load. Its attention costs O(T^2), so at long windows its "
                  "share falls (item 12: from 0.8x at T=64 to 0.48x at T=512; try 1 and 2); the tok/s of your own runs is this machine's answer today. The "
                  "parallelism claim of section 6.2 is about wide hardware (GPUs), not measured here.",
            "zh": "对比表格的 metric 列 (验证 bpc) 和运行列表的 tok/s 列 (按两次 esc; 每个运行的标题栏也显示): "
                  "两者都远低于一元 (unigram) 基线, bpc 接近 (README 预设表, 各 3000 步: LSTM 1.90, 预设的两层 "
                  "Transformer 1.96; 本课再加一层)。在这台 2 核 CPU 上谁训练得更快, 取决于运行方式和 T: "
                  "BENCHMARKS.md 第 12 项 (单个 torch 线程, batch 16, 两者轮流计时) 测得 Transformer 的训练 tokens/s "
                  "在 T=32 时为 LSTM 的 0.68 倍, T=64 时 0.8 倍, T=512 时 0.48 倍; 用两个线程和 batch 32 (与本课的运行相同) "
                  "在有负载时测得 T=32 为 1.37 倍, T=64 为 1.71 倍。注意力的代价是 O(T^2), 所以窗口很长时它的份额下降 "
                  "(第 12 项: 从 T=64 的 0.8 倍降到 T=512 的 0.48 倍; 变体 1 和 2); 你自己运行的 tok/s 就是这台机器今天的答案。第 6.2 节关于并行的说法针对的是宽并行硬件 "
                  "(GPU), 这里没有测量。",
        },
        minutes=10.4,  # 625 s for both runs on a quiet 2-core CPU (load average ~2), 2026-12-06
        panel="loss",
        experiments=(
            Experiment("lstm", "lstm-char"),
            Experiment("transformer", "transformer-char", ("model.num_layers=3",)),
        ),
        expects=(
            Expect("beats_baseline", "lstm", metric="val_bpc", baseline="unigram_val_bpc"),
            Expect("beats_baseline", "transformer", metric="val_bpc", baseline="unigram_val_bpc"),
        ),
        quick=("task.max_chars=200000", "train.steps=100", "train.eval_every=50", "train.checkpoint_every=100",
               "train.warmup_steps=10", "train.eval_batches=4"),
        metric="val_bpc",
        tries=(
            Variation({"en": "T = 256 for both: four times the window", "zh": "两者都用 T = 256: 窗口加到四倍"},
                      ("task.seq_len=256",)),
            Variation({"en": "T = 16 for both", "zh": "两者都用 T = 16"}, ("task.seq_len=16",)),
        ),
        question={"en": "How does the Transformer's tok/s against the LSTM's change from T = 16 to T = 256?",
                  "zh": "从 T = 16 到 T = 256, Transformer 的 tok/s 相对 LSTM 如何变化?"},
    ),
    Lesson(
        number=9,
        chapter="6.3",
        title={"en": "Attention: copy memory with and without it", "zh": "注意力: 有无注意力的复制记忆"},
        text={
            "en": "Without attention the LSTM must squeeze all ten symbols into its state and carry "
                  "them across the whole delay. Attention lets each step look back at the earlier "
                  "states instead (Luong et al. 2015): score(t, s) = h_t . W_a h_s, a_t = "
                  "softmax_s(score), context c_t = sum_s a_t,s h_s, h~_t = tanh(W_c [c_t; h_t]). "
                  "Copy memory with delay T = 50 (70 steps), the same LSTM with and without "
                  "[model] attention = true.",
            "zh": "没有注意力时, LSTM 必须把十个符号都压进自己的状态, 并在整个延迟期间携带它们。注意力让每一步"
                  "转而回看之前的状态 (Luong 等 2015): score(t, s) = h_t . W_a h_s, a_t = softmax_s(score), "
                  "上下文 c_t = sum_s a_t,s h_s, h~_t = tanh(W_c [c_t; h_t])。复制记忆任务, 延迟 T = 50 (70 步), "
                  "同一个 LSTM, 分别设置 [model] attention = true 与 false。",
        },
        look={
            "en": "The compare view's loss curves and each run's Output tab (Enter on it), its "
                  "predictions. The memoryless baseline is 10 ln8/70 = 0.297 nats. Measured with the "
                  "preset's seed 1: the attention run had already halved it by the first evaluation "
                  "(val loss 0.156 and 58 % of the symbols recalled at step 250; 0.077 and 74 % at 500; "
                  "0.0004 and 100 % at 1000) and stays at ~0 (0.0000 after 2000 steps); the plain LSTM creeps down "
                  "(0.205, 42 % after 2000 steps). Expect the attention run's val loss far below the plain one's and "
                  "its recall (val_acc) above it. How soon attention learns depends on the seed: "
                  "seed 3 got there by step 1250, seed 2 had not by step 2000 (try 1).",
            "zh": "对比视图中的损失曲线, 以及每个运行 Output 标签页中的预测 (对它按 Enter)。无记忆基线为 "
                  "10 ln8/70 = 0.297 nats。用预设的种子 1 实测: 带注意力的运行在第一次评估时就已把它减半 "
                  "(第 250 步验证损失 0.156, 召回 58% 的符号; 第 500 步 0.077, 74%; 第 1000 步 0.0004, 100%), "
                  "之后保持在约 0 (2000 步后 0.0000); "
                  "普通 LSTM 只是缓慢下降 (2000 步后 0.205, 42%)。预期带注意力的验证损失远低于普通 LSTM, 召回率 (val_acc) 高于它。"
                  "注意力多快学会取决于随机种子: 种子 3 在第 1250 步前学会, 种子 2 在 2000 步内没有学会 (变体 1)。",
        },
        minutes=2.1,  # 125 s for both runs on a quiet 2-core CPU (load average ~2), 2026-12-06
        panel="output",
        experiments=(
            Experiment("lstm", "copy-lstm"),
            Experiment("attention", "copy-lstm", ("model.attention=true",)),
        ),
        expects=(
            Expect("lower", "attention", "lstm", metric="val_loss", factor=0.5),
            Expect("beats_baseline", "attention", metric="val_loss", baseline="memoryless_val_loss"),
            Expect("higher", "attention", "lstm", metric="val_acc"),
        ),
        sets=("task.seq_len=50", "train.steps=2000", "train.eval_every=250"),
        # 500 steps: attention is at 0.077 nats and 74 % recalled by then, the plain LSTM at 0.272
        # and 25 % (the full run's history), the checks' margins wide; 1000 cost the suite 70 s
        quick=("train.steps=500", "train.eval_every=250", "train.eval_batches=8", "train.checkpoint_every=500"),
        also=("val_acc",),
        tries=(
            Variation({"en": "seed 2", "zh": "随机种子 2"}, ("train.seed=2",)),
            Variation({"en": "delay T = 100 (120 steps)", "zh": "延迟 T = 100 (120 步)"}, ("task.seq_len=100",)),
        ),
        question={"en": "Does attention learn where to look with another seed, and how does the plain "
                        "LSTM fare at twice the delay?",
                  "zh": "换一个随机种子, 注意力还能学会该看哪里吗? 延迟加倍时普通 LSTM 表现如何?"},
    ),
)


METRICS = Lesson(
    number=14,
    chapter="5.3",
    title={"en": "Error metrics and residual autocorrelation", "zh": "误差指标与残差自相关"},
    text={
        "en": "Four ways to score the same forecast errors e = y - y_hat: MAE = mean |e| (in the "
              "series' units, robust to a few big misses), MSE = mean e^2 (punishes big misses), "
              "RMSE = sqrt(MSE) (back in the series' units; RMSE >= MAE, equal only when every miss "
              "is the same size), MASE = MAE / the in-sample MAE of the seasonal-naive forecast "
              "(below 1: better than repeating last season). Then the errors themselves: if they "
              "are autocorrelated, the model left predictable structure behind. The Ljung-Box test "
              "sums the squared autocorrelations of the one-step residuals over many lags; a small "
              "p-value (< 0.05) says they are not white noise.",
        "zh": "同一组预测误差 e = y - y_hat 的四种打分: MAE = mean |e| (与序列同单位, 对少数大误差稳健), "
              "MSE = mean e^2 (重罚大误差), RMSE = sqrt(MSE) (回到序列的单位; RMSE >= MAE, 只有每个误差"
              "大小相同时才相等), MASE = MAE / 季节性 naive 预测在样本内的 MAE (小于 1: 比重复上一季更好)。"
              "然后看误差本身: 如果误差自相关, 说明模型留下了可预测的结构。Ljung-Box 检验把一步残差在多个滞后上的"
              "自相关平方加总; p 值很小 (< 0.05) 说明它们不是白噪声。",
    },
    look={
        "en": "The forecast panel and its residual ACF bars beside the naive and seasonal-naive "
              "baselines. Expect the LSTM below the seasonal-naive baseline on val MAE and val RMSE "
              "alike; the lesson's result prints MASE and the Ljung-Box p-value of the test "
              "residuals. Measured after 1000 steps: val MAE 0.287 and RMSE 0.356 against the "
              "seasonal-naive 0.593 and 0.726, MASE 0.45; yet the Ljung-Box p-value of the test "
              "residuals is 0.0019 (Q = 81): beating every baseline does not mean nothing is left "
              "to model.",
        "zh": "预测面板及其残差自相关柱, 与 naive 和季节性 naive 基线并列。预期 LSTM 的验证 MAE 和验证 RMSE "
              "都低于季节性 naive 基线; 本课的结果打印 MASE 和测试残差的 Ljung-Box p 值。1000 步后实测: 验证 MAE 0.287、"
              "RMSE 0.356, 季节性 naive 为 0.593 和 0.726, MASE 0.45; 但测试残差的 Ljung-Box p 值为 0.0019 (Q = 81): "
              "胜过所有基线并不代表已经没有可建模的东西。",
    },
    minutes=0.5,  # 29 s on a quiet 2-core CPU (load average ~2), 2026-12-06
    panel="forecast",
    experiments=(Experiment("lstm", "ts-lstm"),),
    expects=(
        Expect("beats_baseline", "lstm", metric="val_mae", baseline="seasonal_naive_val_mae"),
        Expect("beats_baseline", "lstm", metric="val_rmse", baseline="seasonal_naive_val_rmse"),
    ),
    quick=("task.synthetic.length=1500", "model.hidden_size=32", "train.steps=200", "train.eval_every=100",
           "train.checkpoint_every=200"),
    metric="val_rmse",
    also=("val_mae", "val_mase", "test_ljung_box_p"),
    tries=(
        Variation({"en": "a 12-step window without calendar features: the day is out of sight",
                   "zh": "12 步窗口且不用日历特征: 看不到一整天"},
                  ("task.window=12", "task.calendar_features=false")),
        Variation({"en": "noise x 3", "zh": "噪声乘以 3"}, ("task.synthetic.noise=0.9",)),
    ),
    question={"en": "With a window shorter than the daily season, which metric moves most, and do "
                    "the residuals' autocorrelations at lag 24 grow?",
              "zh": "窗口短于日季节时, 哪个指标变化最大? 滞后 24 处的残差自相关是否变大?"},
)
