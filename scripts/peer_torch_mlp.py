#!/usr/bin/python3
"""peer_torch_mlp.py - the PyTorch peer of `smloss train --scorer mlp:H1,H2`.

    peer_torch_mlp.py DATA H1,H2 BATCH EPOCHS LR [THREADS]

Trains the same network as smloss (Linear-act-Linear-act-Linear, one output)
with plain SGD at a constant rate on the pointwise square loss (mean of
(s - y)^2 / 2 per mini-batch, as smloss's `lin` link), shuffling rows every
epoch, and after every epoch scores the whole training set once (smloss
reports the training objective each epoch, so both do the same work). Prints
`rows_per_second=...` for the training loop only (parsing excluded) and the
final objective. Float32, as PyTorch users run it.
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
                dim = max(dim, max(i for i, _ in feats) + 1)
            rows.append(feats)
    x = torch.zeros(len(rows), dim)
    for r, feats in enumerate(rows):
        for i, v in feats:
            x[r, i] = v
    return x, torch.tensor(labels)


def main():
    path, hidden, batch, epochs, lr = sys.argv[1:6]
    threads = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x, y = load_libsvm(path)
    # smloss scales features by 1/max|x| (--scale maxabs); do the same.
    x = x / x.abs().amax(dim=0).clamp(min=1e-30)
    widths = [x.shape[1]] + [int(h) for h in hidden.split(',')]
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers, torch.nn.Linear(widths[-1], 1))
    opt = torch.optim.SGD(net.parameters(), lr=float(lr))
    batch, epochs, n = int(batch), int(epochs), x.shape[0]
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        for first in range(0, n, batch):
            idx = perm[first:first + batch]
            s = net(x[idx]).squeeze(1)
            loss = 0.5 * ((s - y[idx]) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        with torch.no_grad():
            objective = 0.5 * ((net(x).squeeze(1) - y) ** 2).mean().item()
    seconds = time.perf_counter() - start
    print(f"rows_per_second={n * epochs / seconds:.0f} seconds={seconds:.3f} objective={objective:.6g}")


if __name__ == '__main__':
    main()
