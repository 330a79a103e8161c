"""The course, chapter 4 of the source document and the plain cell it starts from: a plain
char-RNN generating text with its softmax made visible (2.1, 4.1), and sampling (4.3).

Every number in a text was measured (README's lesson table says where and how long).
"""

from __future__ import annotations

from rnnlab.lessons.checks import Expect, Sampling
from rnnlab.lessons.lesson import Experiment, Lesson, Variation

# a small slice of the corpus and a short run: enough to leave the unigram baseline
TEXT_QUICK = ("task.max_chars=200000", "model.hidden_size=128", "train.steps=150", "train.eval_every=75",
              "train.checkpoint_every=150", "train.eval_batches=4")

PROBE_PREFIX = "    def __init__(self"

TEXT = (
    Lesson(
        number=13,
        chapter="2.1, 4.1",
        title={"en": "A plain char-RNN writes text: its softmax", "zh": "普通字符级 RNN 生成文本: 它的 softmax"},
        text={
            "en": "The plain cell of section 2.1 with its output layer: each character is a row of an "
                  "embedding table (x_t = E[c_t]), h_t = tanh(W_ih x_t + W_hh h_{t-1} + b), and the "
                  "output layer turns h_t into one score per character of the vocabulary, "
                  "p(next char) = softmax(W_hy h_t + b_y). Training lowers -log2 p(the true next "
                  "char): the val loss in bits per character (bpc). Generating draws a character from "
                  "p, feeds it back as x_{t+1}, and repeats (section 4.1).",
            "zh": "第 2.1 节的普通单元加上输出层: 每个字符是嵌入表中的一行 (x_t = E[c_t]), "
                  "h_t = tanh(W_ih x_t + W_hh h_{t-1} + b), 输出层把 h_t 变成词表中每个字符的一个分数, "
                  "p(下一个字符) = softmax(W_hy h_t + b_y)。训练降低 -log2 p(真实的下一个字符): 即以每字符比特数 "
                  "(bpc) 计的验证损失。生成时从 p 中抽取一个字符, 作为 x_{t+1} 输入, 如此反复 (第 4.1 节)。",
        },
        look={
            "en": "The Output tab: its samples grow from noise into code-shaped text. After the run, "
                  "`rnnlab lessons 13 --run` (and the lesson's result in the lab) prints the softmax at "
                  "one position, the ten likeliest characters after '    def __init__(self' with their "
                  "probabilities. Expect val bpc below the unigram baseline, and the distribution at "
                  "that position much sharper than the unigram one: its entropy in bits below the "
                  "unigram's (the state carries the context). Measured at quick size (150 steps): "
                  "3.23 bpc against the unigram's 4.57; after '(self' it put 52 % on '.' (self. is "
                  "the commonest continuation in the corpus; the ',' or ')' that a def needs got 5 "
                  "and 6 %), entropy 3.19 bits against the unigram's 4.72. After the full 1000 steps: "
                  "2.40 bpc against 4.70, and after '(self' ',' 48 %, ')' 29 %, '.' 18 %: 1.82 bits.",
            "zh": "Output 标签页: 样本从噪声逐渐变成像代码的文本。运行结束后, `rnnlab lessons 13 --run` "
                  "(以及实验室中本课的结果) 打印某一位置的 softmax: 在 '    def __init__(self' 之后最可能的十个字符"
                  "及其概率。预期验证 bpc 低于一元 (unigram) 基线, 该位置的分布远比一元分布尖锐: "
                  "其以比特计的熵低于一元分布的熵 (状态携带了上下文)。快速模式 (150 步) 实测: 3.23 bpc, 一元基线 4.57; "
                  "在 '(self' 之后它把 52% 的概率给了 '.' (self. 是语料中最常见的后续; def 需要的 ',' 或 ')' 只得到 5% 和 6%), "
                  "熵 3.19 比特, 一元分布为 4.72。完整的 1000 步之后: 2.40 bpc, 一元基线 4.70; 在 '(self' 之后 "
                  "',' 48%, ')' 29%, '.' 18%: 熵 1.82 比特。",
        },
        minutes=0.8,  # 46 s on a quiet 2-core CPU (load average ~2), 2026-12-06
        panel="output",
        experiments=(Experiment("rnn", "rnn-char"),),
        sets=("train.steps=1000", "train.eval_every=250"),
        expects=(
            Expect("beats_baseline", "rnn", metric="val_bpc", baseline="unigram_val_bpc"),
            Expect("beats_baseline", "next-char", metric="entropy_bits", baseline="unigram_entropy_bits", factor=0.75),
        ),
        quick=TEXT_QUICK,
        metric="val_bpc",
        probe=PROBE_PREFIX,
        tries=(
            Variation({"en": "an LSTM in its place", "zh": "换成 LSTM"}, ("model.cell=lstm",)),
            Variation({"en": "a 64-unit RNN", "zh": "64 个单元的 RNN"}, ("model.hidden_size=64",)),
        ),
        question={"en": "How much sharper is the LSTM's softmax after '(self' than the plain RNN's, and "
                        "how many bpc lower?",
                  "zh": "在 '(self' 之后, LSTM 的 softmax 比普通 RNN 尖锐多少, bpc 低多少?"},
    ),
    Lesson(
        number=6,
        chapter="4.3",
        title={"en": "Sampling: temperature, top-k, top-p", "zh": "采样: 温度、top-k 与 top-p"},
        text={
            "en": "A language model gives p(next char) = softmax(z); the sampler chooses what to draw "
                  "from it. Temperature divides the logits, softmax(z / T): T < 1 sharpens (T -> 0 is "
                  "greedy, always the likeliest), T > 1 flattens. Top-k keeps the k likeliest; top-p "
                  "(nucleus) keeps the smallest set whose probability reaches p. One short character "
                  "LSTM run, then one sample of 400 characters per setting from its best checkpoint.",
            "zh": "语言模型给出 p(下一个字符) = softmax(z); 采样器决定如何从中抽取。温度除以 logits, "
                  "softmax(z / T): T < 1 使分布更尖锐 (T -> 0 即贪心解码, 总取最可能的字符), T > 1 使其更平坦。"
                  "top-k 只保留最可能的 k 个; top-p (核采样) 保留概率和达到 p 的最小集合。先训练一个简短的"
                  "字符级 LSTM, 再从其最佳检查点按每种设置各采样 400 个字符。",
        },
        look={
            "en": "Compare the samples side by side with two numbers each: diversity, distinct-4 over "
                  "characters (the share of 4-character sequences that are not repeats), and "
                  "coherence, the model's own bits per character of its sample (at T = 1 close to its "
                  "val bpc). Expect greedy decoding to loop (distinct-4 near 0), diversity and own bpc "
                  "to rise together with the temperature, and top-k / top-p to score a lower own bpc "
                  "than plain T = 1: coherence is bought with diversity. The lesson's result (pinned in "
                  "the lab when the run ends, and `rnnlab lessons 6 --run`) shows the table; the "
                  "playground (g) samples the checkpoint at any setting.",
            "zh": "并排比较各个样本及其两个数字: 多样性, 即字符级 distinct-4 (不重复的 4 字符序列所占比例), "
                  "和连贯性, 即模型对自己生成样本的每字符比特数 (T = 1 时接近其验证 bpc)。预期贪心解码会陷入循环 "
                  "(distinct-4 接近 0), 多样性和自身 bpc 随温度一起升高, top-k / top-p 的自身 bpc 低于普通的 "
                  "T = 1: 连贯性是用多样性换来的。本课的结果 (运行结束后固定显示在实验室中, 以及 "
                  "`rnnlab lessons 6 --run`) 给出这张表; 采样游乐场 (g) 可以用任意设置从该检查点采样。",
        },
        minutes=4.7,  # 285 s (training and the six samples) on a quiet 2-core CPU (load average ~2), 2026-12-06
        panel="output",
        experiments=(Experiment("lstm", "lstm-char"),),
        sets=("train.steps=1000", "train.eval_every=250"),
        expects=(
            Expect("lower", "greedy", "T=1", metric="char_distinct_4"),
            Expect("lower", "T=0.5", "T=1.5", metric="char_distinct_4"),
            Expect("lower", "T=0.5", "T=1", metric="own_bpc"),
            Expect("lower", "T=1", "T=1.5", metric="own_bpc"),
            Expect("lower", "top-k=5", "T=1", metric="own_bpc"),
            Expect("lower", "top-p=0.8", "T=1", metric="own_bpc"),
        ),
        quick=TEXT_QUICK,
        metric="val_bpc",
        samplings=(
            Sampling("greedy", 0.0),
            Sampling("T=0.5", 0.5),
            Sampling("T=1", 1.0),
            Sampling("T=1.5", 1.5),
            Sampling("top-k=5", 1.0, top_k=5),
            Sampling("top-p=0.8", 1.0, top_p=0.8),
        ),
        tries=(
            Variation({"en": "a model trained 3x longer (3000 steps)", "zh": "训练三倍长 (3000 步)"}, ("train.steps=3000",)),
            Variation({"en": "a 64-unit LSTM", "zh": "64 个单元的 LSTM"}, ("model.hidden_size=64",)),
        ),
        question={"en": "Does a better model (lower val bpc) still loop under greedy decoding?",
                  "zh": "更好的模型 (更低的验证 bpc) 在贪心解码下还会陷入循环吗?"},
    ),
)


