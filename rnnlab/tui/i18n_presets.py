"""The shipped presets' descriptions in Chinese, for `rnnlab presets` under `RNNLAB_LANG=zh`.

The TOML files keep the English `description` (a config key, in every run's config.toml and
`presets --json`); this table says the same in Chinese, with the same numbers
(tests/test_i18n_presets.py checks that every preset has one and that its numbers are the
English text's). A preset without an entry shows its English description.
"""

from __future__ import annotations

from typing import Optional

ZH: dict[str, str] = {
    "adding-lstm": "加法问题, T=100 (Arjovsky 等 2016): LSTM 降到常数 1 基线 MSE 1/6 以下。2 核 CPU 上约 1 分钟。",
    "adding-rnn": "加法问题, T=100, tanh RNN: 停在常数 1 基线 MSE 1/6; 它沿时间回传的梯度消失。2 核 CPU 上约 1 分钟。",
    "copy-lstm": "复制记忆, 延迟 T=20 (Arjovsky 等 2016): LSTM 胜过无记忆基线 10 ln8/(T+20)。2 核 CPU 上约 1 分钟。",
    "copy-rnn": "复制记忆, 延迟 T=20, tanh RNN: 卡在无记忆基线附近。2 核 CPU 上约 1 分钟。",
    "explode-rnn": (
        "梯度爆炸 (Pascanu 等 2013): ReLU RNN 做加法问题 (T=50), SGD+动量, lr 0.2, 不裁剪。梯度范数猛增, "
        "NaN 守卫在几步内以发散结束运行; 加上 --set train.clip_norm=1 (或 train.clip_value=0.1) 同一运行能活下来, "
        "但 lr 0.2 时几乎学不到 (val MSE 0.157, 常数 1 基线为 1/6); 第 3 课展示更紧的裁剪 (T=20 时 clip_norm=0.05) "
        "能学会。2 核 CPU 上几秒。"
    ),
    "gru-char": "内置语料上的字符级 GRU, 与 lstm-char 预算相同, 便于公平比较。2 核 CPU 上约 4-5 分钟。",
    "lstm-char-gpu": "给 GPU 机器的大型字符级 LSTM (cuDNN 融合后端, bf16 autocast): 3 x 1024, 长 BPTT。不适合 CPU。",
    "lstm-char": "以 Python 标准库自身源码训练的字符级 LSTM (默认)。2 核 CPU 上约 4 分钟达到约 1.9 val bpc。",
    "lstm-nostyle": (
        "lstm-style 的对照运行: 相同的数据、规模、划分和按风格的指标, 但不告诉模型风格 (style_embedding = false)。"
        "2 核 CPU 上约 1.5 分钟。"
    ),
    "lstm-style": (
        "按风格条件化的字符级 LSTM, 语料 builtin:python-docs-and-code: Python 手册的文字 (风格 docs) 和标准库代码 "
        "(风格 code), 风格的嵌入在每一步加到输入上。用 `rnnlab sample RUN --style docs` 按风格采样; "
        "val_bpc/docs 和 val_bpc/code 与 lstm-nostyle 的并列。2 核 CPU 上约 1.5 分钟。"
    ),
    "lstm-word": (
        "内置语料上的词级 LSTM (task.unit = \"word\": 词、空白串和标点作为词元, 保留 4000 个, 另加 <unk>)。"
        "2 核 CPU 上几分钟内每词元困惑度胜过一元模型。"
    ),
    "optim-adding": (
        "优化器 (第 3.3 节) 同场比较: LSTM 做加法问题 (T=50)。这里用 Adam; 与 --set train.optimizer=sgd "
        "(动量 0 和 0.9) 及 rmsprop 竞赛, 看谁先离开常数 1 基线 MSE 1/6。2 核 CPU 上约 1 分钟。"
    ),
    "rnn-char": "内置语料上的普通 tanh RNN: 看梯度沿时间回传时消失。2 核 CPU 上约 2 分钟。",
    "transformer-char": "内置语料上的小型因果 Transformer, 用来与 RNN 比较 (Vaswani 等 2017)。2 核 CPU 上约 4-5 分钟。",
    "ts-covariates": (
        "预测一条由协变量驱动的序列 (builtin:synthetic-driven): 事先已知的促销日历和观测到的气温, 提前 24 步, "
        "带保形区间, 与朴素和季节朴素基线并列。2 核 CPU 上约 1 分钟; 之后 `forecast --future` 需要用 --covariates "
        "给出未来的促销 (超过 24 步还要气温)。"
    ),
    "ts-holidays": (
        "预测一条生成的日序列 (builtin:synthetic-daily: 趋势、年和周周期、AR 噪声、缺口, 每个美国公共假日一次下陷), "
        "提前一周, 使用美国假日特征 (事先已知, 未来日期也有), 与朴素、季节朴素、漂移和 ETS 并列。2 核 CPU 上约 2 分钟。"
    ),
    "ts-intervals": (
        "概率预测: 带分位数输出头的 LSTM (在 2.5/10/50/90/97.5 % 分位数上的 pinball 损失), 平稳的合成小时序列, "
        "提前 24 步; 它自己的 80/95 % 区间与分裂保形区间及基线的区间一起评分。2 核 CPU 上约 1 分钟。"
    ),
    "ts-lstm": (
        "预测一条合成的小时序列 (趋势 + 日/周季节性 + 噪声 + 缺口 + 一次水平移动), 提前 24 步, "
        "与朴素和季节朴素基线并列。2 核 CPU 上约 1 分钟。"
    ),
}


def description(name: str, english: str, language: str) -> str:
    """The preset's description in `language` ("zh" or "en"): the Chinese entry where there is one."""
    zh: Optional[str] = ZH.get(name) if language == "zh" else None
    return zh or english
