"""The course, chapters 1-3 of the source document: the cells (1, 2.1, 2.2), vanishing and exploding
gradients (2.3), truncated BPTT (3.1), clipping (3.2), optimizers and schedules (3.3).

Every number in a text was measured (README's lesson table says where and how long); where the
document claims more than the runs show, the text says what the runs show.
"""

from __future__ import annotations

from rnnlab.lessons.checks import Expect
from rnnlab.lessons.lesson import Experiment, Lesson, Variation

# adding problem at T=20 with a 32-unit net; lr 0.003 (runs that set their own lr, like SGD's,
# keep theirs) so 300 steps are enough to leave the baseline
ADD_QUICK = ("task.seq_len=20", "model.hidden_size=32", "train.steps=300", "train.eval_every=100",
             "train.eval_batches=8", "train.checkpoint_every=300", "train.lr=0.003")


def _seed(n: int) -> Variation:
    return Variation({"en": f"the same runs with seed {n}", "zh": f"同样的运行, 随机种子 {n}"}, (f"train.seed={n}",))


CELLS = (
    Lesson(
        number=1,
        chapter="1.1, 2.2",
        title={"en": "The recurrent cell and its equations", "zh": "循环单元及其方程"},
        text={
            "en": "A recurrent cell reads x_t and its own previous state h_{t-1}. The plain cell of "
                  "sections 1.1 and 2.1: h_t = tanh(W_ih x_t + W_hh h_{t-1} + b). The LSTM of section "
                  "2.2, which this lesson runs, adds a cell state c_t and three gates: i,f,o = "
                  "sigmoid(W x_t + U h_{t-1} + b), g = tanh(...), c_t = f*c_{t-1} + i*g, "
                  "h_t = o*tanh(c_t). The same weights are used at every step. (The plain cell's own "
                  "run is lesson 13; lesson 2 races the two.)",
            "zh": "循环单元读取当前输入 x_t 和自己上一步的状态 h_{t-1}。第 1.1 和 2.1 节的普通单元: "
                  "h_t = tanh(W_ih x_t + W_hh h_{t-1} + b)。本课运行的是第 2.2 节的 LSTM, 它增加了细胞状态 c_t "
                  "和三个门: i,f,o = sigmoid(W x_t + U h_{t-1} + b), g = tanh(...), c_t = f*c_{t-1} + i*g, "
                  "h_t = o*tanh(c_t)。每个时间步共享同一组权重。(普通单元自己的运行见第 13 课; 第 2 课让两者竞赛。)",
        },
        look={
            "en": "The cell-anatomy view (A on the dashboard) shows these equations with the live "
                  "numbers of one unit at the last step of a probe sequence (←/→ pick the unit, m jumps "
                  "to the one with the longest memory): the forget gate f stays near 1 on the units that "
                  "carry the marked numbers of the adding problem. Expect the LSTM's val MSE to fall far "
                  "below the constant-1 baseline 1/6 (measured: 0.0010 after its 1000 steps).",
            "zh": "细胞解剖视图 (仪表盘上按 A) 显示这些方程, 以及某个单元在探针序列最后一步的实时数值 "
                  "(←/→ 选择单元, m 跳到记忆最长的单元): 负责记住加法问题中被标记数字的单元, 其遗忘门 f 接近 1。"
                  "预期 LSTM 的验证 MSE 远低于常数 1 基线 1/6 (实测: 1000 步后为 0.0010)。",
        },
        minutes=0.3,  # 14 s on a quiet 2-core CPU (load average ~2), 2026-12-06
        panel="gates",
        experiments=(Experiment("lstm", "optim-adding"),),
        expects=(Expect("beats_baseline", "lstm", metric="val_mse", baseline="constant_val_mse", factor=0.5),),
        quick=ADD_QUICK,
        metric="val_mse",
        view="anatomy",
        tries=(
            Variation({"en": "a longer sequence: T = 200", "zh": "更长的序列: T = 200"}, ("task.seq_len=200",)),
            Variation({"en": "a GRU in the same place", "zh": "换成 GRU"}, ("model.cell=gru",)),
            _seed(2),
        ),
        question={"en": "At T = 200, do the long-memory units still keep f near 1, and does the MSE still "
                        "leave 1/6 within 1000 steps?",
                  "zh": "T = 200 时, 长记忆单元的 f 是否仍接近 1, 验证 MSE 能否在 1000 步内离开 1/6?"},
    ),
    Lesson(
        number=10,
        chapter="2.2",
        title={"en": "GRU beside LSTM", "zh": "GRU 与 LSTM 并列"},
        text={
            "en": "The GRU (Cho et al. 2014) merges the LSTM's cell and hidden state and uses two gates: "
                  "r,z = sigmoid(W x_t + U h_{t-1} + b), n = tanh(W_n x_t + r*(U_n h_{t-1}) + b_n), "
                  "h_t = (1-z)*n + z*h_{t-1}. Where the LSTM has four weight blocks the GRU has three, "
                  "so at the same width it has 3/4 of the parameters. The same adding problem (T = 50), "
                  "width, optimizer and seed for both.",
            "zh": "GRU (Cho 等 2014) 合并了 LSTM 的细胞状态与隐状态, 只用两个门: r,z = sigmoid(W x_t + U h_{t-1} + b), "
                  "n = tanh(W_n x_t + r*(U_n h_{t-1}) + b_n), h_t = (1-z)*n + z*h_{t-1}。LSTM 有四组权重, "
                  "GRU 有三组, 所以同样宽度下参数量是 LSTM 的 3/4。两者使用同一个加法问题 (T = 50)、"
                  "同样的宽度、优化器和随机种子。",
        },
        look={
            "en": "The compare view's loss curves, and the GRU's anatomy (A on its dashboard: z plays "
                  "the role of f, a unit with z near 1 keeps its h). Expect both far below the "
                  "constant-1 baseline 1/6 and the GRU with 0.75x the LSTM's parameters; which one "
                  "ends lower is this run's answer, not a law (README's table has the measured numbers).",
            "zh": "对比视图中的损失曲线, 以及 GRU 的细胞解剖 (在其仪表盘上按 A: z 扮演 f 的角色, z 接近 1 "
                  "的单元保留自己的 h)。预期两者都远低于常数 1 基线 1/6, GRU 的参数量为 LSTM 的 0.75 倍; "
                  "谁最终更低是这次运行的结果, 不是定律 (实测数字见 README 的表)。",
        },
        minutes=0.6,  # 32 s for both runs on a quiet 2-core CPU (load average ~2), 2026-12-06
        panel="gates",
        experiments=(Experiment("gru", "optim-adding", ("model.cell=gru",)), Experiment("lstm", "optim-adding")),
        expects=(
            Expect("beats_baseline", "gru", metric="val_mse", baseline="constant_val_mse", factor=0.5),
            Expect("beats_baseline", "lstm", metric="val_mse", baseline="constant_val_mse", factor=0.5),
            Expect("lower", "gru", "lstm", metric="params", factor=0.8),
        ),
        quick=ADD_QUICK,
        metric="val_mse",
        view="anatomy",
        tries=(
            Variation({"en": "T = 150: a longer memory", "zh": "T = 150: 更长的记忆"}, ("task.seq_len=150",)),
            Variation({"en": "half the width (32 units)", "zh": "宽度减半 (32 个单元)"}, ("model.hidden_size=32",)),
            _seed(2),
        ),
        question={"en": "Does the order of GRU and LSTM hold at T = 150 and with another seed?",
                  "zh": "T = 150 或换一个随机种子时, GRU 与 LSTM 的先后顺序还成立吗?"},
    ),
)