# the architecture lessons of section 4.2: a short run of each, small enough for a 2-core CPU
DEPTH_QUICK = ("task.max_chars=100000", "model.hidden_size=32", "train.steps=100", "train.eval_every=100",
               "train.checkpoint_every=100", "train.eval_batches=2", "train.warmup_steps=10", "train.lr=0.01",
               "probes.output_every=0")
STYLE_QUICK = ("task.max_chars=20000", "model.hidden_size=64", "train.steps=150", "train.eval_every=150",
               "train.checkpoint_every=150", "train.eval_batches=2", "train.warmup_steps=10", "train.lr=0.01",
               "probes.output_every=0")

DEPTH_EXPECTS = (
    Expect("lower", "depth-1", "depth-2", metric="params"),
    Expect("lower", "depth-2", "depth-3", metric="params"),
    Expect("beats_baseline", "depth-1", metric="val_bpc", baseline="unigram_val_bpc"),
    # a stack of three needs more steps to leave the unigram plateau; at this budget it ends
    # behind the single layer (quick and full alike)
    Expect("lower", "depth-1", "depth-3", metric="val_bpc"),
    Expect("beats_baseline", "depth-3", metric="val_bpc", baseline="unigram_val_bpc", full_only=True),
    Expect("lower", "depth-2", "depth-1", metric="val_bpc", full_only=True),
    # a timing: checked on the full run only, never asserted in the suite
    Expect("higher", "depth-1", "depth-3", metric="tokens_per_s", full_only=True),
)
DEPTH_LOOK = {
    "en": "The compare view's loss curves, its table's params and val bpc, and each run's tok/s. "
          "Measured after 1000 steps (the three racing on a quiet 2-core CPU): 1 layer 157 k parameters, 89,550 tokens/s, "
          "val 2.511 bpc; 2 layers 289 k, 39,750 tokens/s, 2.437 bpc; 3 layers 421 k, 25,979 "
          "tokens/s, 2.551 bpc (unigram 4.755). The second layer bought 0.07 bpc for 1.8x the "
          "parameters at 0.44x the speed; the third cost more again and ended behind the single "
          "layer: a deeper stack starts slower (at quick size, 100 steps, 3 layers had not left "
          "the unigram plateau while 1 layer was at 3.77 bpc). Expect each layer to add the same "
          "4H(H + H) + 8H weights, 1 layer below 3 in val bpc at this budget, 2 below 1 and 3 "
          "slower than 1 in tokens/s at full size. Section 4.2's advice holds for long texts and "
          "long training, not for a short run on a CPU.",
    "zh": "对比视图中的损失曲线、表格中的参数量和验证 bpc, 以及每个运行的 tok/s。1000 步后实测 (三个运行在空闲的双核 CPU 上同时竞赛): "
          "1 层 157 k 参数, 89,550 tokens/s, 验证 2.511 bpc; 2 层 289 k, 39,750 tokens/s, 2.437 bpc; 3 层 421 k, "
          "25,979 tokens/s, 2.551 bpc (一元基线 4.755)。第二层用 1.8 倍的参数和 0.44 倍的速度换来 0.07 bpc; "
          "第三层代价更大, 结果反而落后于单层: 更深的堆叠起步更慢 (快速模式 100 步时, 3 层还没有离开一元基线的平台, "
          "而 1 层已到 3.77 bpc)。预期每层增加同样的 4H(H + H) + 8H 个权重; 在这个预算下 1 层的验证 bpc 低于 3 层; "
          "完整规模下 2 层低于 1 层, 3 层的 tokens/s 低于 1 层。第 4.2 节的建议适用于长文本和长时间训练, "
          "而不是 CPU 上的一次短训练。",
}
DEPTH_MINUTES = 3.3  # 197 s for the three runs on a quiet 2-core CPU (load average ~2), 2026-12-06 (549 s at load ~8)

