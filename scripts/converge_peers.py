#!/usr/bin/python3
"""converge_peers.py - the independent optimum and the peers of
scripts/bench_converge.sh (time to the optimum) and of check-peers.sh.

  converge_peers.py optimum OBJECTIVE FILE L2
      smloss's objective on FILE minimised by an independent solver at a tight
      tolerance; prints "objective seconds"
  converge_peers.py value OBJECTIVE FILE L2 MODEL
      smloss's objective of a smloss model file, recomputed; prints it
  converge_peers.py race PEER FILE L2 OPTIMUM [REPEATS [BUDGET]]
      fits PEER at falling tolerances (or rising epochs) until its objective
      is within 0.1% of OPTIMUM; a line "setting seconds objective gap" per
      try, then "best SECONDS SETTING GAP" (the first setting that got there;
      seconds = the fastest of REPEATS fits, 3) or "none - SETTING GAP" (the
      closest it got in BUDGET seconds of fits, 120: a try that would not fit
      in it is not made)
  converge_peers.py time REPEATS ERRFILE CMD...
      the fastest wall-clock seconds of REPEATS runs of CMD (its standard
      error in ERRFILE: the last run's)

OBJECTIVE is what smloss minimises (man smloss-losses, "Averaging, steps and
the penalty") with f = lin, T = 1, no weights, on the features divided by
their largest absolute value (--scale maxabs), the bias not penalised:
  multiclass  mean_i -log softmax(x_i W + b)_{y_i} + l2/2 |W|^2
              (multinomial logistic regression)
  pointwise   mean_i (x_i w + b - y_i)^2 / 2 + l2/2 |w|^2    (ridge)
  listwise    mean over queries of >= 2 rows of KL(softmax(y_q) || softmax(s_q))
              + l2/2 |w|^2   (ListNet; queries from FILE.query)
The optimum: scipy's L-BFGS with an analytic gradient (multiclass,
listwise), conjugate gradients on the centred normal equations (pointwise),
both to a relative gradient norm of about 1e-10.

PEERs, each given the scaled features (their fits are timed, not the loading):
  lr-lbfgs, lr-saga  sklearn LogisticRegression (multinomial), C = 1/(n l2)
                     (two classes: one score, C = 2/(n l2)), tol 0.3, 0.1, 0.03 .. 1e-8
  ridge-cg, ridge-lsqr  sklearn Ridge, alpha = n l2, tol 0.3, 0.1, 0.03 .. 1e-8
  sgd-regressor      sklearn SGDRegressor, alpha = l2, 1 .. 100 epochs
  liblinear          liblinear-train -s 0 (binary labels only), C = 2/(n l2),
                     -B 100 (see bench_converge.sh), -e 1 .. 1e-6
"""
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.sparse.linalg import LinearOperator, cg
from sklearn.datasets import load_svmlight_file

WITHIN = 1e-3
TOLS = [m * 10.0 ** -k for k in range(1, 9) for m in (3, 1)]  # 0.3, 0.1, 0.03, ... 1e-8


def load(path):
    x, y = load_svmlight_file(path, zero_based=True)  # columns = the files' indices
    x = sp.csr_matrix(x, dtype=np.float64)
    # smloss keeps each column's largest |x| as a float and divides by it
    top = abs(x).max(axis=0).toarray().ravel().astype(np.float32).astype(np.float64)
    top[top == 0] = 1.0
    return x @ sp.diags(1.0 / top), y, top


def groups_of(path, n):
    sizes = np.loadtxt(path + ".query", dtype=np.int64, ndmin=1)
    if sizes.sum() != n:
        sys.exit(f"{path}.query: {sizes.sum()} rows in its groups, {n} in the data")
    return np.concatenate([[0], np.cumsum(sizes)])


def softmax_rows(s):
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=1, keepdims=True), s - np.log(e.sum(axis=1, keepdims=True))


class Multiclass:
    def __init__(self, x, y, l2):
        self.x, self.l2 = x, l2
        self.classes = np.unique(y)
        self.idx = np.searchsorted(self.classes, y)
        self.k = len(self.classes)
        self.size = x.shape[1] * self.k + self.k

    def split(self, th):
        d = self.x.shape[1]
        return th[:d * self.k].reshape(d, self.k), th[d * self.k:]

    def fun_grad(self, th):
        w, b = self.split(th)
        n = self.x.shape[0]
        p, logp = softmax_rows(self.x @ w + b)
        f = -logp[np.arange(n), self.idx].mean() + self.l2 / 2 * (w * w).sum()
        p[np.arange(n), self.idx] -= 1.0
        p /= n
        gw = self.x.T @ p + self.l2 * w
        return f, np.concatenate([np.asarray(gw).ravel(), p.sum(axis=0)])