GRADIENTS = (
    Lesson(
        number=2,
        chapter="2.3",
        title={"en": "Vanishing gradients: tanh RNN vs LSTM", "zh": "梯度消失: tanh RNN 与 LSTM"},
        text={
            "en": "Backpropagating through T steps multiplies T Jacobians diag(1-h_t^2) W_hh; when "
                  "their norms are below 1 the gradient from the answer shrinks geometrically before "
                  "it reaches the marked inputs. The LSTM's additive cell state c_t = f*c_{t-1} + i*g "
                  "lets it pass unchanged while f is near 1. Section 1.2 says a plain RNN \"effectively "
                  "captures long-term dependencies\": at T = 100 this run shows the opposite, the tanh "
                  "RNN never leaves the baseline.",
            "zh": "沿 T 个时间步反向传播时要连乘 T 个雅可比矩阵 diag(1-h_t^2) W_hh; 当它们的范数小于 1 时, "
                  "梯度在到达被标记的输入之前就按几何级数衰减。LSTM 的加法式细胞状态 c_t = f*c_{t-1} + i*g "
                  "在 f 接近 1 时让梯度几乎无损地传回。第 1.2 节说普通 RNN \"能够有效捕捉长期依赖关系\": "
                  "在 T = 100 时这次运行显示的恰恰相反, tanh RNN 始终没有离开基线。",
        },
        look={
            "en": "Gradient flow through time: Enter on a run in the compare view opens it on its "
                  "Flow tab, Esc goes back for the other. The tanh RNN's |dL_T/dx_t| falls off "
                  "towards early steps, the LSTM's stays flat. Expect the tanh RNN to stay near the "
                  "constant-1 baseline MSE 1/6 while the LSTM drops far below it.",
            "zh": "梯度随时间的流动: 在对比视图中对某个运行按 Enter, 会打开它的 Flow 标签页, 按 Esc 返回再看另一个。"
                  "tanh RNN 的 |dL_T/dx_t| 向早期时间步迅速衰减, LSTM 的则保持平坦。"
                  "预期 tanh RNN 停留在常数 1 基线 MSE 1/6 附近, 而 LSTM 远低于它。",
        },
        minutes=1.4,  # 81 s for both runs on a quiet 2-core CPU (load average ~2), 2026-12-06
        panel="grad_flow",
        experiments=(Experiment("rnn-tanh", "adding-rnn"), Experiment("lstm", "adding-lstm")),
        # lr 0.001 for both at full size: the rate this lesson was measured at (adding-lstm itself
        # now trains at 0.01); the quick size sets its own
        sets=("train.lr=0.001",),
        expects=(Expect("lower", "lstm", "rnn-tanh", metric="val_mse", factor=0.8),),
        quick=("task.seq_len=30", "model.hidden_size=32", "train.steps=300", "train.eval_every=100",
               "train.eval_batches=8", "train.checkpoint_every=300", "train.lr=0.003"),
        metric="val_mse",
        tries=(
            Variation({"en": "T = 10: a short dependency", "zh": "T = 10: 短依赖"}, ("task.seq_len=10",)),
            Variation({"en": "T = 30", "zh": "T = 30"}, ("task.seq_len=30",)),
            _seed(2),
        ),
        question={"en": "Up to which T does the tanh RNN still leave the baseline?",
                  "zh": "tanh RNN 在多长的 T 以内仍能离开基线?"},
    ),
    Lesson(
        number=3,
        chapter="2.3, 3.2",
        title={"en": "Exploding gradients and clipping", "zh": "梯度爆炸与梯度裁剪"},
        text={
            "en": "When the Jacobians' norms exceed 1 the gradient grows geometrically instead: one "
                  "step of SGD then throws the weights far away and the loss becomes inf/NaN. "
                  "Clipping by norm (Pascanu et al. 2013): if ||g|| > c then g <- c g/||g||, which "
                  "keeps the direction; clipping by value clamps each component to [-v, v], which "
                  "changes the direction but also bounds the step. A ReLU RNN on the adding problem "
                  "(T = 20), SGD + momentum at lr 0.2, the same seed for all three runs.",
            "zh": "当雅可比矩阵的范数大于 1 时, 梯度反而按几何级数增长: 一步 SGD 就会把权重推得很远, "
                  "损失变成 inf/NaN。按范数裁剪 (Pascanu 等 2013): 若 ||g|| > c, 则 g <- c g/||g||, "
                  "保持方向不变; 按值裁剪把每个分量限制在 [-v, v], 会改变方向, 但同样限制了步长。"
                  "ReLU RNN 做加法问题 (T = 20), SGD + 动量, 学习率 0.2, 三个运行使用同一个随机种子。",
        },
        look={
            "en": "The gradient norm (the race's compare view plots it on a log scale, which shows the "
                  "clipped runs' norms under the spike; l toggles it): without clipping the norm spikes and the NaN "
                  "guard stops the run as diverged within a few steps; with clip_norm = 0.05 or "
                  "clip_value = 0.005 the same net, lr and seed train to the end and learn, far below "
                  "the constant-1 baseline MSE 1/6 (measured in the README's table). A threshold "
                  "this small makes every step lr * 0.05 at most: at lr 0.2, clip_norm = 1 (the "
                  "usual default) only survived, at val MSE 0.180 (try 1).",
            "zh": "梯度范数 (竞赛的对比视图以对数坐标绘制它, 可看到尖峰之下裁剪后运行的范数; 按 l 切换): 不裁剪时范数陡增, "
                  "NaN 保护在几步之内将运行标记为 diverged 并停止; 使用 clip_norm = 0.05 或 clip_value = 0.005 时, "
                  "同样的网络、学习率和随机种子能训练到底并且学会, 远低于常数 1 基线 MSE 1/6 (实测见 README 的表)。"
                  "这么小的阈值让每一步至多为 lr * 0.05: 在学习率 0.2 下, clip_norm = 1 (常用的默认值) 只是没有发散, "
                  "验证 MSE 停在 0.180 (变体 1)。",
        },
        minutes=0.5,  # 25 s for the three runs on a quiet 2-core CPU (load average ~2), 2026-12-06
        panel="grad_norm",
        experiments=(
            Experiment("no-clip", "explode-rnn"),
            Experiment("clip-norm", "explode-rnn", ("train.clip_norm=0.05",)),
            Experiment("clip-value", "explode-rnn", ("train.clip_value=0.005",)),
        ),
        sets=("task.seq_len=20",),
        expects=(
            Expect("status", "no-clip", statuses=("diverged",)),
            Expect("status", "clip-norm", statuses=("finished",)),
            Expect("status", "clip-value", statuses=("finished",)),
            Expect("lower", "clip-norm", "no-clip", metric="val_mse"),
            Expect("lower", "clip-value", "no-clip", metric="val_mse"),
            Expect("beats_baseline", "clip-norm", metric="val_mse", baseline="constant_val_mse", factor=0.5,
                   full_only=True),
            Expect("beats_baseline", "clip-value", metric="val_mse", baseline="constant_val_mse", factor=0.5,
                   full_only=True),
        ),
        quick=("train.steps=100", "train.eval_every=50", "train.eval_batches=8", "train.checkpoint_every=100"),
        metric="val_mse",
        tries=(
            Variation({"en": "clip_norm = 1, the usual default", "zh": "clip_norm = 1, 常用的默认值"},
                      ("train.clip_norm=1.0",), only=("clip-norm",)),
            Variation({"en": "T = 50", "zh": "T = 50"}, ("task.seq_len=50",)),
            _seed(2),
        ),
        question={"en": "Which clip_norm is the largest that still lets lr 0.2 learn?",
                  "zh": "能让学习率 0.2 学会的最大 clip_norm 是多少?"},
    ),
)

