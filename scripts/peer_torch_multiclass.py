#!/usr/bin/python3
"""peer_torch_multiclass.py - the PyTorch peer of `smloss train --objective
multiclass` (f = lin, T = 1: the softmax cross-entropy over K class scores).

    peer_torch_multiclass.py DATA K SCORER BATCH EPOCHS LR [THREADS [REPEAT]]

SCORER is `linear` (a sparse linear model: an EmbeddingBag of the row's
features weighted by their values, plus a bias, K outputs; the efficient way
to write a sparse linear model in PyTorch, with sparse gradients) or `mlp:H1,H2` (dense input,
Linear-ReLU layers, a K-wide output). Plain SGD at a constant rate, rows
shuffled every epoch, each mini-batch's loss summed as it goes (the
progressive objective smloss reports for every epoch but the last) and the
whole training set scored once after the last epoch, as smloss does. Class
labels are the data's first tokens (integers 0 .. K-1). Prints
`rows_per_second=...` of the training loop (parsing excluded; the best of
REPEAT fresh trainings) and the final objective. Float32, as PyTorch users
run it; features scaled by 1/max|x| as smloss's --scale maxabs.
"""
import sys
import time
import warnings

import torch

warnings.filterwarnings('ignore', message='scatter_reduce')


def load(path):
    labels, rows, dim = [], [], 0
    with open(path) as f:
        for line in f:
            tok = line.split('#', 1)[0].split()
            if not tok:
                continue
            labels.append(int(float(tok[0])))
            feats = [t.split(':') for t in tok[1:] if not t.startswith('qid:')]
            feats = [(int(i), float(v)) for i, v in feats]
            if feats:
                dim = max(dim, feats[-1][0] + 1)
            rows.append(feats)
    return rows, torch.tensor(labels), dim


def as_bags(rows, dim):
    idx = torch.tensor([i for r in rows for i, _ in r], dtype=torch.long)
    val = torch.tensor([v for r in rows for _, v in r], dtype=torch.float32)
    offsets = torch.tensor([0] + [len(r) for r in rows], dtype=torch.long).cumsum(0)
    scale = torch.zeros(dim).scatter_reduce_(0, idx, val.abs(), 'amax', include_self=True)
    val = val / scale.clamp(min=1e-30)[idx]
    return idx, val, offsets


def as_dense(rows, dim):
    x = torch.zeros(len(rows), dim)
    for r, feats in enumerate(rows):
        for i, v in feats:
            x[r, i] = v
    return x / x.abs().amax(dim=0).clamp(min=1e-30)


class SparseLinear(torch.nn.Module):
    def __init__(self, dim, k):
        super().__init__()
        # sparse gradients: a step touches only the rows' features, as smloss's does
        self.bag = torch.nn.EmbeddingBag(dim, k, mode='sum', sparse=True)
        torch.nn.init.zeros_(self.bag.weight)
        self.bias = torch.nn.Parameter(torch.zeros(k))

    def forward(self, idx, val, offsets):
        return self.bag(idx, offsets, per_sample_weights=val) + self.bias


def batches_sparse(data, rows_idx):
    idx, val, offsets = data
    starts, ends = offsets[rows_idx], offsets[rows_idx + 1]
    lens = ends - starts
    pos = torch.repeat_interleave(starts - torch.cat([torch.zeros(1, dtype=torch.long), lens.cumsum(0)[:-1]]), lens) \
        + torch.arange(int(lens.sum()))
    return idx[pos], val[pos], torch.cat([torch.zeros(1, dtype=torch.long), lens.cumsum(0)[:-1]])


def train(data, y, k, scorer, dim, batch, epochs, lr):
    torch.manual_seed(1)
    if scorer == 'linear':
        net = SparseLinear(dim, k)
        score = lambda r: net(*batches_sparse(data, r))
    else:
        widths = [dim] + [int(h) for h in scorer.split(':')[1].split(',')]
        layers = []
        for a, b in zip(widths, widths[1:]):
            layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
        net = torch.nn.Sequential(*layers, torch.nn.Linear(widths[-1], k))
        score = lambda r: net(data[r])
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = y.shape[0]
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        progressive = 0.0
        for first in range(0, n, batch):
            r = perm[first:first + batch]
            loss = loss_fn(score(r), y[r])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            progressive += loss.item() * len(r)
    with torch.no_grad():
        objective = loss_fn(score(torch.arange(n)), y).item()
    return n * epochs / (time.perf_counter() - start), objective


def main():
    path, k, scorer, batch, epochs, lr = sys.argv[1:7]
    threads = int(sys.argv[7]) if len(sys.argv) > 7 else 1
    repeat = int(sys.argv[8]) if len(sys.argv) > 8 else 1
    torch.set_num_threads(threads)
    rows, y, dim = load(path)
    data = as_bags(rows, dim) if scorer == 'linear' else as_dense(rows, dim)
    best = 0.0
    for _ in range(repeat):
        rate, objective = train(data, y, int(k), scorer, dim, int(batch), int(epochs), float(lr))
        best = max(best, rate)
    print(f"rows_per_second={best:.0f} objective={objective:.6g}")


if __name__ == '__main__':
    main()