class Listwise:
    def __init__(self, x, y, l2, starts):
        keep = np.diff(starts) >= 2
        self.x, self.l2, self.starts = x, l2, starts
        self.q = np.zeros(len(y))
        self.logq = np.zeros(len(y))
        self.qof = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
        self.rowmask = keep[self.qof]
        self.nq = keep.sum()
        self.q, self.logq = self.soft(y)
        self.size = x.shape[1] + 1

    def soft(self, s):
        top = np.maximum.reduceat(s, self.starts[:-1])
        z = s - top[self.qof]
        e = np.exp(z)
        tot = np.add.reduceat(e, self.starts[:-1])
        return e / tot[self.qof], z - np.log(tot[self.qof])

    def fun_grad(self, th):
        w = th[:-1]
        p, logp = self.soft(self.x @ w)
        m = self.rowmask
        f = (self.q[m] * (self.logq[m] - logp[m])).sum() / self.nq + self.l2 / 2 * w @ w
        g = np.where(m, p - self.q, 0.0) / self.nq
        return f, np.concatenate([self.x.T @ g + self.l2 * w, [0.0]])


def lbfgs(problem):
    res = minimize(problem.fun_grad, np.zeros(problem.size), jac=True, method="L-BFGS-B",
                   options={"maxiter": 100000, "maxfun": 200000, "ftol": 1e-16, "gtol": 1e-11,
                            "maxcor": 30})
    return float(res.fun)


def ridge_optimum(x, y, l2):
    """(Xc'Xc + n l2 I) w = Xc'(y - mean y) with Xc the centred columns."""
    n = x.shape[0]
    mu = np.asarray(x.mean(axis=0)).ravel()
    yc = y - y.mean()

    def normal(v):
        xv = x @ v - mu @ v
        return x.T @ xv - mu * xv.sum() + n * l2 * v

    op = LinearOperator((x.shape[1], x.shape[1]), matvec=normal, dtype=np.float64)
    rhs = x.T @ yc - mu * yc.sum()
    w, info = cg(op, rhs, tol=1e-12, atol=0.0, maxiter=100000)
    if info != 0:
        sys.exit(f"conjugate gradients stopped without converging ({info})")
    return ridge_value(x, y, l2, w, y.mean() - mu @ w)


def ridge_value(x, y, l2, w, b):
    r = x @ w + b - y
    return float(r @ r / (2 * len(y)) + l2 / 2 * w @ w)


def optimum(kind, path, l2):
    x, y, _ = load(path)
    t0 = time.perf_counter()
    if kind == "multiclass":
        best = lbfgs(Multiclass(x, y, l2))
    elif kind == "listwise":
        best = lbfgs(Listwise(x, y, l2, groups_of(path, x.shape[0])))
    elif kind == "pointwise":
        best = ridge_optimum(x, y, l2)
    else:
        sys.exit(f"unknown objective {kind}")
    return best, time.perf_counter() - t0


def read_model(path, top):
    """bias (K) and the weights on the scaled features (dim x K)."""
    w = np.zeros((len(top), 0))
    with open(path) as f:
        for line in f:
            if line.startswith("bias="):
                b = np.array([float(v) for v in line[5:].split()])
                w = np.zeros((len(top), len(b)))
            elif line[:1].isdigit():
                parts = line.split()
                j = int(parts[0])
                if j < len(top):
                    w[j] = [float(v) for v in parts[1:]]
    # the file's weights act on the raw features: scaled weight = raw * max|x|
    return b, w * top[:, None]


def value(kind, path, l2, model):
    x, y, top = load(path)
    b, w = read_model(model, top)
    if kind == "multiclass":
        return Multiclass(x, y, l2).fun_grad(np.concatenate([w.ravel(), b]))[0]
    if kind == "listwise":
        return Listwise(x, y, l2, groups_of(path, x.shape[0])).fun_grad(np.append(w[:, 0], 0.0))[0]
    return ridge_value(x, y, l2, w[:, 0], b[0])


def liblinear_fit(x, y, l2, eps, tmp):
    """liblinear-train -s 0 on the scaled rows; its objective as smloss's."""
    data, model = os.path.join(tmp, "scaled"), os.path.join(tmp, "model")
    if not os.path.exists(data):
        from sklearn.datasets import dump_svmlight_file
        dump_svmlight_file(x, y, data, zero_based=False)
    n = x.shape[0]
    cmd = ["liblinear-train", "-q", "-s", "0", "-c", repr(2.0 / (n * l2)), "-B", "100", "-e", repr(eps),
           data, model]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    secs = time.perf_counter() - t0
    lines = open(model).read().split("\n")
    labels = [float(v) for v in next(l for l in lines if l.startswith("label ")).split()[1:]]
    wv = np.array([float(l) for l in lines[lines.index("w") + 1:] if l.strip()])
    d = wv[:-1] if len(wv) > 1 else wv
    wfull = np.zeros(x.shape[1])
    wfull[:len(d)] = d[:x.shape[1]]
    # liblinear scores labels[0]: the two-class softmax's difference of scores
    z = (x @ wfull + 100 * wv[-1]) * np.where(y == labels[0], 1.0, -1.0)
    obj = np.logaddexp(0.0, -z).mean() + l2 / 4 * wfull @ wfull
    return secs, float(obj)