TRAINING = (
    Lesson(
        number=4,
        chapter="3.1",
        title={"en": "Truncated BPTT: how far back gradients go", "zh": "截断 BPTT: 梯度能回传多远"},
        text={
            "en": "Truncated BPTT runs a sequence in chunks of k steps ([train] bptt = k): the state "
                  "h flows on from chunk to chunk, but the gradient stops at each chunk boundary, so "
                  "dL_t/dW sums only the terms of steps t-k+1..t. Updates get cheaper, and a "
                  "dependency longer than k is never credited. Copy memory with delay T = 10: the 10 "
                  "symbols read at steps 1-10 must be written out at steps 21-30, 20 steps later; "
                  "full BPTT (30 steps) against k = 10.",
            "zh": "截断 BPTT 把序列切成每段 k 步 ([train] bptt = k): 状态 h 在段与段之间继续向前传递, "
                  "但梯度在每个段边界处被截断, 因此 dL_t/dW 只累加第 t-k+1..t 步的项。更新更便宜, "
                  "但长于 k 的依赖永远得不到梯度。复制记忆任务, 延迟 T = 10: 第 1-10 步读入的 10 个符号"
                  "必须在 20 步之后的第 21-30 步输出; 比较完整 BPTT (30 步) 与 k = 10。",
        },
        look={
            "en": "The Flow tab of each run (Enter on it in the compare view): with bptt = 10, "
                  "|dL_T/dx_t| is exactly 0 before the last chunk; with full BPTT it reaches the "
                  "symbols. Expect full BPTT's val loss to fall well below the memoryless baseline "
                  "10 ln8/30 = 0.693 nats and its recall accuracy (val_acc, printed beside the loss) "
                  "to climb, while the truncated run's loss stays near the baseline (slightly below: the "
                  "state still carries a little of the symbols forward, untrained; it recalls about "
                  "twice chance's 1 in 8, under half of what full BPTT recalls).",
            "zh": "每个运行的 Flow 标签页 (在对比视图中对它按 Enter): bptt = 10 时, 最后一段之前的 "
                  "|dL_T/dx_t| 恰好为 0; 完整 BPTT 时梯度能到达那些符号。预期完整 BPTT 的验证损失远低于"
                  "无记忆基线 10 ln8/30 = 0.693 nats, 召回准确率 (val_acc, 与损失并列打印) 上升; "
                  "截断的运行的损失停留在基线附近 (略低: 状态仍会偶然地把少量符号信息向前带, 但这部分没有被训练; "
                  "它的召回率约为随机猜测 1/8 的两倍, 不到完整 BPTT 的一半)。",
        },
        minutes=0.9,  # 52 s for both runs on a quiet 2-core CPU (load average ~2), 2026-12-06
        panel="grad_flow",
        experiments=(
            Experiment("full", "copy-lstm"),
            Experiment("bptt-10", "copy-lstm", ("train.bptt=10",)),
        ),
        sets=("task.seq_len=10", "train.steps=3000", "train.lr=0.005", "train.eval_every=250"),
        expects=(
            Expect("lower", "full", "bptt-10", metric="val_loss", factor=0.9),
            Expect("beats_baseline", "full", metric="val_loss", baseline="memoryless_val_loss"),
            Expect("higher", "full", "bptt-10", metric="val_acc"),
        ),
        quick=("train.steps=1000", "train.batch_size=32", "train.eval_every=500", "train.eval_batches=8",
               "train.checkpoint_every=1000"),
        also=("val_acc",),
        tries=(
            Variation({"en": "bptt = 25: the gradient reaches the symbols again", "zh": "bptt = 25: 梯度重新能到达符号"},
                      ("train.bptt=25",), only=("bptt-10",)),
            Variation({"en": "delay T = 30 (50 steps)", "zh": "延迟 T = 30 (50 步)"}, ("task.seq_len=30",)),
        ),
        question={"en": "What is the smallest k at which the truncated run recalls the symbols?",
                  "zh": "截断长度 k 至少要多大, 截断的运行才能召回那些符号?"},
    ),
    Lesson(
        number=5,
        chapter="3.3",
        title={"en": "Choosing an optimizer", "zh": "优化器的选择"},
        text={
            "en": "SGD steps along -lr g; momentum keeps a velocity v <- mu v + g; RMSprop divides by "
                  "a running RMS of g, so every weight gets its own step size; Adam combines both "
                  "with bias correction. On a recurrent net, whose gradients differ by orders of "
                  "magnitude between weights, the adaptive ones move much faster.",
            "zh": "SGD 沿 -lr g 更新; 动量法维护速度 v <- mu v + g; RMSprop 除以 g 的滑动均方根, "
                  "使每个权重有自己的步长; Adam 结合两者并做偏差校正。循环网络中不同权重的梯度相差几个数量级, "
                  "自适应方法因此快得多。",
        },
        look={
            "en": "The loss curves of the race and, on each run's Grads tab, the per-layer "
                  "update/weight ratios: Adam and RMSprop leave the constant-1 baseline 1/6 within a "
                  "few hundred steps, SGD with and without momentum stay near it at the same budget.",
            "zh": "竞赛中的损失曲线, 以及每个运行 Grads 标签页中各层的 更新/权重 比: Adam 和 RMSprop 在几百步内就离开"
                  "常数 1 基线 1/6, 同样步数下 SGD (无论是否带动量) 仍停留在基线附近。",
        },
        minutes=0.6,  # 36 s for the four runs on a quiet 2-core CPU (load average ~2), 2026-12-06
        panel="loss",
        experiments=(
            Experiment("sgd", "optim-adding", ("train.optimizer=sgd", "train.momentum=0.0", "train.lr=0.1")),
            Experiment("sgd-momentum", "optim-adding", ("train.optimizer=sgd", "train.momentum=0.9", "train.lr=0.1")),
            Experiment("rmsprop", "optim-adding", ("train.optimizer=rmsprop",)),
            Experiment("adam", "optim-adding"),
        ),
        expects=(
            Expect("lower", "adam", "sgd", metric="val_mse", factor=0.5),
            Expect("lower", "rmsprop", "sgd", metric="val_mse", factor=0.5),
            Expect("lower", "adam", "sgd-momentum", metric="val_mse", factor=0.5),
        ),
        quick=ADD_QUICK,
        metric="val_mse",
        tries=(
            Variation({"en": "SGD at lr 1.0 (ten times larger)", "zh": "SGD 学习率 1.0 (十倍)"}, ("train.lr=1.0",),
                      only=("sgd", "sgd-momentum")),
            Variation({"en": "3000 steps for everyone", "zh": "所有运行 3000 步"}, ("train.steps=3000",)),
        ),
        question={"en": "Is SGD only slower, or stuck: does a larger lr or a longer budget get it off 1/6?",
                  "zh": "SGD 只是更慢, 还是卡住了: 更大的学习率或更多步数能让它离开 1/6 吗?"},
    ),
)

