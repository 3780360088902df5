#!/usr/bin/python3
"""PyTorch baseline for `lpo bench train-step`: one preference-optimization step.

What it measures: the wall time of one full training step of a preference loss
(DPO "sigmoid" or LPO "lpo-ste") on a qwen2-layout decoder, computed the way
TRL's DPOTrainer computes it:

  * chosen and rejected sequences (prompt + response) are concatenated into one
    batch of 2*pairs rows, so every prompt is run through the model twice;
  * the full forward pass materialises logits [2B, T, V], then log_softmax over
    all of it and a gather of the response tokens' log-probs (token t is scored
    from the logits at position t-1);
  * per-row log-probs are summed (sigmoid) or averaged (lpo-ste), the loss is
    taken against fixed reference log-probs, then backward and an AdamW step.

Why: it is the baseline that lpo's own C++ step is compared against (see
bench/compare_train_step.sh). The C++ side avoids both the duplicated prompt
and the full [2B, T, V] logits, so the gap between the two is the point.

On a GPU (--device cuda) it is the step as TRL runs it there: --bf16 is
torch.autocast(bfloat16) over float32 parameters and AdamW state (what
`bf16=True` gives in transformers' Trainer), and attention goes through
F.scaled_dot_product_attention (FlashAttention; transformers' default "sdpa").

Output: exactly one JSON line on stdout,
  {"tokens_per_s", "step_ms", "peak_rss_mb", "peak_memory_mb", "device",
   "dtype", "tokens_per_step"}
with step_ms the median over the timed steps, peak_memory_mb the CUDA
allocator's peak over the timed steps (the peak RSS on the CPU) and
tokens_per_step = pairs * (2*prompt_len + 2*response_len). Everything else
goes to stderr.

Like lpo (src/model/runtime.cpp, tune_allocator), it first tells glibc to keep
freed blocks under 256 MiB in the process (mallopt), so neither side pays for
faulting fresh pages in on every step; --no-tune-allocator measures stock glibc.

Needs Debian's python3-torch (run with /usr/bin/python3 if another python3
comes first on PATH).
"""
import argparse
import ctypes
import json
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------- model


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(var + self.eps) * self.weight


def rope_tables(seq_len, head_dim, theta=1e6):
    """cos/sin tables [T, head_dim] for rotate-half RoPE."""
    inv_freq = 1.0 / theta ** (torch.arange(0, head_dim, 2).float() / head_dim)
    angles = torch.outer(torch.arange(seq_len).float(), inv_freq)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def rotate_half(x):
    first, second = x.chunk(2, dim=-1)
    return torch.cat([-second, first], dim=-1)


def apply_rope(x, cos, sin):
    return x * cos + rotate_half(x) * sin


class Attention(nn.Module):
    """Grouped-query causal self-attention; q/k/v with bias, o_proj without."""

    def __init__(self, hidden, heads, kv_heads):
        super().__init__()
        self.heads, self.kv_heads = heads, kv_heads
        self.head_dim = hidden // heads
        self.q_proj = nn.Linear(hidden, heads * self.head_dim, bias=True)
        self.k_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=True)
        self.v_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=True)
        self.o_proj = nn.Linear(heads * self.head_dim, hidden, bias=False)

    def split_heads(self, x, n):
        b, t, _ = x.shape
        return x.view(b, t, n, self.head_dim).transpose(1, 2)  # [B, n, T, d]

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = apply_rope(self.split_heads(self.q_proj(x), self.heads), cos, sin)
        k = apply_rope(self.split_heads(self.k_proj(x), self.kv_heads), cos, sin)
        v = self.split_heads(self.v_proj(x), self.kv_heads)
        group = self.heads // self.kv_heads
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        if mask is None:  # fused kernel (GPU)
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim) + mask
            out = torch.softmax(scores, dim=-1) @ v
        return self.o_proj(out.transpose(1, 2).reshape(b, t, -1))


class MLP(nn.Module):
    """SwiGLU: down(silu(gate(x)) * up(x)), no biases."""

    def __init__(self, hidden, intermediate):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, hidden, intermediate, heads, kv_heads):
        super().__init__()
        self.input_layernorm = RMSNorm(hidden)
        self.self_attn = Attention(hidden, heads, kv_heads)
        self.post_attention_layernorm = RMSNorm(hidden)
        self.mlp = MLP(hidden, intermediate)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Qwen2(nn.Module):
    def __init__(self, a):
        super().__init__()
        if a.hidden % a.heads or a.heads % a.kv_heads or (a.hidden // a.heads) % 2:
            sys.exit("need hidden % heads == 0, heads % kv_heads == 0, even head_dim")
        self.head_dim = a.hidden // a.heads
        self.embed_tokens = nn.Embedding(a.vocab, a.hidden)
        self.layers = nn.ModuleList(
            DecoderLayer(a.hidden, a.intermediate, a.heads, a.kv_heads)
            for _ in range(a.layers))
        self.norm = RMSNorm(a.hidden)
        self.lm_head = nn.Linear(a.hidden, a.vocab, bias=False)  # untied
        self.init_weights()

    def init_weights(self):
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, ids):
        t = ids.shape[1]
        cos, sin = (c.to(ids.device) for c in rope_tables(t, self.head_dim))
        fused = ids.is_cuda and hasattr(F, "scaled_dot_product_attention")
        mask = None if fused else torch.full((t, t), float("-inf"), device=ids.device).triu(1)
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.lm_head(self.norm(x))  # [B, T, V]