def peer_fits(peer, x, y, l2, tmp):
    """(setting, fit()) pairs from the least to the most effort; fit() -> (seconds, objective)."""
    n = x.shape[0]

    def sk(make, objective):
        def fit():
            model = make()
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(x, y)
            return time.perf_counter() - t0, objective(model)
        return fit

    if peer in ("lr-lbfgs", "lr-saga"):
        from sklearn.linear_model import LogisticRegression
        mc = Multiclass(x, y, l2)
        # two classes: sklearn fits one score w (penalty |w|^2/2), smloss two
        # whose difference is w and whose penalty is least at -w/2, w/2
        two = mc.k == 2
        c = (2.0 if two else 1.0) / (n * l2)

        def obj(m):
            w, b = (np.hstack([-m.coef_.T, m.coef_.T]) / 2, np.hstack([-m.intercept_, m.intercept_]) / 2) \
                if two else (m.coef_.T, m.intercept_)
            return mc.fun_grad(np.concatenate([w.ravel(), b]))[0]
        return [(f"tol={t:g}", sk(lambda t=t: LogisticRegression(
            C=c, solver=peer[3:], tol=t, max_iter=100000), obj)) for t in TOLS]
    if peer in ("ridge-cg", "ridge-lsqr"):
        from sklearn.linear_model import Ridge
        solver = {"ridge-cg": "sparse_cg", "ridge-lsqr": "lsqr"}[peer]
        return [(f"tol={t:g}", sk(lambda t=t: Ridge(alpha=n * l2, solver=solver, tol=t),
                                  lambda m: ridge_value(x, y, l2, m.coef_, m.intercept_))) for t in TOLS]
    if peer == "sgd-regressor":
        from sklearn.linear_model import SGDRegressor
        return [(f"epochs={e}", sk(lambda e=e: SGDRegressor(alpha=l2, max_iter=e, tol=None, random_state=1),
                                   lambda m: ridge_value(x, y, l2, m.coef_, m.intercept_[0])))
                for e in (1, 2, 5, 10, 20, 50, 100)]
    if peer == "liblinear":
        return [(f"eps={e:g}", lambda e=e: liblinear_fit(x, y, l2, e, tmp)) for e in (1, 0.1, 0.01, 1e-3, 1e-4, 1e-5, 1e-6)]
    sys.exit(f"unknown peer {peer}")


def race(peer, path, l2, best, repeats, budget):
    x, y, _ = load(path)
    spent, last = 0.0, None
    with tempfile.TemporaryDirectory() as tmp:
        for setting, fit in peer_fits(peer, x, y, l2, tmp):
            secs, obj = fit()
            spent += secs
            gap = (obj - best) / best
            print(f"{setting} {secs:.4f} {obj:.9g} {gap:.3e}", flush=True)
            last = (setting, gap)
            if gap <= WITHIN:
                # a fit of a second or more is measured once; a quick one is noisy
                for _ in range(repeats - 1 if secs < 1.0 else 0):
                    secs = min(secs, fit()[0])
                print(f"best {secs:.4f} {setting} {gap:.3e}")
                return
            if spent > budget or 3 * secs > budget:  # the next, tighter fit would not fit in it
                break
    print(f"none - {last[0]} {last[1]:.3e}")


def wall(repeats, errfile, cmd):
    best = None
    for _ in range(repeats):
        with open(errfile, "w") as err:
            t0 = time.perf_counter()
            done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err)
            t = time.perf_counter() - t0
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd)}: exit {done.returncode}: {open(errfile).read()[-300:]}")
        best = t if best is None else min(best, t)
    return best


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "optimum":
        best, secs = optimum(sys.argv[2], sys.argv[3], float(sys.argv[4]))
        print(f"{best:.12g} {secs:.3f}")
    elif what == "value":
        print(f"{value(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]):.12g}")
    elif what == "race":
        repeats = int(sys.argv[6]) if len(sys.argv) > 6 else 3
        budget = float(sys.argv[7]) if len(sys.argv) > 7 else 120.0
        race(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), repeats, budget)
    elif what == "time":
        print(f"{wall(int(sys.argv[2]), sys.argv[3], sys.argv[4:]):.4f}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
