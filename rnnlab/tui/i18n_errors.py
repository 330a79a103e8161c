"""User errors in the interface language: `error_line(msg)` is the CLI's `error: …` line (`错误: …`
under `RNNLAB_LANG=zh`), `translate(msg)` the message the lab shows (notifications, the New form).

Why by patterns, at the edge: the messages are built in English far below the interface (config,
tasks, runs), which must not import the lab's words (the layer contracts in pyproject.toml), and
the form reads a config error's English back to find its field. So the message stays English
where it is made, and here each known phrase becomes Chinese, its values (keys, file names,
values, commands) kept as typed. Phrases translate one by one, so a message made of several
(`FILE (with --set): [train] lr = 'abc': Input should be a valid number`) reads Chinese whole; a
message with no known phrase stays English. Pydantic's own messages are those of pydantic-core 2
(`Input should be …`), the types config.py does not word itself.
"""

from __future__ import annotations

import re
from typing import Callable, Union

from rnnlab.tui.i18n import lang, substitute, t

V = r"(?P<v>\S+?)"  # a value as typed (a number, a name, a quoted string)
Q = r"(?P<q>'[^']*'|\"[^\"]*\")"  # a quoted value


def _or(text: str) -> str:
    """`'a', 'b' or 'c'` with the Chinese `或` (the values stay as typed)."""
    return re.sub(r"(?<=['\"\w]) or (?=['\"\w])", " 或 ", text)


def _form_zh(m: re.Match) -> str:
    """`(quarterly, line 2, series ` of a time column written two ways, in Chinese."""
    from rnnlab.tui.i18n_cli import FREQ_ZH

    freq = f"{FREQ_ZH.get(m['f'], m['f'])}, " if m["f"] else ""
    return f"({freq}第 {m['n']} 行" + (", 序列 " if m[0].endswith("series ") else "")


VERBS = {"stop": "停止", "pause": "暂停"}
Repl = Union[str, Callable[[re.Match], str]]