STYLE_EXPECTS = (
    Expect("higher", "code", "docs", metric="style_bits/code"),
    Expect("higher", "docs", "code", metric="style_bits/docs"),
    # told the style, the model predicts a little better (full: 0.014 bpc; quick: 0.007, too
    # close to call on another CPU)
    Expect("lower", "style", "no-style", metric="val_bpc", full_only=True),
)
STYLE_LOOK = {
    "en": "The Output tab, and after the runs the lesson's result: one 300-character sample in "
          "each style from the conditioned run's best checkpoint (the same prime, seed and "
          "temperature 0.8: only the style vector differs), each scored by style bits, the mean "
          "over its characters of log2 p_style(c) / p_all(c) from the two styles' character "
          "frequencies (above 0: typical of that style). Measured after 1000 steps: the code "
          "sample scored -0.160 code bits against the docs sample's -0.201, the docs sample 0.063 "
          "docs bits against 0.050; both begin alike and then part, the code one into "
          "'def __refa__(self._numary)', the docs one into sentences. The shift is in the asked direction but "
          "small: both samples are mostly letters. Told the style, the model predicted val text "
          "a little better, 2.166 bpc against the unconditioned 2.179 (docs 1.887 vs 1.903, code "
          "2.444 vs 2.456). At quick size (150 steps) the samples parted more: code bits 0.119 "
          "against -0.073. Expect each sample to score higher in its own style's bits than the "
          "other sample, and the conditioned run's val bpc below the unconditioned one's.",
    "zh": "Output 标签页, 以及运行结束后本课的结果: 从带条件运行的最佳检查点按每种风格各采样 300 个字符 "
          "(相同的起始文本、随机种子和温度 0.8, 只有风格向量不同), 每个样本按风格比特评分, 即其字符上 "
          "log2 p_风格(c) / p_全部(c) 的平均值, 由两种风格的字符频率算出 (大于 0: 是该风格典型的字符)。1000 步后实测: "
          "code 样本的 code 比特为 -0.160, docs 样本为 -0.201; docs 样本的 docs 比特为 0.063, code 样本为 0.050; "
          "两个样本开头相同, 随后分开, code 样本写出 'def __refa__(self._numary)', docs 样本写出句子。方向正确但幅度很小: "
          "两个样本大部分都是字母。知道风格后, 模型对验证文本的预测略好: 2.166 bpc, 无条件的为 2.179 (docs 1.887 对 1.903, "
          "code 2.444 对 2.456)。快速模式 (150 步) 下样本分得更开: code 比特 0.119 对 -0.073。预期每个样本在自己风格上的"
          "比特高于另一个样本, 带条件运行的验证 bpc 低于无条件运行。",
}
STYLE_MINUTES = 1.6  # 96 s for both runs and the samples on a quiet 2-core CPU (load average ~2), 2026-12-06 (409 s at load ~6)

