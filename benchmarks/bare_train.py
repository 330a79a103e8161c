"""The bare script `benchmarks/process.py` times `rnnlab train` against: the loop a user writes by
hand for the same problem, none of rnnlab's layers. Adding: `nn.LSTM(2, H)` + `nn.Linear(H, 1)`
on the two input features (no encoder). Char: `nn.Embedding(V, H)` + `nn.LSTM(H, H)` +
`nn.Linear(H, V)` over TBPTT streams. Same data, optimizer, clipping, steps, validation every
100 steps and final checkpoint as the preset, torch's default threads.
`python benchmarks/bare_train.py char STEPS CORPUS CKPT` or `... adding STEPS - CKPT`."""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

task, steps, corpus, ckpt = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
torch.manual_seed(1337)

if task == "char":  # lstm-char: H 256, batch 32, T 64, Adam 3e-3, 8 val batches
    text = open(corpus, encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(len(data) * 0.9)
    B, T, H, V = 32, 64, 256, len(chars)
    streams = data[: n // B * B].view(B, -1)  # B parallel streams, read T at a time
    chunks = (streams.size(1) - 1) // T
    val = data[n:]
    starts = torch.linspace(0, len(val) - T - 2, 8 * B).long()

    class CharLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.lstm, self.head = nn.Embedding(V, H), nn.LSTM(H, H, batch_first=True), nn.Linear(H, V)

        def forward(self, x, h=None):
            out, h = self.lstm(self.emb(x), h)
            return self.head(out), h

    model = CharLSTM()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)

    def train_loss(step, h):
        s = (step - 1) % chunks * T
        x = streams[:, s : s + T + 1]
        logits, h = model(x[:, :-1], h if s else None)
        return F.cross_entropy(logits.reshape(-1, V), x[:, 1:].reshape(-1)), tuple(t.detach() for t in h)

    def val_loss():
        total = 0.0
        for i in range(8):
            x = val[starts[i * B : (i + 1) * B, None] + torch.arange(T + 1)]
            total += F.cross_entropy(model(x[:, :-1])[0].reshape(-1, V), x[:, 1:].reshape(-1)).item()
        return total / 8

else:  # adding-lstm: H 64, batch 64, T 100, RMSprop 1e-2, a fresh batch each step, 32 val batches
    B, T, H = 64, 100, 64

    def adding_batch(seed):
        g = torch.Generator().manual_seed(seed)
        v, m, r = torch.rand(B, T, generator=g), torch.zeros(B, T), torch.arange(B)
        i, j = torch.randint(0, T // 2, (B,), generator=g), torch.randint(T // 2, T, (B,), generator=g)
        m[r, i] = m[r, j] = 1.0
        return torch.stack([v, m], -1), v[r, i] + v[r, j]

    class AddingLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.head = nn.LSTM(2, H, batch_first=True), nn.Linear(H, 1)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1]).squeeze(-1)

    model = AddingLSTM()
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-2)

    def train_loss(step, h):
        x, y = adding_batch(step)
        return F.mse_loss(model(x), y), None

    def val_loss():
        return sum(F.mse_loss(model(x), y).item() for x, y in map(adding_batch, range(-1, -33, -1))) / 32

h = None
for step in range(1, steps + 1):
    loss, h = train_loss(step, h)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step % 10 == 0:
        print(step, loss.item(), flush=True)
    if step % 100 == 0 or step == steps:
        model.eval()
        with torch.no_grad():
            print("val", val_loss(), flush=True)
        model.train()
torch.save({"model": model.state_dict(), "opt": opt.state_dict()}, ckpt)