# ---------------------------------------------------------------- losses


def sigmoid_loss(pc, pr, rc, rr, beta):
    """DPO: -logsigmoid(beta * ((pc - rc) - (pr - rr))), mean over pairs."""
    return -F.logsigmoid(beta * ((pc - rc) - (pr - rr))).mean()


def lpo_ste_loss(pc, pr, rc, rr, beta, gamma, r1, r2):
    """LPO with straight-through gradient separation + positive regularizer.

    x1 = pc - rc, x2 = pr - rr, c = 1/(2 beta):
    4 beta/(r1+r2) * (r1|x1 - sg x2 - c| + r2|sg x1 - x2 - c|) + gamma relu(rc - pc)
    """
    x1, x2 = pc - rc, pr - rr
    c = 1.0 / (2.0 * beta)
    chosen_term = r1 * (x1 - x2.detach() - c).abs()
    rejected_term = r2 * (x1.detach() - x2 - c).abs()
    lpo = 4.0 * beta / (r1 + r2) * (chosen_term + rejected_term)
    return (lpo + gamma * F.relu(rc - pc)).mean()


def preference_loss(a, pc, pr, rc, rr):
    if a.loss_type == "sigmoid":
        return sigmoid_loss(pc, pr, rc, rr, a.beta)
    return lpo_ste_loss(pc, pr, rc, rr, a.beta, a.gamma, a.r1, a.r2)


# ---------------------------------------------------------------- batch + step


def make_batch(a, gen):
    """Concatenated [chosen; rejected] ids [2B, T] and the response mask [2B, T-1]
    over shifted labels (all rows have the same length, so no padding)."""
    def rand_ids(n):
        return torch.randint(0, a.vocab, (a.pairs, n), generator=gen)

    prompt = rand_ids(a.prompt_len)
    chosen = torch.cat([prompt, rand_ids(a.response_len)], dim=1)
    rejected = torch.cat([prompt, rand_ids(a.response_len)], dim=1)
    ids = torch.cat([chosen, rejected], dim=0)
    mask = torch.zeros(ids.shape, dtype=torch.bool)
    mask[:, a.prompt_len:] = True
    return ids, mask[:, 1:]


def reference_logps(a, gen):
    """Fixed reference log-probs [B] each for chosen and rejected: random negative
    numbers near a uniform model's per-token -log(V), summed unless averaging."""
    per_token = -math.log(a.vocab) + 0.5 * torch.randn(2, a.pairs, generator=gen)
    scale = 1.0 if a.loss_type == "lpo-ste" else float(a.response_len)
    return per_token[0] * scale, per_token[1] * scale


def sequence_logps(logits, ids, mask, average):
    """Per-row log-prob of the response tokens: log_softmax (float32) over the full
    logits, gather of token t from position t-1, then sum or mean over the response."""
    labels = ids[:, 1:]
    logps = logits[:, :-1].float().log_softmax(-1)
    token_logps = torch.gather(logps, 2, labels.unsqueeze(2)).squeeze(2)
    summed = (token_logps * mask).sum(-1)
    return summed / mask.sum(-1) if average else summed


def train_step(a, model, opt, ids, mask, ref):
    opt.zero_grad(set_to_none=True)
    with torch.autocast(device_type=ids.device.type, dtype=torch.bfloat16, enabled=a.bf16):
        logits = model(ids)
    logps = sequence_logps(logits, ids, mask, average=a.loss_type == "lpo-ste")
    pc, pr = logps[:a.pairs], logps[a.pairs:]
    loss = preference_loss(a, pc, pr, ref[0], ref[1])
    loss.backward()
    opt.step()
    return loss.item()


# ---------------------------------------------------------------- self-test


def self_test():
    """Hand cases for the losses and a causality check of the model."""
    beta, gamma, r1, r2 = 0.2, 10.0, 1.0, 0.2
    c = 1 / (2 * beta)
    # x1 - x2 - c < 0 and pc > rc: only the chosen term's slope reaches pc.
    pc = torch.tensor([-1.0], requires_grad=True)
    pr = torch.tensor([-2.0], requires_grad=True)
    rc, rr = torch.tensor([-1.5]), torch.tensor([-2.0])
    assert (pc - rc - (pr - rr) - c).item() < 0
    lpo_ste_loss(pc, pr, rc, rr, beta, gamma, r1, r2).backward()
    want_c, want_r = -4 * beta * r1 / (r1 + r2), 4 * beta * r2 / (r1 + r2)
    assert math.isclose(pc.grad.item(), want_c, rel_tol=1e-6), pc.grad
    assert math.isclose(pr.grad.item(), want_r, rel_tol=1e-6), pr.grad
    # pc < rc: the positive regularizer adds -gamma to d/dpc.
    pc = torch.tensor([-2.0], requires_grad=True)
    lpo_ste_loss(pc, pr.detach(), rc, rr, beta, gamma, r1, r2).backward()
    assert math.isclose(pc.grad.item(), want_c - gamma, rel_tol=1e-6), pc.grad
    # DPO at equal log-probs: log 2, gradient -beta/2 on pc.
    pc = torch.tensor([-3.0], requires_grad=True)
    x = torch.tensor([-3.0])
    loss = sigmoid_loss(pc, x, x, x, 0.1)
    assert math.isclose(loss.item(), math.log(2), rel_tol=1e-6), loss
    loss.backward()
    assert math.isclose(pc.grad.item(), -0.05, rel_tol=1e-6), pc.grad
    check_model_causal()
    print("self-test passed", file=sys.stderr)