# appended to GRADIENTS once measured (see the README's lesson table)
GATES = Lesson(
    number=11,
    chapter="2.3",
    title={"en": "Do gates prevent exploding gradients?", "zh": "门控能防止梯度爆炸吗?"},
    text={
        "en": "Section 2.3 says the LSTM's and GRU's gates \"avoid vanishing or exploding\" gradients. "
              "Tested here: lesson 3's setting that blows up a ReLU RNN (the adding problem at T = 50, "
              "SGD + momentum at lr 0.2, no clipping), run with a ReLU RNN, a tanh RNN (no gates, "
              "but a bounded activation) and an LSTM. A bounded state is not a bounded gradient: "
              "the tanh RNN's Jacobian diag(1-h^2) W_hh still grows with W_hh. The LSTM's cell "
              "state is updated additively, c_t = f*c_{t-1} + i*g, with gates in (0, 1).",
        "zh": "第 2.3 节说 LSTM 和 GRU 的门控机制可以\"避免梯度消失或爆炸\"。这里来检验: 用第 3 课中让 ReLU RNN "
              "爆炸的设置 (加法问题 T = 50, SGD + 动量, 学习率 0.2, 不裁剪), 分别运行 ReLU RNN、tanh RNN "
              "(没有门, 但激活函数有界) 和 LSTM。状态有界不等于梯度有界: tanh RNN 的雅可比矩阵 "
              "diag(1-h^2) W_hh 仍会随 W_hh 增大。LSTM 的细胞状态以加法更新, c_t = f*c_{t-1} + i*g, 门的取值在 (0, 1)。",
    },
    look={
        "en": "The gradient norm in the compare view (on a log scale; l toggles it). Measured at full size: "
              "the ReLU RNN diverged at once and the tanh RNN at step 17 (its largest finite "
              "gradient norm 4.2e18), while the LSTM finished with a largest norm of 3.9. So here "
              "the gates did keep the gradient in check, and the bounded activation alone did not. "
              "But surviving is not learning: the LSTM ended at val MSE 0.160, at the constant-1 "
              "baseline 1/6; at this lr it needs clipping (lesson 3) or another optimizer "
              "(lesson 5) to learn.",
        "zh": "对比视图中的梯度范数 (对数坐标; 按 l 切换)。完整规模实测: ReLU RNN 立刻发散, tanh RNN 在第 17 步也发散了 "
              "(最大有限梯度范数 4.2e18), 而 LSTM 训练到底, 最大范数为 3.9。所以这里确实是门控压住了梯度, "
              "单靠有界的激活函数做不到。但训练到底不等于学会: LSTM 最终验证 MSE 为 0.160, 就在常数 1 基线 1/6 上; "
              "在这个学习率下它需要梯度裁剪 (第 3 课) 或换一个优化器 (第 5 课) 才能学会。",
    },
    minutes=0.3,  # 14 s for the three runs on a quiet 2-core CPU (load average ~2), 2026-12-06
    panel="grad_norm",
    experiments=(
        Experiment("rnn-relu", "explode-rnn"),
        Experiment("rnn-tanh", "explode-rnn", ("model.cell=rnn_tanh",)),
        Experiment("lstm", "explode-rnn", ("model.cell=lstm",)),
    ),
    expects=(
        Expect("status", "rnn-relu", statuses=("diverged",)),
        Expect("status", "rnn-tanh", statuses=("diverged",)),
        Expect("status", "lstm", statuses=("finished",)),
        Expect("lower", "lstm", "rnn-relu", metric="max_grad_norm", factor=0.1),
    ),
    quick=("train.steps=100", "train.eval_every=50", "train.eval_batches=8", "train.checkpoint_every=100"),
    metric="val_mse",
    tries=(
        Variation({"en": "a GRU in the LSTM's place", "zh": "用 GRU 代替 LSTM"}, ("model.cell=gru",), only=("lstm",)),
        Variation({"en": "lr 1.0: five times larger", "zh": "学习率 1.0: 大五倍"}, ("train.lr=1.0",), only=("lstm",)),
        Variation({"en": "clip_norm = 1 for all three", "zh": "三者都按范数 1 裁剪"}, ("train.clip_norm=1.0",)),
    ),
    question={"en": "Does the GRU survive like the LSTM, and does clipping let the LSTM learn?",
              "zh": "GRU 能像 LSTM 一样训练到底吗? 裁剪能让 LSTM 学会吗?"},
)


