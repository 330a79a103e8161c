"""Language modelling on text: the char-rnn task (Karpathy 2015), in bits per character.

`[task] unit` picks the token: "char" (one per character) or "word" (words, whitespace runs and
punctuation, see `words.py`, the commonest `vocab_size` kept beside `<unk>`). Both units report
`val_bpc` in bits per *character* of the validation text, so char and word runs compare on one
scale; a word run adds `val_ppl`, perplexity per token, beside the unigram model's
(`unigram_val_ppl`). `[task] condition` splits the corpus into styles (`styles.py`): each style
is split into train and validation on its own, every token carries its style's id
(`Batch.style`) into the model's style embedding, and evaluation adds `val_bpc/<style>`.

The corpus (see `corpus.py`) is split into train and the last `val_fraction` for validation.
The vocabulary is the sorted set of characters of the whole corpus; it is saved in `state()` and,
when a run resumes, restored from there so token ids never shift. A character the restored
vocabulary does not know (the corpus changed since) is dropped from the data and from primes:
it maps to nothing rather than to a wrong id.

Batching (`[task] batching`):
- `tbptt`: stateful truncated BPTT as char-rnn and PyTorch's word_language_model do. The train
  stream is cut into `batch_size` parallel streams (`batchify`), and step s takes chunk
  s mod n_chunks of `seq_len` tokens from every stream, so the hidden state carried from step s
  continues exactly where chunk s+1 starts. `Batch.stateful` is False at the first chunk of each
  epoch (the streams start over, the old state belongs to their ends).
- `random`: `batch_size` windows at random offsets, a pure function of (seed, step); every batch
  starts from a zero state.

Validation uses fixed windows spread evenly over the validation split, each from a zero state,
so a recurrent model and the Transformer (which only ever sees `seq_len` tokens) are measured
on the same footing. Sampling text from a model is `generation.py`'s.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch
import torch.nn.functional as F

from rnnlab.config import TaskConfig
from rnnlab.errors import UserError
from rnnlab.tasks.base import Batch, Task
from rnnlab.tasks.corpus import CorpusStream, check_length
from rnnlab.tasks.generation import distinct_n, generate, stream  # noqa: F401  (stream: callers import it here too)
from rnnlab.tasks.sampling import seeded_generator
from rnnlab.tasks import words
from rnnlab.tasks.styles import style_groups
from rnnlab.tasks.tokencache import Tokens, bincount, load_tokens, load_word_tokens, word_counts

# Key of the random-window stream in `seeded_generator`, so other uses of the seed never collide.
_RANDOM_STREAM = 1  # (tasks/generation.py's samples use stream 2)


class TextTask(Task):
    kind = "text"
    input_kind = "tokens"
    primary_metric = "val_bpc"

    caches_data = True

    def __init__(
        self,
        cfg: TaskConfig,
        *,
        seed: int,
        batch_size: int,
        state: Optional[dict[str, Any]] = None,
        cache_dir: Optional[Path] = None,
    ) -> None:
        super().__init__(cfg, seed=seed, batch_size=batch_size, state=state)
        assert cfg.source is not None  # the config fills the default
        self.unit = cfg.unit
        saved_vocab = list(state["vocab"]) if state and "vocab" in state else None
        self.styles: list[str] = []
        # whether the model is told the style (`[model] style_embedding`, set by `build`); the
        # data, splits and per-style metrics are the same either way
        self.conditioned = False
        self.train_style: Optional[torch.Tensor] = None  # per-token style ids, with styles
        self.val_style: Optional[torch.Tensor] = None
        self._val_segments: list[tuple[str, int, int]] = []  # (style, start, end) in val_data
        if cfg.condition is None:
            stream = CorpusStream(cfg.source, cfg.max_chars)
            # the ids come from a memory-mapped token file (tokencache.py), tokenized once per corpus
            tokens = self._load(stream, saved_vocab, cache_dir)
            self.source = stream.source
            self._corpus_summary = stream.describe()
            # identifies the text itself: a resumed run checks it still trains on the same corpus
            self._digest = tokens.sha1
        else:
            tokens = self._load_styles(cfg, saved_vocab, cache_dir)
        self.token_file = tokens.path
        self._lengths = torch.from_numpy(tokens.lengths) if tokens.lengths is not None else None
        chars = tokens.chars
        self.chars = chars
        self.stoi = {c: i for i, c in enumerate(chars)}
        if not chars:
            raise UserError(f"{self.source}: the saved vocabulary is empty; the run state is damaged")
        if self.unit == "char":
            cps = np.array([ord(c) for c in chars], dtype=np.uint32)
            order = np.argsort(cps)
            self._sorted_cps, self._sorted_ids = cps[order], order.astype(np.int64)
        self.vocab_size = len(chars)
        self.input_size = self.output_size = self.vocab_size
        self.seq_len = cfg.seq_len

        if cfg.condition is None:
            data = torch.from_numpy(tokens.ids)  # shares the map: nothing is copied
            n_val = int(len(data) * cfg.val_fraction)
            self.train_data = data[: len(data) - n_val]
            self.val_data = data[len(data) - n_val :]
        check_length(len(self.train_data), batch_size=batch_size, seq_len=self.seq_len, source=self.source)
        # One window is the least validation can measure; it has no batch_size requirement.
        check_length(len(self.val_data), batch_size=1, seq_len=self.seq_len, source=self.source, split="validation")
        for name, a, b in self._val_segments:
            check_length(b - a, batch_size=1, seq_len=self.seq_len, source=f"{self.source} (style '{name}')",
                         split="validation")
        self._streams: dict[int, torch.Tensor] = {}
        self._train_counts: Optional[torch.Tensor] = None
        self._val_counts = bincount(self.val_data, self.vocab_size)
        if tokens.counts is not None:  # the whole file's counts less validation's: no pass over train
            self._train_counts = torch.from_numpy(tokens.counts) - self._val_counts

    def _load(self, stream: CorpusStream, vocab: Optional[list[str]], cache_dir: Optional[Path]) -> Tokens:
        if self.unit == "word":
            return load_word_tokens(stream, vocab, cache_dir, self.cfg.vocab_size)
        return load_tokens(stream, vocab, cache_dir)

    def _load_styles(self, cfg: TaskConfig, vocab: Optional[list[str]], cache_dir: Optional[Path]) -> Tokens:
        """Each style's tokens under one shared vocabulary, split into train and validation per
        style and joined (in memory: style corpora are small), with a style id for every token."""
        groups = style_groups(cfg.source, cfg.condition, cfg.max_chars)
        self.source = cfg.source
        self.styles = [name for name, _ in groups]
        if vocab is None:  # the union of the styles' own vocabularies
            if self.unit == "word":
                counts: Counter = Counter()
                for _, stream in groups:
                    counts.update(word_counts(stream, cache_dir))
                vocab = words.vocabulary(counts, cfg.vocab_size)
            else:
                vocab = sorted(set().union(*(self._load(s, None, cache_dir).chars for _, s in groups)))
        parts = [self._load(stream, vocab, cache_dir) for _, stream in groups]
        trains, vals, train_ids, val_ids = [], [], [], []
        for sid, tok in enumerate(parts):
            data = torch.from_numpy(np.asarray(tok.ids).astype(np.int64))
            n_val = int(len(data) * cfg.val_fraction)
            trains.append(data[: len(data) - n_val])
            vals.append(data[len(data) - n_val :])
            train_ids.append(torch.full((len(trains[-1]),), sid, dtype=torch.int16))
            val_ids.append(torch.full((len(vals[-1]),), sid, dtype=torch.int16))
        self.train_data, self.val_data = torch.cat(trains), torch.cat(vals)
        self.train_style, self.val_style = torch.cat(train_ids), torch.cat(val_ids)
        start = 0
        for name, v in zip(self.styles, vals):
            self._val_segments.append((name, start, start + len(v)))
            start += len(v)
        chars = sum(s.chars for _, s in groups)
        human = f"{chars / 1e6:.1f}M" if chars >= 1e6 else f"{chars / 1e3:.1f}k"
        self._corpus_summary = f"{human} chars in {len(groups)} styles ({self.source})"
        self._digest = hashlib.sha1("".join(t.sha1 for t in parts).encode()).hexdigest()
        counts_all = None
        if all(t.counts is not None for t in parts):
            counts_all = np.sum([t.counts for t in parts], axis=0)
        lengths = parts[0].lengths
        if lengths is not None:  # <unk>'s length over every style's words
            counts_w: Counter = Counter()
            for _, stream in groups:
                counts_w.update(word_counts(stream, cache_dir))
            lengths = lengths.copy()
            lengths[0] = words.unk_length(counts_w, vocab)
        return Tokens(np.zeros(0, dtype=np.int64), vocab, self._digest, chars, None, False, counts_all,
                      self.unit, lengths)

    @property
    def _counts(self) -> torch.Tensor:
        """Train-split unigram counts (read on first use: a pass over the whole token file)."""
        if self._train_counts is None:
            self._train_counts = bincount(self.train_data, self.vocab_size)
        return self._train_counts

    # ------------------------------------------------------------------ vocabulary

    def encode(self, text: str) -> torch.Tensor:
        """Token ids (int32 to keep big corpora small) of `text`; unknown chars are dropped, and
        unknown words (word unit) become `<unk>`."""
        if self.unit == "word":
            return torch.from_numpy(words.encode_tokens(words.split(text), self.stoi, np.int32))
        # Vectorised over code points: a Python loop over a 2M-char corpus takes a noticeable while.
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        pos = np.searchsorted(self._sorted_cps, cps)
        pos = np.minimum(pos, len(self._sorted_cps) - 1)
        known = self._sorted_cps[pos] == cps
        return torch.from_numpy(self._sorted_ids[pos[known]].astype(np.int32))

    def unknown_chars(self, text: str) -> list[str]:
        """The distinct characters of `text` outside the vocabulary (what `encode` drops; nothing
        for the word unit, where an unknown word becomes `<unk>`: see `unknown_words`)."""
        if self.unit == "word":
            return []
        return sorted({c for c in text if c not in self.stoi})

    def unknown_words(self, text: str) -> list[str]:
        """Word unit: the distinct tokens of `text` that `encode` turns into `<unk>`."""
        if self.unit != "word":
            return []
        return sorted({t for t in words.split(text) if t not in self.stoi})

    def style_id(self, name: Optional[str]) -> Optional[int]:
        """The id of style `name` (None: no style); a UserError line listing the styles."""
        if name is None:
            return None
        if not self.styles:
            raise UserError(f"--style {name!r}: this run has no styles (it was trained without [task] condition)")
        if not self.conditioned:
            raise UserError(f"--style {name!r}: this run's model was not told the style ([model] style_embedding = "
                            "false: the unconditioned comparison run); leave out --style")
        if name not in self.styles:
            import difflib

            close = difflib.get_close_matches(name, self.styles, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UserError(f"--style {name!r}: no such style{hint}; the run's styles are: " + ", ".join(self.styles))
        return self.styles.index(name)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            # a word vocabulary is a list of strings; a char one stays one string, as it always was
            "vocab": list(self.chars) if self.unit == "word" else "".join(self.chars),
            "source": self.source,
            "train_chars": len(self.train_data),
            "val_chars": len(self.val_data),
            "sha1": self._digest,
        }
        if self.unit == "word":
            out["unit"] = "word"
        if self.styles:
            out["styles"] = list(self.styles)
        return out

    def describe(self) -> str:
        unit = "words, vocab" if self.unit == "word" else "vocab"
        return f"text: {self._corpus_summary}, {unit} {self.vocab_size}, {self.cfg.batching} batching"

    # ------------------------------------------------------------------ batching

    def _batchify(self, batch_size: int) -> torch.Tensor:
        """The train stream as `batch_size` parallel streams, one per row (cached).

        With the stream a b c d e f g h i j k l m n o p q r s t u v w x y z and batch_size 4:

            ┌ a b c d e f ┐   step 0 (seq_len 2): x = a b | g h | m n | s t
            │ g h i j k l │                      y = b c | h i | n o | t u
            │ m n o p q r │   step 1:            x = c d | i j | o p | u v ...
            └ s t u v w x ┘   (y z are dropped: they do not fill a row)

        Row r's chunk s+1 continues its chunk s, which is why the hidden state can be carried.
        """
        streams = self._streams.get(batch_size)
        if streams is None:
            check_length(len(self.train_data), batch_size=batch_size, seq_len=self.seq_len, source=self.source)
            n = len(self.train_data) // batch_size
            streams = self.train_data[: n * batch_size].view(batch_size, n)
            self._streams[batch_size] = streams
        return streams

    def n_chunks(self, batch_size: int) -> int:
        """Chunks per epoch in tbptt batching (the last target of a chunk must exist)."""
        return (self._batchify(batch_size).size(1) - 1) // self.seq_len

    def batch(self, step: int, batch_size: int) -> Batch:
        return self.batch_rows(step, batch_size, 0, batch_size)

    def batch_rows(self, step: int, batch_size: int, lo: int, hi: int) -> Batch:
        T = self.seq_len
        if self.cfg.batching == "tbptt":
            streams = self._batchify(batch_size)[lo:hi]
            chunk = step % self.n_chunks(batch_size)
            start = chunk * T
            x = streams[:, start : start + T]
            y = streams[:, start + 1 : start + T + 1]
            style = None
            if self.conditioned:
                style = self._style_streams(batch_size)[lo:hi, start : start + T].long()
            return Batch(x.long(), y.long(), stateful=chunk != 0, style=style)
        check_length(len(self.train_data), batch_size=batch_size, seq_len=T, source=self.source)
        gen = seeded_generator(self.seed, step, _RANDOM_STREAM)
        starts = torch.randint(0, len(self.train_data) - T, (batch_size,), generator=gen)[lo:hi]
        return self._windows(self.train_data, starts, self.train_style if self.conditioned else None)

    def _style_streams(self, batch_size: int) -> torch.Tensor:
        """The train tokens' style ids cut like `_batchify` cuts the tokens."""
        assert self.train_style is not None
        n = len(self.train_data) // batch_size
        return self.train_style[: n * batch_size].view(batch_size, n)

    def _windows(self, data: torch.Tensor, starts: torch.Tensor, style: Optional[torch.Tensor] = None) -> Batch:
        idx = starts[:, None] + torch.arange(self.seq_len + 1)[None, :]
        seq = data[idx].long()
        s = None if style is None else style[idx[:, :-1]].long()
        return Batch(seq[:, :-1].contiguous(), seq[:, 1:].contiguous(), stateful=False, style=s)

    def _val_starts(self, count: int, data: Optional[torch.Tensor] = None) -> torch.Tensor:
        """`count` window starts spread evenly over the validation split (always the same)."""
        last = len(self.val_data if data is None else data) - self.seq_len - 1
        return torch.linspace(0, last, count).round().long()

    def probe_batch(self, batch_size: int) -> Batch:
        return self._windows(self.val_data, self._val_starts(batch_size), self.val_style if self.conditioned else None)

    # ------------------------------------------------------------------ loss and metrics

    def loss(self, out: torch.Tensor, batch: Batch) -> torch.Tensor:
        return F.cross_entropy(out.reshape(-1, out.size(-1)).float(), batch.y.reshape(-1))

    def last_step_loss(self, out: torch.Tensor, batch: Batch) -> torch.Tensor:
        return F.cross_entropy(out[:, -1].float(), batch.y[:, -1])

    def evaluate(self, model: torch.nn.Module, device: torch.device, num_batches: int) -> dict[str, float]:
        """Validation loss, each model family measured the way its field does:

        - recurrent models read the val text as parallel streams, state carried across
          consecutive chunks (PyTorch's word_language_model `evaluate`), after one unscored
          warm-up chunk, so the number reflects the steady state the model trains in under TBPTT;
        - the Transformer scores fixed windows of seq_len from an empty context (nanoGPT's
          `estimate_loss`), the convention behind the reference figures it is compared with.
        """
        if not self.styles:
            return self._metrics(*self._score(model, device, num_batches, self.val_data, None))
        # each style on its own share of the batches; together they give the overall numbers
        share = max(1, -(-num_batches // len(self.styles)))
        sums = [0.0, 0, 0.0]
        per: dict[str, float] = {}
        for name, a, b in self._val_segments:
            style = self.val_style[a:b] if self.conditioned else None
            total, count, chars = self._score(model, device, share, self.val_data[a:b], style)
            per[f"val_bpc/{name}"] = total / chars / math.log(2)
            sums = [sums[0] + total, sums[1] + count, sums[2] + chars]
        return {**self._metrics(sums[0], int(sums[1]), sums[2]), **per}

    def _metrics(self, total: float, count: int, chars: float) -> dict[str, float]:
        nats = total / count
        # bits per character: per token for the char unit; the word unit spreads a token's bits
        # over its characters, so both units read on one scale
        out = {"val_loss": nats, "val_bpc": total / chars / math.log(2), "val_ppl": math.exp(min(nats, 700.0))}
        return out

    def _score(self, model, device, num_batches: int, data: torch.Tensor, style: Optional[torch.Tensor]):
        """(summed nats, tokens, characters) of the model's predictions over `data`."""
        if getattr(model, "is_recurrent", True):
            return self._evaluate_streams(model, device, num_batches, data, style)
        return self._evaluate_windows(model, device, num_batches, data, style)

    def _chars(self, y: torch.Tensor) -> float:
        return float(y.numel()) if self._lengths is None else float(self._lengths[y.cpu()].sum())

    def _evaluate_windows(self, model: torch.nn.Module, device: torch.device, num_batches: int,
                          data: Optional[torch.Tensor] = None, style: Optional[torch.Tensor] = None):
        data = self.val_data if data is None else data
        B = self.batch_size
        starts = self._val_starts(num_batches * B, data)
        total, count, chars = 0.0, 0, 0.0
        with torch.no_grad():
            for i in range(num_batches):
                batch = self._windows(data, starts[i * B : (i + 1) * B], style).to(device)
                out, _ = model(batch.x, None, **batch.model_kwargs())
                loss = F.cross_entropy(out.reshape(-1, out.size(-1)).float(), batch.y.reshape(-1), reduction="sum")
                total += float(loss)
                count += batch.y.numel()
                chars += self._chars(batch.y)
        return total, count, chars

    def _evaluate_streams(self, model: torch.nn.Module, device: torch.device, num_batches: int,
                          data: Optional[torch.Tensor] = None, style: Optional[torch.Tensor] = None):
        data = self.val_data if data is None else data
        L, n = self.seq_len, len(data) - 1
        chunks = max(1, min(num_batches + 1, n // L))
        warm = 1 if chunks > 1 else 0
        streams = max(1, min(self.batch_size, n // (chunks * L)))
        gap = (n - chunks * L) // max(1, streams - 1) if streams > 1 else 0
        starts = torch.arange(streams) * gap
        offsets = torch.arange(L)
        total, count, chars, state = 0.0, 0, 0.0, None
        with torch.no_grad():
            for c in range(chunks):
                idx = (starts + c * L).unsqueeze(1) + offsets
                x = data[idx].long().to(device)
                y = data[idx + 1].long().to(device)
                kw = {} if style is None else {"style": style[idx].long().to(device)}
                out, state = model(x, state, **kw)
                if c >= warm:
                    total += float(F.cross_entropy(out.reshape(-1, out.size(-1)).float(), y.reshape(-1), reduction="sum"))
                    count += y.numel()
                    chars += self._chars(y)
        return total, count, chars

    def baselines(self) -> dict[str, float]:
        """A memoryless predictor (train unigram frequencies, add-one smoothed so a char unseen
        in train costs finite bits) scored on val, and the uniform guess over the vocabulary."""
        probs = (self._counts.double() + 1) / (self._counts.sum().double() + self.vocab_size)
        val_counts = self._val_counts.double()
        bits = float(-(val_counts * torch.log2(probs)).sum())
        if self._lengths is None:
            return {"unigram_val_bpc": bits / float(val_counts.sum()), "uniform_val_bpc": math.log2(self.vocab_size)}
        # word unit: bits per character as `evaluate` counts them, and perplexity per token
        tokens, chars = float(val_counts.sum()), float((val_counts * self._lengths).sum())
        return {
            "unigram_val_bpc": bits / chars,
            "uniform_val_bpc": tokens * math.log2(self.vocab_size) / chars,
            "unigram_val_ppl": 2.0 ** (bits / tokens),
            "uniform_val_ppl": float(self.vocab_size),
        }

    # ------------------------------------------------------------------ samples

    def fallback_token(self) -> int:
        """Where generation starts when the prime has no known char: newline, else the commonest."""
        if "\n" in self.stoi:
            return self.stoi["\n"]
        return int(self._counts.argmax())

    def output_probe(self, model: torch.nn.Module, device: torch.device) -> dict[str, Any]:
        cfg = self.cfg
        # a conditioned run's sample is in its first style, and says so
        style = {"style": self.styles[0]} if self.conditioned else {}
        sample = generate(
            model, self, cfg.prime, cfg.sample_length, cfg.temperature, cfg.top_k, cfg.top_p, device, seed=self.seed,
            style=0 if self.conditioned else None,
        )
        return {
            **style,
            "type": "text",
            "prime": cfg.prime,
            "sample": sample,
            "temperature": cfg.temperature,
            "top_k": cfg.top_k,
            "top_p": cfg.top_p,
            **{f"distinct_{n}": distinct_n(sample, n) for n in (1, 2, 3)},
        }

