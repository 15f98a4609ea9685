#!/usr/bin/env python3
"""peer_torch_rank.py - the peer for scripts/bench_rank.sh: the same linear
listwise (ListNet, KL(softmax(y) || softmax(s))) or pairwise (RankNet,
softplus(-(s_i - s_j)) over pairs y_i > y_j) objective as `smloss train
--loss lin`, in PyTorch on one thread, trained the way smloss trains it: SGD,
one query per step, queries shuffled every epoch, pairwise with MAX_PAIRS
pairs drawn per query and step (0: every pair), summing each step's loss as it
goes (the progressive objective smloss reports for every epoch but the last),
and after the last epoch the training objective over every query (pairwise
with MAX_PAIRS evenly spaced pairs), as smloss's epoch table reports it.

usage: peer_torch_rank.py DATA EPOCHS OBJECTIVE MAX_PAIRS
prints "rows_per_second N" (rows x epochs / seconds of the epochs, data
loading excluded, as smloss's epoch table) and "final_objective X".
"""
import sys
import time

import torch
from sklearn.datasets import load_svmlight_file


def queries(path):
    x, y, qid = load_svmlight_file(path, query_id=True)
    x = torch.tensor(x.toarray(), dtype=torch.float64)
    y = torch.tensor(y, dtype=torch.float64)
    bounds = [0] + [i for i in range(1, len(qid)) if qid[i] != qid[i - 1]] + [len(qid)]
    out = []
    for b, e in zip(bounds, bounds[1:]):
        order = torch.argsort(y[b:e], descending=True, stable=True)
        ys = y[b:e][order]
        # lower[k]: rows after sorted position k with a strictly lower label
        n = e - b
        lower = torch.tensor([int((ys < ys[k]).sum()) for k in range(n)], dtype=torch.float64)
        out.append((x[b:e][order], ys, lower))
    return out, x.shape[1], len(y)


def pairs_of(lower, count, rng, spaced):
    """count pairs (i, j) with y_i > y_j: drawn uniformly, or evenly spaced."""
    n = lower.shape[0]
    total = int(lower.sum())
    if count <= 0 or count >= total:
        i = torch.repeat_interleave(torch.arange(n), lower.long())
        starts = n - lower.long()
        offs = torch.arange(total) - torch.repeat_interleave(torch.cumsum(lower.long(), 0) - lower.long(), lower.long())
        return i, torch.repeat_interleave(starts, lower.long()) + offs
    cum = torch.cumsum(lower, 0)
    if spaced:
        u = torch.floor((torch.arange(count, dtype=torch.float64) + 0.5) * total / count)
    else:
        u = torch.randint(0, total, (count,), generator=rng).double()
    i = torch.searchsorted(cum, u, right=True)
    before = torch.where(i > 0, cum[(i - 1).clamp(min=0)], torch.zeros_like(u))
    j = n - lower[i].long() + (u - before).long()
    return i, j


def loss_of(objective, s, ys, lower, max_pairs, rng, spaced):
    if objective == "listwise":
        q = torch.softmax(ys, 0)
        return torch.sum(q * (torch.log(q) - torch.log_softmax(s, 0)))
    i, j = pairs_of(lower, max_pairs, rng, spaced)
    return torch.nn.functional.softplus(-(s[i] - s[j])).mean()


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    path, epochs, objective, max_pairs = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    torch.set_num_threads(1)
    torch.manual_seed(1)
    rng = torch.Generator().manual_seed(1)
    data, dim, rows = queries(path)
    units = [d for d in data if d[2].sum() > 0 and (objective == "pairwise" or len(d[1]) >= 2)]
    w = torch.zeros(dim, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w, bias], lr=0.05)
    start = time.perf_counter()
    final = float("nan")
    for _ in range(epochs):
        progressive = 0.0
        for k in torch.randperm(len(units), generator=rng).tolist():
            x, ys, lower = units[k]
            opt.zero_grad()
            loss = loss_of(objective, x @ w + bias, ys, lower, max_pairs, rng, False)
            loss.backward()
            opt.step()
            progressive += float(loss)
    with torch.no_grad():
        final = sum(float(loss_of(objective, x @ w + bias, ys, lower, max_pairs, rng, True))
                    for x, ys, lower in units) / len(units)
    seconds = time.perf_counter() - start
    print("rows_per_second %.6g" % (rows * epochs / seconds))
    print("final_objective %.6g" % final)


if __name__ == "__main__":
    main()
