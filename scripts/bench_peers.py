#!/usr/bin/python3
"""bench_peers.py - the scikit-learn peers of scripts/bench.sh.

  bench_peers.py load FILE          load_svmlight_file; prints "seconds rows nnz"
  bench_peers.py sgd FILE EPOCHS [REPEATS]
                                    SGDRegressor (squared loss, no penalty,
                                    EPOCHS passes, no early stop) on FILE,
                                    fitted REPEATS times (1) from scratch;
                                    prints "fit_seconds rows nnz" of the
                                    fastest fit (load excluded)
"""
import sys
import time

from sklearn.datasets import load_svmlight_file


def main():
    what, path = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    x, y = load_svmlight_file(path, zero_based=True)
    load_s = time.perf_counter() - t0
    if what == "load":
        print(f"{load_s:.4f} {x.shape[0]} {x.nnz}")
        return
    from sklearn.linear_model import SGDRegressor
    import warnings
    epochs = int(sys.argv[3])
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    best = None
    for _ in range(repeats):
        model = SGDRegressor(loss="squared_error", penalty=None, max_iter=epochs, tol=None,
                             shuffle=True, random_state=1, learning_rate="invscaling", eta0=0.01)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x, y)
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    print(f"{best:.4f} {x.shape[0]} {x.nnz}")


if __name__ == "__main__":
    main()