def check_model_causal():
    a = argparse.Namespace(hidden=32, intermediate=64, layers=2, heads=4,
                           kv_heads=2, vocab=50)
    torch.manual_seed(0)
    model = Qwen2(a)
    ids = torch.randint(0, a.vocab, (1, 10))
    changed = ids.clone()
    changed[0, 7] = (ids[0, 7] + 1) % a.vocab
    with torch.no_grad():
        before, after = model(ids), model(changed)
    assert before.shape == (1, 10, a.vocab)
    assert torch.equal(before[:, :7], after[:, :7]), "future token leaked"
    assert not torch.allclose(before[:, 7:], after[:, 7:]), "token ignored"


# ---------------------------------------------------------------- main


def tune_allocator():
    """The same glibc settings as lpo's tune_allocator: no mmap for blocks
    under 256 MiB, trim only above 1 GiB. A no-op where libc has no mallopt."""
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 256 << 20)
        libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    except (OSError, AttributeError):
        print("tune_allocator: no glibc mallopt, left as is", file=sys.stderr)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in [("hidden", 512), ("intermediate", 1408), ("layers", 8),
                          ("heads", 8), ("kv-heads", 2), ("vocab", 32000),
                          ("pairs", 4), ("prompt-len", 256), ("response-len", 64),
                          ("steps", 3), ("warmup", 1), ("threads", 2), ("seed", 0)]:
        p.add_argument("--" + name, type=int, default=default)
    p.add_argument("--loss-type", choices=["sigmoid", "lpo-ste"], default="lpo-ste")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--bf16", action="store_true",
                   help="autocast to bfloat16 (float32 parameters and optimizer state)")
    p.add_argument("--beta", type=float, help="default 0.1 (sigmoid), 0.2 (lpo-ste)")
    p.add_argument("--gamma", type=float, default=10.0)
    p.add_argument("--r1", type=float, default=1.0)
    p.add_argument("--r2", type=float, default=0.2)
    p.add_argument("--no-tune-allocator", action="store_true",
                   help="leave glibc malloc at its defaults")
    p.add_argument("--self-test", action="store_true",
                   help="check the losses on hand cases and exit")
    a = p.parse_args()
    if a.beta is None:
        a.beta = 0.1 if a.loss_type == "sigmoid" else 0.2
    if a.steps < 1 or a.response_len < 1 or a.pairs < 1:
        p.error("--steps, --pairs and --response-len must be >= 1")
    return a


def main():
    a = parse_args()
    if a.self_test:
        self_test()
        return
    if not a.no_tune_allocator:
        tune_allocator()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    device = torch.device("cuda" if a.device == "auto" and torch.cuda.is_available()
                          else ("cpu" if a.device == "auto" else a.device))
    cuda = device.type == "cuda"
    model = Qwen2(a).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01)
    ids, mask = (t.to(device) for t in make_batch(a, gen))
    ref = tuple(r.to(device) for r in reference_logps(a, gen))

    times = []
    for i in range(a.warmup + a.steps):
        if cuda and i == a.warmup:
            torch.cuda.reset_peak_memory_stats(device)
        if cuda:
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        loss = train_step(a, model, opt, ids, mask, ref)  # .item(): waits for the loss
        if cuda:
            torch.cuda.synchronize(device)
        elapsed = time.perf_counter() - start
        timed = i >= a.warmup
        if timed:
            times.append(elapsed)
        print(f"step {i} {'timed' if timed else 'warmup'} {elapsed * 1e3:.1f} ms "
              f"loss {loss:.6f}", file=sys.stderr)

    median_s = statistics.median(times)
    tokens = a.pairs * (2 * a.prompt_len + 2 * a.response_len)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "tokens_per_s": round(tokens / median_s, 2),
        "step_ms": round(median_s * 1e3, 3),
        "peak_rss_mb": round(rss_mb, 1),
        "peak_memory_mb": round(torch.cuda.max_memory_allocated(device) / 2**20 if cuda else rss_mb, 1),
        "device": str(device),
        "dtype": "bf16-autocast" if a.bf16 else "float32",
        "tokens_per_step": tokens,
    }))


if __name__ == "__main__":
    main()
