"""The bare script `benchmarks/process.py` times `rnnlab train` against: what anyone would write by
hand for the same model, data, optimizer, clipping, steps, periodic validation and final
checkpoint, with torch's default threads. `python benchmarks/bare_train.py char STEPS CORPUS CKPT`
or `python benchmarks/bare_train.py adding STEPS - CKPT`."""
import sys, torch, torch.nn as nn, torch.nn.functional as F
task, steps, ckpt = sys.argv[1], int(sys.argv[2]), sys.argv[4]
torch.manual_seed(1337)
if task == "char":  # lstm-char: H 256, batch 32, T 64, Adam 3e-3, TBPTT streams, 8 val batches / 100 steps
    text = open(sys.argv[3], encoding="utf-8").read()
    chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long); n = int(len(data) * 0.9)
    B, T, H, V, vb, lr, opt_cls = 32, 64, 256, len(chars), 8, 3e-3, torch.optim.Adam
    streams, val = data[:n // B * B].view(B, -1), data[n:]; chunks = (streams.size(1) - 1) // T
    starts = torch.linspace(0, len(val) - T - 2, vb * B).long()
    batch = lambda s: (streams[:, s % chunks * T:][:, :T + 1], None)
    vbatch = lambda i: (val[starts[i * B:(i + 1) * B, None] + torch.arange(T + 1)], None)
    enc = nn.Embedding(V, H)
else:  # adding-lstm: H 64, batch 64, T 100, RMSprop 1e-3, fresh batches, 32 val batches / 100 steps
    B, T, H, V, vb, lr, opt_cls, chunks = 64, 100, 64, 1, 32, 1e-3, torch.optim.RMSprop, 1
    def gen(g):
        v, m, r = torch.rand(B, T, generator=g), torch.zeros(B, T), torch.arange(B)
        i, j = torch.randint(0, T // 2, (B,), generator=g), torch.randint(T // 2, T, (B,), generator=g)
        m[r, i] = m[r, j] = 1.0
        return torch.stack([v, m], -1), v[r, i] + v[r, j]
    batch = lambda s: gen(torch.Generator().manual_seed(s)); vbatch = lambda i: gen(torch.Generator().manual_seed(-1 - i))
    enc = nn.Linear(2, H)
rnn, head = nn.LSTM(H, H, batch_first=True), nn.Linear(H, V)
params = [*enc.parameters(), *rnn.parameters(), *head.parameters()]
opt, state = opt_cls(params, lr=lr), None
def loss_of(x, y, h):
    if task == "char":
        out, h = rnn(enc(x[:, :-1]), h)
        return F.cross_entropy(head(out).reshape(-1, V), x[:, 1:].reshape(-1)), tuple(s.detach() for s in h)
    out, _ = rnn(enc(x))
    return F.mse_loss(head(out[:, -1]).squeeze(-1), y), None
for step in range(1, steps + 1):
    loss, state = loss_of(*batch(step), state if step % chunks else None)
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step()
    if step % 10 == 0: print(step, loss.item(), flush=True)
    if step % 100 == 0 or step == steps:
        with torch.no_grad(): print("val", sum(loss_of(*vbatch(i), None)[0].item() for i in range(vb)) / vb)
torch.save({"enc": enc.state_dict(), "rnn": rnn.state_dict(), "head": head.state_dict(), "opt": opt.state_dict()}, ckpt)
