#!/usr/bin/python3
"""peer_torch_mlp.py - the PyTorch peer of `smloss train --scorer mlp:H1,H2`.

    peer_torch_mlp.py DATA H1,H2 BATCH EPOCHS LR [THREADS [REPEAT]]

Trains the same network as smloss (Linear-act-Linear-act-Linear, one output)
with plain SGD at a constant rate on the pointwise square loss (mean of
(s - y)^2 / 2 per mini-batch, as smloss's `lin` link), shuffling rows every
epoch, summing each mini-batch's loss as it goes (the progressive objective
smloss reports for every epoch but the last) and scoring the whole training
set once after the last epoch (as smloss does), so both do the same work. Prints
`rows_per_second=...` for the training loop only (parsing excluded; the best
of REPEAT fresh trainings, 1 by default) and the final objective. Float32, as
PyTorch users run it.
"""
import sys
import time

import torch


def load_libsvm(path):
    labels, rows, dim = [], [], 0
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].split()
            if not line:
                continue
            labels.append(float(line[0]))
            feats = [t.split(':') for t in line[1:] if not t.startswith('qid:')]
            feats = [(int(i), float(v)) for i, v in feats]
            if feats:
                dim = max(dim, feats[-1][0] + 1)
            rows.append(feats)
    dense = []
    for feats in rows:
        row = [0.0] * dim
        for i, v in feats:
            row[i] = v
        dense.append(row)
    return torch.tensor(dense), torch.tensor(labels)


def train(x, y, hidden, batch, epochs, lr):
    torch.manual_seed(1)
    widths = [x.shape[1]] + [int(h) for h in hidden.split(',')]
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers, torch.nn.Linear(widths[-1], 1))
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    n = x.shape[0]
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        progressive = 0.0
        for first in range(0, n, batch):
            idx = perm[first:first + batch]
            s = net(x[idx]).squeeze(1)
            loss = 0.5 * ((s - y[idx]) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            progressive += loss.item() * len(idx)
    with torch.no_grad():
        objective = 0.5 * ((net(x).squeeze(1) - y) ** 2).mean().item()
    return n * epochs / (time.perf_counter() - start), objective


def main():
    path, hidden, batch, epochs, lr = sys.argv[1:6]
    threads = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    torch.set_num_threads(threads)
    x, y = load_libsvm(path)
    # smloss scales features by 1/max|x| (--scale maxabs); do the same.
    x = x / x.abs().amax(dim=0).clamp(min=1e-30)
    repeat = int(sys.argv[7]) if len(sys.argv) > 7 else 1
    best = 0.0
    for _ in range(repeat):
        rate, objective = train(x, y, hidden, int(batch), int(epochs), float(lr))
        best = max(best, rate)
    print(f"rows_per_second={best:.0f} objective={objective:.6g}")


if __name__ == '__main__':
    main()
