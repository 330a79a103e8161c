"""Whole-sequence recurrent layers with hand-written backpropagation through time (seed ch. 3).

The `reference` backend's fast path. Running the step functions of `cells.py` under autograd
records ~10 graph nodes per time step and replays them one by one on the way back: for small
hidden sizes that bookkeeping, not arithmetic, is the cost. Here each cell is one
`autograd.Function` over all T steps, the way cuDNN organises it:

    forward   for t: a_t = gi_t + h_{t-1} W_hh^T   (one GEMM)   + the gate math, written in place
              into preallocated (T, B, ·) buffers, no graph recorded
    backward  the factors of each gate's local derivative are computed for all t at once; the
              loop backwards in time is then one GEMM (dh_{t-1} = da_t W_hh) and a few products
              per step, and the weight gradient dW_hh = Σ_t da_t^T h_{t-1} is one GEMM for all t.

The equations are those of `cells.py` (torch's gate order and GRU formulation); the tests check
values and gradients against the step functions under autograd. Tensors are time-major
(T, B, ·). The biases of LSTM and vanilla cells are folded into `gi` by the caller
(`gi = x W_ih^T + b_ih + b_hh`); the GRU keeps `b_hh` because the reset gate scales `W_hn h + b_hn`.
Double backward is not supported (nothing in the lab needs it).
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable


class _RNNScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, gi: Tensor, h0: Tensor, w_hh: Tensor, relu: bool) -> tuple[Tensor, Tensor]:
        hs = torch.empty_like(gi)
        wt, h = w_hh.t(), h0
        for t in range(gi.size(0)):
            h = torch.addmm(gi[t], h, wt, out=hs[t])
            h.relu_() if relu else h.tanh_()
        ctx.save_for_backward(hs, h0, w_hh)
        ctx.relu = relu
        return hs, h.clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, d_out: Tensor, d_hn: Tensor):
        hs, h0, w_hh = ctx.saved_tensors
        # local derivative of the nonlinearity, for all steps at once
        k = (hs > 0).to(hs.dtype) if ctx.relu else 1 - hs * hs
        da = torch.empty_like(hs)
        dh = d_hn
        for t in range(hs.size(0) - 1, -1, -1):
            dht = d_out[t] + dh
            torch.mul(dht, k[t], out=da[t])
            dh = torch.mm(da[t], w_hh)
        dw = _weight_grad(da, h0, hs)
        return da, dh, dw, None


class _LSTMScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, gi: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        T, B, G = gi.shape
        H = G // 4
        act = torch.empty_like(gi)  # i, f, g, o after their nonlinearities
        cs, hs = gi.new_empty(T, B, H), gi.new_empty(T, B, H)
        wt, h, c = w_hh.t(), h0, c0
        for t in range(T):
            a = torch.addmm(gi[t], h, wt)
            at = act[t]
            # sigmoid over all four blocks is one kernel; the g block is then overwritten with tanh
            torch.sigmoid(a, out=at)
            torch.tanh(a[:, 2 * H : 3 * H], out=at[:, 2 * H : 3 * H])
            i, f, g, o = at[:, :H], at[:, H : 2 * H], at[:, 2 * H : 3 * H], at[:, 3 * H :]
            c = torch.mul(f, c, out=cs[t]).addcmul_(i, g)
            h = torch.mul(o, torch.tanh(c), out=hs[t])
        ctx.save_for_backward(act, cs, hs, h0, c0, w_hh)
        return hs, h.clone(), c.clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, d_out: Tensor, d_hn: Tensor, d_cn: Tensor):
        act, cs, hs, h0, c0, w_hh = ctx.saved_tensors
        T, B, G = act.shape
        H = G // 4
        i, f, g, o = act.split(H, dim=-1)
        tc = torch.tanh(cs)
        c_prev = torch.cat([c0.unsqueeze(0), cs[:-1]])
        # da_{i,f,g} = dc_t * k_{i,f,g},  da_o = dh_t * k_o,  dc_t = dc_{t+1} f_{t+1} + dh_t k_c
        k_ifg = torch.stack([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g)], dim=2)
        k_o = tc * o * (1 - o)
        k_c = o * (1 - tc * tc)
        da = torch.empty_like(act)
        dh, dc = d_hn, d_cn
        for t in range(T - 1, -1, -1):
            dht = d_out[t] + dh
            dct = torch.addcmul(dc, dht, k_c[t])
            torch.mul(dct.unsqueeze(1), k_ifg[t], out=da[t, :, : 3 * H].view(B, 3, H))
            torch.mul(dht, k_o[t], out=da[t, :, 3 * H :])
            dc = dct * f[t]
            dh = torch.mm(da[t], w_hh)
        dw = _weight_grad(da, h0, hs)
        return da, dh, dc, dw


class _GRUScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, gi: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Optional[Tensor]) -> tuple[Tensor, Tensor]:
        T, B, G = gi.shape
        H = G // 3
        act = torch.empty_like(gi)  # r, z, n
        gh_all = torch.empty_like(gi)  # h W_hh^T + b_hh, whose n block the backward needs
        hs = gi.new_empty(T, B, H)
        wt, h = w_hh.t(), h0
        for t in range(T):
            gh = torch.addmm(b_hh, h, wt, out=gh_all[t]) if b_hh is not None else torch.mm(h, wt, out=gh_all[t])
            at = act[t]
            torch.add(gi[t, :, : 2 * H], gh[:, : 2 * H], out=at[:, : 2 * H]).sigmoid_()
            r, z = at[:, :H], at[:, H : 2 * H]
            n = torch.addcmul(gi[t, :, 2 * H :], r, gh[:, 2 * H :], out=at[:, 2 * H :]).tanh_()
            # h' = (1 - z) n + z h = n + z (h - n)
            h = torch.lerp(n, h, z, out=hs[t])
        ctx.save_for_backward(act, gh_all, hs, h0, w_hh)
        ctx.has_bias = b_hh is not None
        return hs, h.clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, d_out: Tensor, d_hn: Tensor):
        act, gh_all, hs, h0, w_hh = ctx.saved_tensors
        T, B, G = act.shape
        H = G // 3
        r, z, n = act.split(H, dim=-1)
        h_prev = torch.cat([h0.unsqueeze(0), hs[:-1]])
        k_n = (1 - z) * (1 - n * n)  # dh_t -> d(pre-tanh n)
        # dh_t -> d(h W_hh^T + b_hh) for the r, z and n blocks, each a product of local derivatives
        k_gh = torch.stack([k_n * gh_all[..., 2 * H :] * r * (1 - r), (h_prev - n) * z * (1 - z), k_n * r], dim=2)
        dgh = torch.empty_like(act)
        dhs = torch.empty_like(hs)
        dh = d_hn
        for t in range(T - 1, -1, -1):
            dht = torch.add(d_out[t], dh, out=dhs[t])
            torch.mul(dht.unsqueeze(1), k_gh[t], out=dgh[t].view(B, 3, H))
            dh = torch.addmm(dht * z[t], dgh[t], w_hh)
        # the input projection's gradient equals dgh on r, z and is d(pre-tanh n) on n
        dgi = torch.cat([dgh[..., : 2 * H], dhs * k_n], dim=-1)
        dw = _weight_grad(dgh, h0, hs)
        db = dgh.sum(dim=(0, 1)) if ctx.has_bias else None
        return dgi, dh, dw, db


def _weight_grad(da: Tensor, h0: Tensor, hs: Tensor) -> Tensor:
    """dW_hh = Σ_t da_t^T h_{t-1}: one GEMM over all steps instead of one per step."""
    h_prev = torch.cat([h0.unsqueeze(0), hs[:-1]])
    return da.flatten(0, 1).t().mm(h_prev.flatten(0, 1))


def rnn_scan(gi: Tensor, h0: Tensor, w_hh: Tensor, relu: bool = False) -> tuple[Tensor, Tensor]:
    """Vanilla layer over time-major `gi` (T, B, H) with both biases folded in: (outputs, h_T)."""
    return _RNNScan.apply(gi, h0, w_hh, relu)


def lstm_scan(gi: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """LSTM layer over time-major `gi` (T, B, 4H) with both biases folded in: (outputs, h_T, c_T)."""
    return _LSTMScan.apply(gi, h0, c0, w_hh)


def gru_scan(gi: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Optional[Tensor]) -> tuple[Tensor, Tensor]:
    """GRU layer over time-major `gi` (T, B, 3H) = x W_ih^T + b_ih: (outputs, h_T)."""
    return _GRUScan.apply(gi, h0, w_hh, b_hh)


__all__ = ["gru_scan", "lstm_scan", "rnn_scan"]
