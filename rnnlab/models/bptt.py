"""Whole-sequence recurrent layers with hand-written backpropagation through time (Werbos 1990).

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
        for gi_t, hs_t in zip(gi.unbind(0), hs.unbind(0)):
            h = torch.addmm(gi_t, h, wt, out=hs_t)
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
        for d_out_t, k_t, da_t in zip(*(x.unbind(0)[::-1] for x in (d_out, k, da))):
            torch.mul(d_out_t + dh, k_t, out=da_t)
            dh = torch.mm(da_t, w_hh)
        dw = _weight_grad(da, h0, hs)
        return da, dh, dw, None


class _LSTMScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, gi: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        T, B, G = gi.shape
        H = G // 4
        # tanh(x) = 2 sigmoid(2x) - 1: torch's CPU tanh kernel is several times slower than its
        # sigmoid, so the g block's pre-activation is doubled (its rows of gi and W_hh) and all
        # four gates go through one sigmoid
        gi = gi.clone()
        gi[..., 2 * H : 3 * H] *= 2
        w2 = w_hh.clone()
        w2[2 * H : 3 * H] *= 2
        act = torch.empty_like(gi)  # i, f, g, o after their nonlinearities
        cs, hs, tcs = (gi.new_empty(T, B, H) for _ in range(3))
        wt, h, c = w2.t(), h0, c0
        # every per-step view made up front, in C++: Python-level slicing in the loop costs as
        # much as the elementwise kernels at small sizes
        views = (gi, act, *act.split(H, dim=-1), cs, hs, tcs)
        for gi_t, act_t, i, f, g, o, cs_t, hs_t, tc in zip(*(x.unbind(0) for x in views)):
            torch.sigmoid(torch.addmm(gi_t, h, wt), out=act_t)
            g.mul_(2).sub_(1)
            c = torch.mul(f, c, out=cs_t).addcmul_(i, g)
            torch.mul(c, 2, out=tc).sigmoid_().mul_(2).sub_(1)
            h = torch.mul(o, tc, out=hs_t)
        ctx.save_for_backward(act, cs, tcs, hs, h0, c0, w_hh)
        return hs, h.clone(), c.clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, d_out: Tensor, d_hn: Tensor, d_cn: Tensor):
        act, cs, tc, hs, h0, c0, w_hh = ctx.saved_tensors
        T, B, G = act.shape
        H = G // 4
        i, f, g, o = act.split(H, dim=-1)
        # da_{i,f,g} = dc_t * k_{i,f,g},  da_o = dh_t * k_o,  dc_t = dc_{t+1} f_{t+1} + dh_t k_c
        k_ifg = act.new_empty(T, B, 3, H)
        torch.mul(torch.addcmul(i, i, i, value=-1), g, out=k_ifg[:, :, 0])
        f_slope = torch.addcmul(f, f, f, value=-1)
        torch.mul(cs[:-1], f_slope[1:], out=k_ifg[1:, :, 1])
        torch.mul(c0, f_slope[0], out=k_ifg[0, :, 1])
        torch.addcmul(i, i, g * g, value=-1, out=k_ifg[:, :, 2])
        k_o = torch.addcmul(o, o, o, value=-1).mul_(tc)
        k_c = torch.addcmul(o, o, tc * tc, value=-1)
        da = torch.empty_like(act)
        dh, dc = d_hn, d_cn
        da_ifg, da_o = da[..., : 3 * H].view(T, B, 3, H), da[..., 3 * H :]
        steps = (x.unbind(0)[::-1] for x in (d_out, k_c, k_ifg, k_o, f, da, da_ifg, da_o))
        for d_out_t, k_c_t, k_ifg_t, k_o_t, f_t, da_t, da_ifg_t, da_o_t in zip(*steps):
            dht = d_out_t + dh
            dct = torch.addcmul(dc, dht, k_c_t)
            torch.mul(dct.unsqueeze(1), k_ifg_t, out=da_ifg_t)
            torch.mul(dht, k_o_t, out=da_o_t)
            dc = dct * f_t
            dh = torch.mm(da_t, w_hh)
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
        gi_rz, gi_n = gi.split((2 * H, H), dim=-1)
        gh_rz, gh_n = gh_all.split((2 * H, H), dim=-1)
        r_all, z_all, n_all = act.split(H, dim=-1)
        act_rz = act[..., : 2 * H]
        steps = (x.unbind(0) for x in (gh_all, gi_rz, gi_n, gh_rz, gh_n, act_rz, r_all, z_all, n_all, hs))
        for gh_t, gi_rz_t, gi_n_t, gh_rz_t, gh_n_t, act_rz_t, r, z, n, hs_t in zip(*steps):
            if b_hh is not None:
                torch.addmm(b_hh, h, wt, out=gh_t)
            else:
                torch.mm(h, wt, out=gh_t)
            torch.add(gi_rz_t, gh_rz_t, out=act_rz_t).sigmoid_()
            torch.addcmul(gi_n_t, r, gh_n_t, out=n).tanh_()
            # h' = (1 - z) n + z h = n + z (h - n)
            h = torch.lerp(n, h, z, out=hs_t)
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
        steps = (x.unbind(0)[::-1] for x in (d_out, dhs, k_gh, dgh, dgh.view(T, B, 3, H), z))
        for d_out_t, dhs_t, k_gh_t, dgh_t, dgh3_t, z_t in zip(*steps):
            dht = torch.add(d_out_t, dh, out=dhs_t)
            torch.mul(dht.unsqueeze(1), k_gh_t, out=dgh3_t)
            dh = torch.addmm(dht * z_t, dgh_t, w_hh)
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