ARCHITECTURE = (
    Lesson(
        number=15,
        chapter="4.2",
        title={"en": "Depth: 1, 2 and 3 stacked LSTM layers", "zh": "深度: 堆叠 1、2、3 层 LSTM"},
        text={
            "en": "Section 4.2 suggests a deeper RNN for longer text. Stacking feeds each layer's "
                  "hidden states to the next as its input: h^1_t = LSTM_1(x_t, h^1_{t-1}), "
                  "h^2_t = LSTM_2(h^1_t, h^2_{t-1}), ..., and the output layer reads the top one. "
                  "Each layer adds 4·H·(H + H) + 8·H weights and one more cell to compute per "
                  "character, one after another. Three character LSTMs of 128 units, 1, 2 and 3 "
                  "layers deep, learn the same text for the same 1000 steps.",
            "zh": "第 4.2 节建议用更深的 RNN 生成长文本。堆叠时每一层的隐藏状态作为下一层的输入: "
                  "h^1_t = LSTM_1(x_t, h^1_{t-1}), h^2_t = LSTM_2(h^1_t, h^2_{t-1}), ..., 输出层读取最上面一层。"
                  "每加一层就多 4·H·(H + H) + 8·H 个权重, 每个字符也要多依次计算一个单元。三个 128 单元的字符级 "
                  "LSTM, 分别为 1、2、3 层, 以相同的 1000 步学习同一文本。",
        },
        look=DEPTH_LOOK,
        minutes=DEPTH_MINUTES,
        panel="loss",
        experiments=(
            Experiment("depth-1", "lstm-char", ("model.num_layers=1",)),
            Experiment("depth-2", "lstm-char", ("model.num_layers=2",)),
            Experiment("depth-3", "lstm-char", ("model.num_layers=3",)),
        ),
        sets=("task.max_chars=1000000", "model.hidden_size=128", "train.steps=1000", "train.eval_every=250",
              "train.checkpoint_every=500"),
        expects=DEPTH_EXPECTS,
        quick=DEPTH_QUICK,
        metric="val_bpc",
        tries=(
            Variation({"en": "3000 steps: does depth pay with a longer budget?", "zh": "3000 步: 预算更长时深度是否划算?"},
                      ("train.steps=3000",), only=("depth-1", "depth-3")),
            Variation({"en": "dropout 0.2 between layers", "zh": "层间 dropout 0.2"},
                      ("model.dropout=0.2",), only=("depth-2", "depth-3")),
            Variation({"en": "GRU cells instead", "zh": "改用 GRU 单元"}, ("model.cell=gru",)),
        ),
        question={"en": "With three times the steps, does the 3-layer stack overtake the single layer, "
                        "and at what cost in tokens/s?",
                  "zh": "训练步数加到三倍时, 3 层堆叠能否超过单层? 以多少 tokens/s 为代价?"},
    ),
    Lesson(
        number=16,
        chapter="4.2",
        title={"en": "Style-conditioned generation", "zh": "按风格条件生成"},
        text={
            "en": "Section 4.2's other suggestion: to write in a given style, condition the model on "
                  "it. The corpus is the Python manual's prose (style docs) and the standard "
                  "library's code (style code); the conditioned LSTM adds a learned vector per style "
                  "to its input at every step, x_t = E[c_t] + S[style], so the same weights serve "
                  "both and the style vector tells them which to write. The comparison run sees the "
                  "same data with no style vector and must guess the style from the text so far.",
            "zh": "第 4.2 节的另一个建议: 要写出特定风格, 就以风格为条件。语料是 Python 手册的文字 (风格 docs) "
                  "和标准库的代码 (风格 code); 带条件的 LSTM 每一步在输入上加一个学到的风格向量, "
                  "x_t = E[c_t] + S[风格], 同一组权重服务两种风格, 由风格向量告诉它写哪一种。对照运行看到相同的数据, "
                  "但没有风格向量, 只能从已有的文本猜测风格。",
        },
        look=STYLE_LOOK,
        minutes=STYLE_MINUTES,
        panel="output",
        experiments=(
            Experiment("style", "lstm-style"),
            Experiment("no-style", "lstm-nostyle"),
        ),
        sets=("train.steps=1000", "train.eval_every=250"),
        expects=STYLE_EXPECTS,
        quick=STYLE_QUICK,
        metric="val_bpc",
        also=("val_bpc/docs", "val_bpc/code"),
        samplings=(
            Sampling("docs", 0.8, style="docs"),
            Sampling("code", 0.8, style="code"),
        ),
        sample_length=300,
        tries=(
            Variation({"en": "300 steps: how soon do the styles part?", "zh": "300 步: 两种风格多快分开?"},
                      ("train.steps=300", "train.eval_every=100")),
            Variation({"en": "a 64-unit model", "zh": "64 个单元的模型"}, ("model.hidden_size=64",)),
        ),
        question={"en": "Does a smaller model still keep the two styles apart in its samples, and by how "
                        "many bits per character?",
                  "zh": "更小的模型的样本还能把两种风格区分开吗? 每字符差多少比特?"},
    ),
)