SCHEDULES = Lesson(
    number=12,
    chapter="3.3",
    title={"en": "Learning-rate schedules", "zh": "学习率调度"},
    text={
        "en": "A schedule changes the learning rate with the step (train/optim.py): constant; "
              "step decay, lr * gamma every step_size steps; cosine, from lr down to lr * "
              "min_lr_ratio (0.1) along half a cosine; any of them after a linear warmup. The usual "
              "advice: decay so that the last steps settle. The same LSTM, Adam at lr = 0.01 (ten "
              "times the preset's), on the adding problem (T = 50), with three schedules.",
        "zh": "调度让学习率随步数变化 (train/optim.py): 常数; 阶梯衰减, 每 step_size 步乘以 gamma; "
              "余弦, 沿半个余弦从 lr 降到 lr * min_lr_ratio (0.1); 以上任一种之前都可以加线性预热。"
              "通常的建议是: 衰减学习率, 让最后的步骤稳定下来。同一个 LSTM, Adam, lr = 0.01 (预设的十倍), "
              "在加法问题 (T = 50) 上比较三种调度。",
    },
    look={
        "en": "The loss curves of the race (e for smoothing). Measured, against the advice: the "
              "constant lr ended lowest, val MSE 0.00015 after 1000 steps against 0.0002 for cosine "
              "and for warmup + cosine (0.00049 against 0.0008 and 0.00086 at quick size). Here the "
              "constant lr was not too large to settle, and decaying it only slowed the learning "
              "down; expect constant < cosine, and all three far below the constant-1 baseline 1/6. "
              "A schedule pays where the constant lr is too large (try 1).",
        "zh": "竞赛中的损失曲线 (按 e 平滑)。实测结果与通常的建议相反: 常数学习率最终最低, 1000 步后验证 MSE 为 "
              "0.00015, 余弦和预热 + 余弦都是 0.0002 (快速模式: 0.00049, 对比 0.0008 和 0.00086)。这里常数学习率"
              "并没有大到无法稳定, 衰减它只是让学习变慢; 预期常数 < 余弦, 三者都远低于常数 1 基线 1/6。"
              "只有当常数学习率过大时, 调度才有回报 (变体 1)。",
    },
    minutes=0.6,  # 36 s for the three runs on a quiet 2-core CPU (load average ~2), 2026-12-06
    panel="loss",
    experiments=(
        Experiment("constant", "optim-adding", ("train.schedule=constant",)),
        Experiment("cosine", "optim-adding", ("train.schedule=cosine",)),
        Experiment("warmup-cosine", "optim-adding", ("train.schedule=cosine", "train.warmup_steps=100")),
    ),
    sets=("train.lr=0.01",),
    expects=(
        Expect("lower", "constant", "cosine", metric="val_mse"),
        Expect("beats_baseline", "constant", metric="val_mse", baseline="constant_val_mse", factor=0.5),
        Expect("beats_baseline", "cosine", metric="val_mse", baseline="constant_val_mse", factor=0.5),
        Expect("beats_baseline", "warmup-cosine", metric="val_mse", baseline="constant_val_mse", factor=0.5),
    ),
    quick=ADD_QUICK + ("train.lr=0.01",),
    metric="val_mse",
    tries=(
        Variation({"en": "lr = 0.05 for all three: too large to settle?", "zh": "三者都用 lr = 0.05: 大到无法稳定?"},
                  ("train.lr=0.05",)),
        Variation({"en": "step decay: lr x 0.3 every 300 steps", "zh": "阶梯衰减: 每 300 步乘以 0.3"},
                  ("train.schedule=step", "train.step_size=300", "train.gamma=0.3"), only=("cosine",)),
    ),
    question={"en": "At lr = 0.05, does the order of constant and cosine turn around?",
              "zh": "学习率为 0.05 时, 常数与余弦的先后顺序会反过来吗?"},
)