# (English phrase, Chinese): applied in this order, each to every match in the message; the
# longer phrase of two that share a start comes first
PATTERNS: list[tuple[str, Repl]] = [
    # pydantic-core's messages (config.py keeps them after `[section] key = VALUE: `)
    (r"Input should be a valid number, unable to parse string as a number", "应为数字, 无法把该字符串解析为数字"),
    (r"Input should be a valid integer, unable to parse string as an integer", "应为整数, 无法把该字符串解析为整数"),
    (r"Input should be a valid integer, got a number with a fractional part", "应为整数, 而这个数带有小数部分"),
    (r"Input should be a valid boolean, unable to interpret input", "应为布尔值 (true 或 false), 无法解释该输入"),
    (r"Input should be a valid number", "应为数字"), (r"Input should be a valid integer", "应为整数"),
    (r"Input should be a valid boolean", "应为布尔值 (true 或 false)"), (r"Input should be a finite number", "应为有限的数"),
    (r"Input should be a valid string", "应为字符串"), (r"Input should be a valid list", "应为列表"),
    (r"Input should be a valid tuple", "应为元组"),
    (r"Input should be a valid dictionary(?: or instance of \w+)?", "应为表 (TOML 的 [节] 或 {…})"),
    (rf"Input should be greater than or equal to {V}(?=$|[;,)\s])", r"应大于或等于 \g<v>"),
    (rf"Input should be greater than {V}(?=$|[;,)\s])", r"应大于 \g<v>"),
    (rf"Input should be less than or equal to {V}(?=$|[;,)\s])", r"应小于或等于 \g<v>"),
    (rf"Input should be less than {V}(?=$|[;,)\s])", r"应小于 \g<v>"),
    (rf"Input should be a multiple of {V}(?=$|[;,)\s])", r"应为 \g<v> 的倍数"),
    (r"Input should be (?P<list>'[^']*'(?:, '[^']*')*(?: or '[^']*')?)", lambda m: f"应为 {_or(m['list'])} 之一"),
    (r"Field required", "必须填写"), (r"Extra inputs are not permitted", "不允许多余的键"),
    (r"String should have at least (?P<n>\d+) characters?", r"字符串至少应有 \g<n> 个字符"),
    (r"String should have at most (?P<n>\d+) characters?", r"字符串最多 \g<n> 个字符"),
    (r"(?P<w>List|Tuple) should have at least (?P<n>\d+) items? after validation, not (?P<m>\d+)",
     lambda m: f"{'列表' if m['w'] == 'List' else '元组'}至少应有 {m['n']} 项, 实际 {m['m']} 项"),
    (r"(?P<w>List|Tuple) should have at most (?P<n>\d+) items? after validation, not (?P<m>\d+)",
     lambda m: f"{'列表' if m['w'] == 'List' else '元组'}最多 {m['n']} 项, 实际 {m['m']} 项"),
    (r"String should match pattern (?P<p>'.*?')", r"字符串应匹配模式 \g<p>"),
    # config.py's own words around them
    (r" \(with --set\)", " (加上 --set)"),
    (rf"unknown key {Q} in (?P<s>\[[^\]]*\])", r"\g<s> 中没有键 \g<q>"),
    (rf"unknown key {Q} in top level", r"顶层没有键 \g<q>"),
    (rf"unknown range key {Q}", r"没有范围键 \g<q>"),
    (r"; valid keys: ", "; 有效的键: "),
    (rf" \(did you mean {Q}\?\)", r" (是不是 \g<q>?)"),
    (rf"run name {Q} is not allowed: use 1-100 letters, digits, '\.', '_', '\+' or '-', starting with a letter or "
     r"digit, no path separators and no '\.\.'",
     r"运行名称 \g<q> 不可用: 请用 1-100 个字母、数字、'.'、'_'、'+' 或 '-', 以字母或数字开头, 不含路径分隔符和 '..'"),
    (r" is not allowed(?=[ ;:(]|$)", " 不是允许的值"),
    (r"; expected one of (?P<list>.+)$", lambda m: f"; 可选: {_or(m['list'])}"),
    (r": expected section\.key=value, e\.g\. ", ": 应写成 section.key=value, 例如 "),
    (r": missing key before '='", ": '=' 前缺少键"),
    (rf"{Q} is a value, not a section", r"\g<q> 是值, 不是节"),
    (r": invalid TOML: ", ": TOML 格式错误: "),
    (r": not UTF-8 text; a config is a TOML file", ": 不是 UTF-8 文本; 配置应是 TOML 文件"),
    (r": is a directory; expected a TOML file", ": 是文件夹; 应为 TOML 文件"),
    # presets and run references
    (rf"{Q} is neither a preset nor a file", r"\g<q> 既不是预设也不是文件"),
    (r"; presets: ", "; 预设: "),
    (rf"no run {Q} in (?P<root>\S+) \(no id, id prefix or name matches\)", r"\g<root> 中没有运行 \g<q> (编号、编号前缀和名称都不匹配)"),
    (rf"no sweep {Q} in (?P<root>\S+) \(no id, id prefix or name matches\)", r"\g<root> 中没有超参数搜索 \g<q> (编号、编号前缀和名称都不匹配)"),
    (rf"run {Q} is ambiguous in (?P<root>\S+): matches ", r"运行 \g<q> 在 \g<root> 中有歧义: 匹配 "),
    (r"empty run reference; give a run id, id prefix, name or path", "运行引用为空; 请给出运行编号、编号前缀、名称或路径"),
    (r": not a run directory \(no (?P<f>\S+) in it\)", r": 不是运行目录 (其中没有 \g<f>)"),
    (r": not a run directory \(needs (?P<a>\S+) and (?P<b>\S+)\)", r": 不是运行目录 (需要 \g<a> 和 \g<b>)"),
    (r": no run here any more \(removed\?\)", ": 这里已经没有运行了 (被删除了?)"),
    (rf"run name {Q} is already used by (?P<d>\S+) in (?P<root>\S+); pick another name or remove that run",
     r"运行名称 \g<q> 已被 \g<root> 中的 \g<d> 使用; 请换一个名称或删除那个运行"),
    (r"run (?P<id>\S+) is (?P<st>\w+); there is nothing to (?P<verb>stop|pause)",
     lambda m: f"运行 {m['id']} {t(m['st'])}; 没有可{VERBS[m['verb']]}的"),
    (r"run (?P<id>\S+) is (?P<st>\w+); stop it first", lambda m: f"运行 {m['id']} {t(m['st'])}; 请先停止它"),
    (r" or use --force", " 或使用 --force"),
    (r"runs directory (?P<root>\S+): cannot create it \((?P<why>[^)]*)\); pass --runs-dir with a writable folder",
     r"运行目录 \g<root>: 无法创建 (\g<why>); 请用 --runs-dir 指定一个可写的文件夹"),
    # files and folders
    (r": no such file or folder", ": 文件或文件夹不存在"), (r": no such file", ": 文件不存在"),
    (r": no such folder", ": 文件夹不存在"), (r": is a directory", ": 是文件夹"),
    (r": not UTF-8 text", ": 不是 UTF-8 文本"), (r": cannot read it \(", ": 无法读取 ("),
    (r": not a text file \(task\.source\); expected a CSV file \(a spreadsheet: save it as CSV\)",
     ": 不是文本文件 (task.source); 应为 CSV 文件 (电子表格请另存为 CSV)"),
    (r": cannot read \(", ": 无法读取 ("), (r": cannot write \(", ": 无法写入 ("),
    (r"; expected a CSV file or 'builtin:synthetic'", "; 应为 CSV 文件或 'builtin:synthetic'"),
    (r"; expected a CSV file", "; 应为 CSV 文件"),
    (r"; give a text file, a folder, a glob or ", "; 请给出文本文件、文件夹、glob 或 "),
    (r": folder has no text files; point \[task\] source at a text file or a folder of them",
     ": 文件夹中没有文本文件; 请把 [task] source 指向文本文件或包含文本文件的文件夹"),
    (r": the corpus is empty; \[task\] source needs some text", ": 语料为空; [task] source 需要一些文本"),
    (r": the glob matches no files", ": glob 没有匹配任何文件"),
    (r": binary file \(NUL byte at offset (?P<n>\d+)\); the text task needs UTF-8 text",
     r": 二进制文件 (偏移 \g<n> 处有 NUL 字节); 文本任务需要 UTF-8 文本"),
    (r": not UTF-8 \(invalid byte (?P<b>0x[0-9a-f]+) at byte offset (?P<n>\d+)\); re-encode it as UTF-8, e\.g\. ",
     r": 不是 UTF-8 (字节偏移 \g<n> 处有无效字节 \g<b>); 请转为 UTF-8 编码, 例如 "),
    # the data: CSV and corpus refusals
    (r": empty CSV; expected a header line and one row per time step", ": CSV 为空; 应有一行表头, 每个时间步一行"),
    (r": no data rows after the header \((?P<cols>[^)]*)\); expected one row per time step",
     r": 表头 (\g<cols>) 之后没有数据行; 应每个时间步一行"),
    (r", line (?P<n>\d+): (?P<a>\d+) fields but the header has (?P<b>\d+)", r", 第 \g<n> 行: 有 \g<a> 个字段, 但表头有 \g<b> 个"),
    (r"; a decimal comma in a comma-separated file\? quote the numbers or use ';'", "; 是逗号分隔文件中的小数逗号吗? 请给数字加引号或改用 ';'"),
    (rf", line (?P<n>\d+): column {Q} has ", r", 第 \g<n> 行: 列 \g<q> 的值是 "),
    (r"; a missing value is an empty cell or NA", "; 缺失值应写成空单元格或 NA"),
    (r", line (?P<n>\d+): time (?P<t>.+?) in column (?P<q>'[^']*') is not after the previous row's; rows must be in increasing "
     r"time order", r", 第 \g<n> 行: 列 \g<q> 的时间 \g<t> 不晚于上一行; 各行应按时间递增排列"),
    (r" \((?P<a>-?\d+) after (?P<b>-?\d+)\): sort the file by (?P<q>'[^']*'), or name another time column "
     r"\(-t/--time-column COLUMN, task\.time_column\)",
     r" (\g<a> 在 \g<b> 之后): 请按 \g<q> 排序文件, 或指定另一个时间列 (-t/--time-column COLUMN, task.time_column)"),
    (r"; or, if the file holds several series one after another, name the column that tells them apart: "
     r"task\.id_column = (?P<q>'[^']*') \(rnnlab data --id-column (?P<c>[^)]*)\)",
     r"; 若文件中依次存放多条序列, 请指定区分它们的列: task.id_column = \g<q> (rnnlab data --id-column \g<c>)"),
    (r": column (?P<q>'[^']*') writes its times (?P<n>\d+) ways: (?P<l>.+); one panel's series share one frequency: write every "
     r"row's time as (?P<f>'[^']*') is written, or put the series of each form in a file of their own",
     lambda m: f": 列 {m['q']} 的时间有 {m['n']} 种写法: "
               + re.sub(r"\((?:(?P<f>[\w ]+), )?line (?P<n>\d+)(?:, series )?", _form_zh, re.sub(r"(?<=[)]) and (?=['\"])", " 和 ", m["l"]))
               + f"; 同一面板的序列须是同一频率: 请把每行的时间都写成 {m['f']} 的样式, 或把每种写法的序列分到各自的文件"),
    (r": task\.id_column = (?P<q>'[^']*') holds the values \(numbers, nearly every row different: (?P<v>[^)]*)\), not the series' names",
     r": task.id_column = \g<q> 是数值 (都是数字, 几乎每行都不同: \g<v>), 不是序列的名称"),
    (r"name the column that tells the series apart: task\.id_column = (?P<q>'[^']*') \(rnnlab data --id-column (?P<c>[^)]*)\)",
     r"请指定区分各序列的列: task.id_column = \g<q> (rnnlab data --id-column \g<c>)"),
    (r"; drop task\.id_column to read one series", "; 去掉 task.id_column 以读取单个序列"),
    (r": task\.wide = true \(--wide\) reads one column per series, but this file is long: column (?P<q>'[^']*') names each "
     r"row's series and the times in (?P<t>'[^']*') repeat, once for each; read it as a long panel: --id-column (?P<c>\S+) "
     r"\(task\.id_column = (?P<q2>'[^']*')\), without --wide",
     r": task.wide = true (--wide) 每列读作一条序列, 但这个文件是长格式: 列 \g<q> 标明每行所属的序列, 列 \g<t> 中的时间每个序列各出现一次; "
     r"请按长格式面板读取: --id-column \g<c> (task.id_column = \g<q2>), 不加 --wide"),
    (r": task\.time_column = (?P<t>'[^']*') names the column of values, and (?P<q>'[^']*') holds the times: -t (?P<c>\S+) "
     r"\(task\.time_column = (?P<q2>'[^']*')\), or leave it unset to find it",
     r": task.time_column = \g<t> 指的是数值列, 而 \g<q> 才是时间: -t \g<c> (task.time_column = \g<q2>), 或不设, 让它自动找到"),
    (r"; column (?P<q>'[^']*') holds increasing times: is it the time column\? \(-t (?P<c>[^,]*), task\.time_column = (?P<q2>'[^']*')\)",
     r"; 列 \g<q> 的时间是递增的: 它是时间列吗? (-t \g<c>, task.time_column = \g<q2>)"),
    (r"; a time written twice, as local clocks do when daylight saving time ends\? write the times in UTC or with their "
     r"offset \((?P<e>[^)]*)\)", r"; 同一时间出现两次, 是夏令时结束时本地时钟的重复吗? 请用 UTC 或带时区偏移的时间 (\g<e>)"),
    (rf": no column {Q}", r": 没有列 \g<q>"), (r"; columns are: ", "; 现有的列: "),
    (r": one column (?P<c>'[^']*') when split on (?P<d>'[^']*'); the file's separator looks like (?P<s>'[^']*') "
     r"\(leave --delimiter / task\.delimiter unset to detect it\)",
     r": 按 \g<d> 分隔只得到一列 \g<c>; 文件的分隔符看来是 \g<s> (不设 --delimiter / task.delimiter 即可自动识别)"),
    (r"expected one character \(',', ';', '\|'\) or a name: (?P<n>.*)$", r"应为一个字符 (',', ';', '|') 或名称: \g<n>"),
    (r": no numeric column found \(columns: (?P<cols>[^)]*)\); set task\.column", r": 没有数值列 (列: \g<cols>); 请设置 task.column"),
    (r": (?P<n>\d+) numeric columns \((?P<cols>[^)]*)\); set task\.column to one of them",
     r": 有 \g<n> 个数值列 (\g<cols>); 请把 task.column 设为其中之一"),
    (r"; the others can be its inputs: task\.covariates = ", r"; 其余的列可作为它的输入: task.covariates = "),
    (r"^(?P<f>-c/--column and -t/--time-column|(?:--id-column|--wide)(?: and --wide)?) names? a CSV's columns \(rnnlab train FILE\.csv -c COLUMN, or --set task\.source=FILE\.csv\); "
     r"(?P<p>\S+) (?:is a (?P<k>\w+) task|reads (?P<s>\S+), which has no such columns)$",
     lambda m: (f"{m['f'].replace(' and ', ' 和 ')} 指的是 CSV 的列 (rnnlab train FILE.csv -c COLUMN, 或 --set task.source=FILE.csv); "
                + (f"{m['p']} 是 {m['k']} 任务" if m["k"] else f"{m['p']} 读取的是 {m['s']}, 没有这样的列"))),
    (r"task\.wide = true needs two or more numeric columns, one per series; it has (?P<n>\d+) \((?P<c>[^)]*)\) besides the "
     r"time column (?P<t>\S+); drop task\.wide to forecast one column",
     r"task.wide = true 需要两个或更多数值列, 每列一条序列; 除时间列 \g<t> 外只有 \g<n> 个 (\g<c>); 去掉 task.wide 以预测单列"),
    (r"; or, if each column is a series of its own, one model over all (?P<n>\d+): task\.wide = true \(rnnlab data --wide\)",
     r"; 若每一列各是一条序列, 可用一个模型训练全部 \g<n> 列: task.wide = true (rnnlab data --wide)"),
    (r": (?P<n>\d+) rows is too short to forecast: at least (?P<need>\d+) are needed \((?P<what>[^)]*)\); "
     r"or set task\.window and task\.horizon yourself(?: \(as `rnnlab data` recommends: (?P<s>[^)]*)\))?",
     lambda m: f": {m['n']} 行太短, 无法预测: 至少需要 {m['need']} 行 ({m['what']}); 或自行设置 task.window 和 task.horizon"
               + (f" (即 `rnnlab data` 的推荐: {m['s']})" if m["s"] else "")),
    (r": series too short for window (?P<w>\d+) and horizon (?P<h>\d+): ", r": 序列对窗口 \g<w> 和预测步长 \g<h> 来说太短: "),
    (r"; it has (?P<n>\d+) rows, needs at least (?P<need>\d+) \(or a smaller task\.window / task\.horizon\)",
     r"; 它有 \g<n> 行, 至少需要 \g<need> 行 (或减小 task.window / task.horizon)"),
    (r": every value is missing; nothing to forecast", ": 所有值都缺失; 没有可预测的内容"),
    (r": the (?P<split>\w+) split has (?P<n>\d+) chars but one batch needs ", r": \g<split> 划分只有 \g<n> 个字符, 但一个批次需要 "),
    (r"; use a longer corpus or lower train\.batch_size / task\.seq_len", "; 请使用更长的语料或减小 train.batch_size / task.seq_len"),
    (r" or raise task\.val_fraction", " 或增大 task.val_fraction"),
    # the Runs screen's filter (rnnlab/tui/runfilter.py)
    (r"^filter: unknown field (?P<q>'[^']*'); use (?P<list>.+), a config key \(optimizer:adam\) or a plain word",
     r"筛选: 没有字段 \g<q>; 可用 \g<list>、配置键 (optimizer:adam) 或普通词"),
    (r"^filter: (?P<w>'[^']*'): (?P<op>\S+) needs a number after it", r"筛选: \g<w>: \g<op> 后面需要一个数字"),
    (r"^filter: (?P<w>'[^']*'): (?P<k>\S+) is ambiguous \((?P<l>[^)]*)\); write the dotted key",
     r"筛选: \g<w>: \g<k> 有歧义 (\g<l>); 请写出带点的完整键"),
    (rf"^filter: (?P<w>'[^']*'): no run has a metric or config key {Q}", r"筛选: \g<w>: 没有运行含有指标或配置键 \g<q>"),
    (r" \(did you mean (?P<k>[\w.]+)\?\)", r" (是不是 \g<k>?)"),
    # the CLI's option values
    (rf"(?P<opt>--[\w-]+) {Q} is not an axis; use one of ", r"\g<opt> \g<q> 不是可用的坐标轴; 可选: "),
    (rf"(?P<opt>--[\w-]+) {Q} is not a column; use one of ", r"\g<opt> \g<q> 不是表格的列; 可选: "),
    (rf"(?P<opt>--[\w-]+) {Q} is not supported; expected one of ", r"\g<opt> \g<q> 不受支持; 可选: "),
    (rf"--port (?P<v>\S+) is not a port; expected 1-65535", r"--port \g<v> 不是端口号; 应为 1-65535"),
    (r"(?P<w>\S+) = (?P<q>'[^']*') is not a device; use (?P<list>.+)$",
     lambda m: f"{m['w']} = {m['q']} 不是设备; 可用: {_or(m['list'])}"),
    (r" but no CUDA device is visible here; use 'cpu' or 'auto'", " 但这里看不到 CUDA 设备; 请用 'cpu' 或 'auto'"),
    # runs of the wrong kind, and the inspect commands' option values
    (r"run (?P<id>\S+) is an? (?P<k>[\w-]+) run; (?P<what>.+?) needs a text run",
     r"运行 \g<id> 是 \g<k> 任务的运行; \g<what> 需要文本运行"),
    (r"run (?P<id>\S+) is an? (?P<k>[\w-]+) run; (?P<what>.+?) needs time-series runs",
     r"运行 \g<id> 是 \g<k> 任务的运行; \g<what> 需要时间序列运行"),
    (r" \(try `rnnlab forecast` for time series\)", " (时间序列请用 `rnnlab forecast`)"),
    (r"diff needs two or more runs, got (?P<n>\d+)", r"diff 需要两个或更多运行, 实际给了 \g<n> 个"),
    (r"compare needs two or more different runs, got (?P<n>\d+)(?: \((?P<k>\d+) names for it\))?",
     lambda m: f"compare 需要两个或更多不同的运行, 实际给了 {m['n']} 个" + (f" (同一运行写了 {m['k']} 次)" if m["k"] else "")),
    (r"give the text to read with --text TEXT or --file F \(one of them\)", "请用 --text TEXT 或 --file F (二选一) 给出要读的文本"),
    (r"--text is empty; give some text(?: to read)?", "--text 为空; 请给出一些文本"), (r" \(or --file F\)", " (或 --file F)"),
    (r"--file (?P<f>.+?) is empty; give a file with some text", r"--file \g<f> 为空; 请给出有内容的文件"),
    (rf"no run among (?P<ids>.+?) has metric {Q}; they record: ", r"\g<ids> 中没有运行记录了指标 \g<q>; 它们记录的是: "),
    (r": run (?P<r>\S+) has (?P<k>\d+) attention layers?; use ", r": 运行 \g<r> 有 \g<k> 个注意力层; 请用 "),
    (r": run (?P<r>\S+) has (?P<k>\d+) layers?; use ", r": 运行 \g<r> 有 \g<k> 层; 请用 "),
    (r": run (?P<r>\S+) has (?P<k>\d+) heads? per layer; use ", r": 运行 \g<r> 每层有 \g<k> 个头; 请用 "),
    (r": the layer has (?P<h>\d+) units; use ", r": 该层有 \g<h> 个单元; 请用 "),
    (r": outside the text of (?P<n>\d+) characters; give ", r": 超出了 \g<n> 个字符的文本; 请给出 "),
    (r" is not A:B \(character offsets, ", " 不是 A:B (字符偏移, "), (r": give at least 1$", ": 至少为 1"),
    (r"none of the characters of the text is in run (?P<r>\S+)'s vocabulary", r"文本中没有一个字符在运行 \g<r> 的词表里"),
    (r"run (?P<id>\S+) is paused, not stopped: --set applies when a run restarts from its checkpoint",
     r"运行 \g<id> 是暂停而不是停止: --set 只在运行从检查点重新开始时生效"),
    (r"run (?P<id>\S+) is (?P<st>\w+); only a (?P<list>[\w, ]+) run can be resumed from its checkpoint",
     lambda m: f"运行 {m['id']} {t(m['st'])}; 只有 {m['list']} 状态的运行能从检查点继续"),
    # config refusals made after validation
    (r"(?P<a>\[model\] num_heads = \d+) does not divide (?P<b>\[model\] hidden_size = \d+); choose num_heads among ",
     r"\g<a> 不能整除 \g<b>; num_heads 可选: "),
    (r"\[model\] attention = true applies to recurrent cells only \(the transformer always attends\); set \[model\] "
     r"attention = false or pick cell = (?P<list>.+)$",
     lambda m: f"[model] attention = true 只适用于循环单元 (Transformer 本身就有注意力); 请设 [model] attention = false "
               f"或选择 cell = {_or(m['list'])}"),
    (r": the adding problem needs seq_len >= 2 \(one marker per half\)", ": 加法问题需要 seq_len >= 2 (每一半一个标记)"),
    (r": unknown builtin corpus", ": 未知的内置语料"), (r"; the builtins are ", "; 内置语料有: "),
    (r" but only (?P<n>\d+) CUDA device\(s\) exist", r" 但只有 \g<n> 个 CUDA 设备"),
    (r" needs a CUDA device; this run is on (?P<d>\S+)\. Use 'auto' or 'fp32'", r" 需要 CUDA 设备; 此运行在 \g<d> 上。请用 'auto' 或 'fp32'"),
    (r"note is (?P<n>\d+) characters; keep it under (?P<m>\d+) \(a longer text belongs in a file\)",
     r"备注有 \g<n> 个字符; 请少于 \g<m> 个 (更长的文本应放在文件里)"),
    # a run's files
    (r": corrupt or truncated run database \((?P<e>.*)\); other runs are unaffected, remove this run with `rnnlab rm` or "
     r"restore the file", r": 运行数据库损坏或被截断 (\g<e>); 其他运行不受影响, 请用 `rnnlab rm` 删除此运行或恢复该文件"),
    (r": empty or truncated run database \(no schema\); remove this run or restore the file", ": 运行数据库为空或被截断 (没有表结构); 请删除此运行或恢复该文件"),
    (r": no config\.toml in this run directory; is it a run\?", ": 此运行目录中没有 config.toml; 这是一个运行吗?"),
    # text runs' styles
    (r": this run has no styles \(it was trained without \[task\] condition\)", ": 此运行没有风格 (训练时没有设 [task] condition)"),
    (r": no such style", ": 没有这种风格"), (r"; the run's styles are: ", "; 此运行的风格有: "),
    # a sweep's (or a run's kept best's) metric and direction (rnnlab/metricnames.py)
    (rf": the (?P<k>\w+) task never records it; it records ", r": \g<k> 任务从不记录它; 它记录的是 "),
    (r": (?P<m>\S+) is better (?P<w>lower|higher), so its direction is (?P<d>minimize|maximize), not (?P<x>minimize|maximize)",
     lambda m: f": {m['m']} 越{'低' if m['w'] == 'lower' else '高'}越好, 所以方向是 {m['d']}, 不是 {m['x']}"),
    (r"; drop `direction` \(it is inferred\) or pick another metric", "; 请去掉 `direction` (它会被推断) 或换一个指标"),
    (r"; see `", "; 见 `"), (r" \(see `", " (见 `"), (r"\(e\.g\. ", "(例如 "), (r", e\.g\. ", ", 例如 "),
]
COMPILED = [(re.compile(p), r) for p, r in PATTERNS]


def translate(message: str) -> str:
    """`message` in the interface language: English as it is, or under zh each known phrase in
    Chinese (the values in it kept as typed); a message with no known phrase stays English."""
    return substitute(message, COMPILED)


def error_line(message: str) -> str:
    """The CLI's one line for a user error: `error: <message>`, under zh `错误: <message in Chinese>`."""
    if lang() != "zh":
        return f"error: {message}"
    return f"错误: {translate(message)}"
