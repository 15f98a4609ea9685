#!/bin/sh
# check-peers.sh - cross-checks of smloss against independent implementations
# (make check-peers; not part of make check). Each check runs when its peer is
# installed and prints one line, PASS or FAIL with the numbers compared, or
# SKIP with the reason; the exit status is 1 when a check failed.
#
#   sklearn-ridge     smloss train --loss lin --l2 X on the housing data against
#                     scikit-learn's Ridge on the same maxabs-scaled features:
#                     smloss minimises (1/n) sum (s - y)^2/2 + (X/2)||w||^2
#                     (bias not penalised), Ridge ||y - Xw - b||^2 + alpha ||w||^2,
#                     the same problem for alpha = n X; the objectives must agree
#                     after enough epochs, and smloss's printed objective must be
#                     that formula evaluated on its model.
#   sklearn-ndcg      smloss eval's NDCG@k (--metric-gain linear: sklearn's gains
#                     are the labels; --no-relevant skip: sklearn scores a query
#                     without a relevant row 0) against sklearn.metrics.ndcg_score
#                     per query of the bundled rank data (two of its queries
#                     relabelled 0: no relevant row), fed the scores in
#                     smloss's order (sklearn averages over tied scores, smloss
#                     breaks ties pessimistically), once with a trained model's
#                     scores and once with scores rounded to one decimal (ties).
#   sklearn-multinomial  smloss train --objective multiclass (f = lin: multinomial
#                     logistic regression) --l2 X on digits (rows NR % 5 != 0)
#                     against LogisticRegression with C = 1/(n X) on the same
#                     maxabs-scaled features, smloss with its default options
#                     (trained to the optimum): held-out accuracy within 0.5
#                     points, smloss's training objective within 0.1% of sklearn's.
#   scipy-multinomial the same smloss run against the optimum of its objective
#                     computed by scipy's L-BFGS at a tight tolerance
#                     (scripts/converge_peers.py, which also recomputes the
#                     objective of smloss's model file): printed = recomputed
#                     (1e-7), and within 0.1% of the optimum.
#   xgboost-loader    XGBoost's libsvm loader against smloss's parse of the rank
#                     data: rows, columns, and the count of every label value.
#   xgboost-ndcg      XGBoost's ndcg@k metric (gains 2^y - 1, a query without a
#                     relevant row counts 1) on smloss's predictions against
#                     smloss eval with its default conventions.
#   torch-listwise-*, one query with one indicator feature per row, trained
#   torch-pairwise-*  with plain SGD at a constant rate and no scaling, so the
#                     weights after each step are -rate x the gradient of the
#                     objective: the gradient and the objective values of
#                     smloss train (model files, --predictions, epoch table)
#                     against torch autograd of KL(softmax(f(y)/T) ||
#                     softmax(f(s)/T)) and of the pairs' KL(Bern(q) ||
#                     Bern(sigma((f(s_i) - f(s_j))/T))), f a non-trivial link.
#   python-formats    every table smloss writes for scripts (eval's region,
#                     ranking and class reports; train's epoch and --folds
#                     tables) in --format tsv read by Python's csv module in
#                     one call (4 fields a row, the header first, every value
#                     a number) and in --format json by its json module.
#
# Peers are Debian's python3-sklearn, python3-xgboost and python3-torch;
# Debian's interpreter is /usr/bin/python3 (a python3 earlier on PATH may lack
# them). PYTHON=... names the interpreter to use instead; SMLOSS=... the binary.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
SMLOSS=${SMLOSS:-$ROOT/smloss}
DATA=$ROOT/data
H=$DATA/libsvm-housing-scale/housing_scale
R=$DATA/lightgbm-rank
T=$(mktemp -d "${TMPDIR:-/tmp}/smloss-peers.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
# The rank test data with the labels of its first two queries (31 rows) set
# to 0: queries without a relevant row, whose conventions differ by tool.
RT=$T/rank0.test
awk 'NR <= 31 { $1 = 0 } { print }' "$R/rank.test" > "$RT"
cp "$R/rank.test.query" "$RT.query"
PASSED=0
FAILED=0
SKIPPED=0

if [ ! -x "$SMLOSS" ]; then
    echo "check-peers: $SMLOSS not found (run make first)" >&2
    exit 2
fi

# The first interpreter that imports every module named ("sklearn numpy").
python_with() {
    for py in ${PYTHON:-/usr/bin/python3 python3}; do
        command -v "$py" >/dev/null 2>&1 || continue
        ok=1
        for m in "$@"; do
            "$py" -c "import $m" >/dev/null 2>&1 || { ok=0; break; }
        done
        [ "$ok" = 1 ] && { echo "$py"; return 0; }
    done
    return 1
}

skip() { echo "SKIP $1: $2"; SKIPPED=$((SKIPPED + 1)); }

# run NAME PYTHON SCRIPT ARGS...: the script prints its one PASS/FAIL line and
# exits 0 (pass) or 1 (fail); anything else is a FAIL with its error.
run() {
    name=$1 py=$2 script=$3
    shift 3
    out=$(printf '%s\n' "$script" | "$py" - "$name" "$@" 2>"$T/py.err")
    rc=$?
    if [ "$rc" -eq 0 ] && [ -n "$out" ]; then
        echo "$out"
        PASSED=$((PASSED + 1))
    else
        [ -n "$out" ] && echo "$out" || echo "FAIL $name: $(tail -n 1 "$T/py.err")"
        FAILED=$((FAILED + 1))
    fi
}

# smloss CMD...: a run that must succeed; its stderr goes to $T/smloss.err.
sm() {
    "$SMLOSS" "$@" 2>"$T/smloss.err" || {
        echo "smloss $*: exit $?: $(tail -n 2 "$T/smloss.err")" >&2
        return 1
    }
}

# The training objectives of the epoch table a run left in $T/smloss.err.
epoch_objectives() { awk '$1 ~ /^[0-9]+$/ { print $2 }' "$T/smloss.err"; }

# optimum_check NAME PYTHON OBJECTIVE DATA L2 MODEL PRINTED: smloss's printed
# objective equals its model's, recomputed, and is within 0.1% of the optimum
# found by scipy (scripts/converge_peers.py).
optimum_check() {
    best=$("$2" scripts/converge_peers.py optimum "$3" "$4" "$5" 2>"$T/py.err" | awk '{ print $1 }') &&
        ours=$("$2" scripts/converge_peers.py value "$3" "$4" "$5" "$6" 2>>"$T/py.err") || {
        echo "FAIL $1: $(tail -n 1 "$T/py.err")"; FAILED=$((FAILED + 1)); return; }
    if awk -v p="$7" -v o="$ours" -v b="$best" 'BEGIN { g = (p - b) / b; d = (p - o) / o
            exit !(g >= -1e-6 && g <= 1e-3 && d <= 1e-7 && d >= -1e-7) }'; then
        verdict=PASS PASSED=$((PASSED + 1))
    else
        verdict=FAIL FAILED=$((FAILED + 1))
    fi
    echo "$verdict $1: $3 objective printed $7, of the model recomputed $ours (tolerance 1e-7)," \
        "scipy's optimum $best ($(awk -v p="$7" -v b="$best" 'BEGIN { printf "%+.4f%%", 100 * (p - b) / b }'), tolerance 0.1%)"
}

# ---------------------------------------------------------------- sklearn
RIDGE_PY=$(cat <<'EOF'
import json
import sys
import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.linear_model import Ridge
from sklearn.preprocessing import MaxAbsScaler

name, data, lam, model, printed, epochs = sys.argv[1:7]
lam, printed = float(lam), float(printed)
X, y = load_svmlight_file(data, zero_based=True)  # columns = smloss's indices
n = X.shape[0]
m = abs(X).max(axis=0).toarray().ravel()
m[m == 0] = 1.0
Xs = MaxAbsScaler().fit_transform(X)  # X / m, as smloss's --scale maxabs

def objective(w, b):  # smloss's: mean (s - y)^2 / 2 + lam/2 |w|^2, bias free
    s = Xs @ w + b
    return float(np.mean((s - y) ** 2) / 2 + lam / 2 * w @ w)

ridge = Ridge(alpha=n * lam, fit_intercept=True, tol=1e-12).fit(Xs, y)
best = objective(ridge.coef_, ridge.intercept_)
w = np.zeros(X.shape[1]); b = 0.0; in_weights = False
for line in open(model):
    if line.startswith("bias="):
        b = float(line[5:])
    elif line.startswith("weights="):
        in_weights = True
    elif line.strip() == "end":
        break
    elif in_weights:
        k, v = line.split()
        w[int(k)] = float(v)
ws = w * m  # the weights of the scaled features
ours = objective(ws, b)
gap = (ours - best) / best
consistent = abs(printed - ours) <= 1e-7 * abs(ours)  # the table prints 8 digits
ok = -1e-9 <= gap <= 1e-5 and consistent
print(f"{'PASS' if ok else 'FAIL'} {name}: housing, --l2 {lam:g} (alpha = n*l2 = {n * lam:g}), "
      f"{epochs} epochs: objective {ours:.10g} vs Ridge's optimum {best:.10g} "
      f"(relative gap {gap:.2g}, tolerance 1e-5; max |w - w*| {np.abs(ws - ridge.coef_).max():.2g}); "
      f"printed objective {printed:.8g} {'=' if consistent else '!='} the formula on the model")
sys.exit(0 if ok else 1)
EOF
)

NDCG_PY=$(cat <<'EOF'
import json
import sys
import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.metrics import ndcg_score

name, data, groups, perquery, report = sys.argv[1:6]
preds = sys.argv[6:]
_, y = load_svmlight_file(data)
sizes = [int(l) for l in open(groups) if l.strip()]
bounds = np.cumsum([0] + sizes)
ks = (1, 3, 5, 10)
worst = 0.0; compared = 0; skipped = 0; tied = 0; sk_ties_diff = 0.0; mean_diff = 0.0
for pred, pq, rep in zip(preds, perquery.split(","), report.split(",")):
    s = np.array([float(l.split()[0]) for l in open(pred)])
    rows = [l.rstrip("\n").split("\t") for l in open(pq)]
    head, rows = rows[0], rows[1:]
    col = {c: i for i, c in enumerate(head)}
    means = json.load(open(rep))["ranking"]["metrics"]  # JSON: exact numbers
    sums = {k: [] for k in ks}
    for q in range(len(sizes)):
        yq, sq = y[bounds[q]:bounds[q + 1]], s[bounds[q]:bounds[q + 1]]
        n = len(yq)
        if not (yq > 0).any():  # no relevant row: skipped by both
            skipped += 1
            assert all(rows[q][col[f"ndcg@{k}"]] == "NaN" for k in ks)
            continue
        tied += len(set(sq)) < n
        # smloss's order: score descending, the lower label first on ties
        order = sorted(range(n), key=lambda i: (-sq[i], yq[i], i))
        z = np.empty(n); z[order] = np.arange(n, 0, -1)
        for k in ks:
            ref = 1.0 if n == 1 else ndcg_score([yq], [z], k=k)
            got = float(rows[q][col[f"ndcg@{k}"]])
            worst = max(worst, abs(got - ref)); compared += 1
            sums[k].append(ref)
            if n > 1:  # how sklearn's own tie handling would differ
                sk_ties_diff = max(sk_ties_diff, abs(ndcg_score([yq], [sq], k=k) - ref))
    for k in ks:
        mean_diff = max(mean_diff, abs(np.mean(sums[k]) - means[f"ndcg@{k}"]))
ok = worst <= 1e-12 and mean_diff <= 1e-12
print(f"{'PASS' if ok else 'FAIL'} {name}: rank.test (2 queries relabelled 0), {compared} query x cutoff values (k = 1,3,5,10; "
      f"{len(preds)} score sets, {tied} query scorings with ties, {skipped} queries without a relevant "
      f"row skipped): max |smloss - sklearn| {worst:.2g} per query, {mean_diff:.2g} for the means "
      f"(tolerance 1e-12); sklearn's own tie averaging would differ by up to {sk_ties_diff:.2g}")
sys.exit(0 if ok else 1)
EOF
)

MULTINOMIAL_PY=$(cat <<'EOF'
import json
import sys
import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import MaxAbsScaler

name, train, test, lam, pred, printed = sys.argv[1:7]
lam, printed = float(lam), float(printed)
Xtr, ytr = load_svmlight_file(train, zero_based=True)
Xte, yte = load_svmlight_file(test, zero_based=True, n_features=Xtr.shape[1])
scaler = MaxAbsScaler().fit(Xtr)  # smloss's --scale maxabs
Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
n = Xtr.shape[0]
# sklearn minimises C sum_i loss_i + |W|^2 / 2: smloss's mean loss + lam/2 |W|^2 for C = 1 / (n lam)
lr = LogisticRegression(C=1.0 / (n * lam), tol=1e-10, max_iter=10000).fit(Xtr, ytr)
p = lr.predict_proba(Xtr)
idx = np.searchsorted(lr.classes_, ytr)
best = float(-np.log(p[np.arange(n), idx]).mean() + lam / 2 * (lr.coef_ ** 2).sum())
acc_sk = float((lr.predict(Xte) == yte).mean())
acc_sm = float((np.loadtxt(pred) == yte).mean())
gap = (printed - best) / best
ok = abs(acc_sm - acc_sk) <= 0.005 and -1e-6 <= gap <= 0.001
print(f"{'PASS' if ok else 'FAIL'} {name}: held-out accuracy smloss {acc_sm:.4f}, sklearn {acc_sk:.4f} "
      f"(tolerance 0.005); training objective smloss {printed:.6g}, sklearn's optimum {best:.6g} "
      f"(+{100 * gap:.3f}%, tolerance 0.1%)")
sys.exit(0 if ok else 1)
EOF
)

if py=$(python_with sklearn numpy); then
    # Ridge
    L2=0.01 EPOCHS=1000
    if sm train -d "$H" -m "$T/ridge.model" --loss lin --l2 $L2 --epochs $EPOCHS; then
        printed=$(epoch_objectives | tail -n 1)
        run sklearn-ridge "$py" "$RIDGE_PY" "$H" $L2 "$T/ridge.model" "$printed" $EPOCHS
    else
        echo "FAIL sklearn-ridge: smloss train failed"; FAILED=$((FAILED + 1))
    fi
    # NDCG: a trained model's scores, and the same rounded to one decimal (ties)
    if sm train -q -d "$R/rank.train" -m "$T/rank.model" --objective listwise --epochs 3 &&
        sm predict -q -m "$T/rank.model" -d "$RT" -o "$T/rank.pred" &&
        awk '{ printf "%.1f\n", $1 }' "$T/rank.pred" > "$T/rank.tied.pred" &&
        sm eval -q -d "$RT" -p "$T/rank.pred" --metric-gain linear --no-relevant skip \
            --format json -o "$T/rank.json" --per-query "$T/rank.pq" &&
        sm eval -q -d "$RT" -p "$T/rank.tied.pred" --metric-gain linear --no-relevant skip \
            --format json -o "$T/rank.tied.json" --per-query "$T/rank.tied.pq"; then
        run sklearn-ndcg "$py" "$NDCG_PY" "$RT" "$RT.query" \
            "$T/rank.pq,$T/rank.tied.pq" "$T/rank.json,$T/rank.tied.json" "$T/rank.pred" "$T/rank.tied.pred"
    else
        echo "FAIL sklearn-ndcg: smloss failed"; FAILED=$((FAILED + 1))
    fi
    # multinomial logistic regression: --objective multiclass with f = lin on digits
    awk 'NR % 5 != 0' "$DATA/sklearn-digits/digits.libsvm" > "$T/digits.train"
    awk 'NR % 5 == 0' "$DATA/sklearn-digits/digits.libsvm" > "$T/digits.test"
    if sm train -d "$T/digits.train" -m "$T/digits.model" --objective multiclass --l2 1e-4 &&
        printed=$(epoch_objectives | tail -n 1) &&
        sm predict -q -m "$T/digits.model" -d "$T/digits.test" -o "$T/digits.pred"; then
        run sklearn-multinomial "$py" "$MULTINOMIAL_PY" "$T/digits.train" "$T/digits.test" 1e-4 \
            "$T/digits.pred" "$printed"
        if "$py" -c "import scipy" >/dev/null 2>&1; then
            optimum_check scipy-multinomial "$py" multiclass "$T/digits.train" 1e-4 "$T/digits.model" "$printed"
        else
            skip scipy-multinomial "scipy not installed (Debian: apt-get install python3-scipy)"
        fi
    else
        echo "FAIL sklearn-multinomial: smloss failed"; FAILED=$((FAILED + 1))
    fi
else
    skip sklearn-multinomial "scikit-learn not installed (Debian: apt-get install python3-sklearn)"
    skip scipy-multinomial "scikit-learn not installed (Debian: apt-get install python3-sklearn)"
    skip sklearn-ridge "scikit-learn not installed (Debian: apt-get install python3-sklearn)"
    skip sklearn-ndcg "scikit-learn not installed (Debian: apt-get install python3-sklearn)"
fi

# ---------------------------------------------------------------- xgboost
XGB_LOADER_PY=$(cat <<'EOF'
import json
import sys
import numpy as np
import xgboost as xgb

name, data, report, model = sys.argv[1:5]
d = xgb.DMatrix(data + "?format=libsvm")
labels = d.get_label()
# smloss: the rows of each distinct-label region and their mean label
ours = {r["mean_label"]: r["rows"] for r in json.load(open(report))["per_region"]}
dim = next(int(l[4:]) for l in open(model) if l.startswith("dim="))
theirs = {float(v): int(c) for v, c in zip(*np.unique(labels, return_counts=True))}
ok = d.num_row() == sum(ours.values()) and d.num_col() == dim and theirs == ours
counts = " ".join(f"{v:g}:{c}" for v, c in sorted(theirs.items()))
print(f"{'PASS' if ok else 'FAIL'} {name}: rank.train, XGBoost reads {d.num_row()} rows x {d.num_col()} "
      f"columns, labels {counts}; smloss {sum(ours.values())} rows, dim {dim}, labels "
      + " ".join(f"{v:g}:{c}" for v, c in sorted(ours.items())))
sys.exit(0 if ok else 1)
EOF
)

XGB_NDCG_PY=$(cat <<'EOF'
import json
import sys
import numpy as np
import xgboost as xgb

name, data, groups, pred, report = sys.argv[1:6]
d = xgb.DMatrix(data + "?format=libsvm")
sizes = [int(l) for l in open(groups) if l.strip()]
d.set_group(sizes)
s = np.array([float(l.split()[0]) for l in open(pred)], dtype=np.float32)
bounds = np.cumsum([0] + sizes)
ties = sum(len(set(s[b:e])) < e - b for b, e in zip(bounds, bounds[1:]))
d.set_base_margin(s)  # XGBoost's margins are float32: the scores were rounded to float32
ours = json.load(open(report))["ranking"]["metrics"]  # JSON: exact numbers
worst = 0.0; parts = []
for k in (1, 3, 5, 10):
    bst = xgb.train({"objective": "rank:ndcg", "base_score": 0.0, "eval_metric": f"ndcg@{k}"},
                    d, num_boost_round=0)
    theirs = float(bst.eval(d).split(":")[-1])
    worst = max(worst, abs(theirs - ours[f"ndcg@{k}"]))
    parts.append(f"@{k} {ours[f'ndcg@{k}']:.6f}/{theirs:.6f}")
ok = worst <= 1e-9 and ties == 0
print(f"{'PASS' if ok else 'FAIL'} {name}: rank.test (2 queries relabelled 0), ndcg smloss/XGBoost " + ", ".join(parts)
      + f": max difference {worst:.2g} (tolerance 1e-9; {ties} queries with tied scores)")
sys.exit(0 if ok else 1)
EOF
)

if py=$(python_with xgboost numpy); then
    # the regions of a predictions file are one per distinct label here: the
    # report's rows per region count the labels
    awk '{ print 0 }' "$R/rank.train" > "$T/zeros.pred"
    if sm eval -q -d "$R/rank.train" -p "$T/zeros.pred" --format json -o "$T/labels.json" &&
        sm train -q -d "$R/rank.train" -m "$T/xgb.model" --epochs 1; then
        run xgboost-loader "$py" "$XGB_LOADER_PY" "$R/rank.train" "$T/labels.json" "$T/xgb.model"
    else
        echo "FAIL xgboost-loader: smloss failed"; FAILED=$((FAILED + 1))
    fi
    # smloss evaluates the float32-rounded scores XGBoost sees
    if [ ! -s "$T/rank.pred" ]; then
        sm train -q -d "$R/rank.train" -m "$T/rank.model" --objective listwise --epochs 3 &&
            sm predict -q -m "$T/rank.model" -d "$RT" -o "$T/rank.pred"
    fi
    if "$py" -c "import numpy as np, sys; np.savetxt(sys.argv[2], np.loadtxt(sys.argv[1]).astype(np.float32).astype(np.float64), fmt='%.9g')" \
        "$T/rank.pred" "$T/rank.f32.pred" &&
        sm eval -q -d "$RT" -p "$T/rank.f32.pred" --format json -o "$T/rank.f32.json"; then
        run xgboost-ndcg "$py" "$XGB_NDCG_PY" "$RT" "$RT.query" "$T/rank.f32.pred" "$T/rank.f32.json"
    else
        echo "FAIL xgboost-ndcg: smloss failed"; FAILED=$((FAILED + 1))
    fi
else
    why="XGBoost's Python module not installed (Debian: apt-get install python3-xgboost)"
    skip xgboost-loader "$why"
    skip xgboost-ndcg "$why"
fi

# ---------------------------------------------------------------- torch
# One query, row i has the single feature i = 1 (so the step on w_i is
# -rate x dJ/ds_i), labels with ties and a zero, a link with a varying slope.
TORCH_PY=$(cat <<'EOF'
import json
import sys
import torch

torch.set_default_dtype(torch.float64)
name, kind, target, T, data, m1, m2, p1, p2, obj1, obj2 = sys.argv[1:12]
T = float(T)
obj1 = [float(v) for v in obj1.split()]  # run of 1 epoch: [J(s1)]
obj2 = [float(v) for v in obj2.split()]  # run of 2 epochs: [J(s0) progressive, J(s2)]
y = torch.tensor([float(l.split()[0]) for l in open(data)])
n = len(y)

def f(z):  # the link lin:w=0.3+exp:a=0.7 as the score transform
    return 0.3 * z + torch.exp(0.7 * z) / 0.7

def J(s):
    if kind == "listwise":
        if target == "gain":  # q proportional to 2^y - 1 (0 for y <= 0); neither f nor T
            g = torch.where(y > 0, torch.exp2(y) - 1, torch.zeros(n))
            q = g / g.sum()
        else:
            q = torch.softmax(f(y) / T, 0)
        logp = torch.log_softmax(f(s) / T, 0)
        return torch.sum(torch.where(q > 0, q * (torch.log(q) - logp), torch.zeros(n)))
    sp = torch.nn.functional.softplus
    loss = []
    for i in range(n):
        for j in range(n):
            if y[i] > y[j]:
                d = (f(s[i]) - f(s[j])) / T
                if target == "soft":  # KL(Bern(q) || Bern(sigma(d))), log sigma(d) = -softplus(-d)
                    q = torch.sigmoid((f(y[i]) - f(y[j])) / T)
                    loss.append(q * (torch.log(q) + sp(-d)) + (1 - q) * (torch.log1p(-q) + sp(d)))
                else:  # q = 1: -log sigma(d)
                    loss.append(sp(-d))
    return torch.stack(loss).mean()

def grad(s):
    s = s.clone().requires_grad_(True)
    J(s).backward()
    return s.grad.detach()

def model(path):
    w = torch.zeros(n + 1); b = None; inw = False
    for line in open(path):
        if line.startswith("bias="):
            b = float(line[5:])
        elif line.startswith("weights="):
            inw = True
        elif line.strip() == "end":
            break
        elif inw:
            k, v = line.split(); w[int(k)] = float(v)
    return w[1:], b

def preds(path):
    return torch.tensor([float(l) for l in open(path)])

w1, b1 = model(m1); w2, b2 = model(m2)
s1, s2 = preds(p1), preds(p2)
# weights start at 0 and the bias at a constant b0: s0 = b0 for every row, and
# the first step changes w by -rate * dJ/ds(s0) (the bias by -rate * its sum,
# which is 0: the gradient at equal scores sums to 0)
g0 = grad(torch.full((n,), b1))
rate = float(-(w1 @ g0) / (g0 @ g0))
e0 = float((w1 + rate * g0).abs().max() / w1.abs().max())
g1 = grad(s1)
dw, db = w2 - w1, b2 - b1
e1 = float((dw + rate * g1).abs().max() / dw.abs().max())
eb = abs(db + rate * float(g1.sum())) / max(abs(db), 1e-300)
vals = [(float(J(torch.full((n,), b1)).detach()), obj2[0]), (float(J(s1).detach()), obj1[0]),
        (float(J(s2).detach()), obj2[1])]
ev = max(abs(a - b) / abs(a) for a, b in vals)
ok = e0 <= 1e-9 and e1 <= 1e-9 and eb <= 1e-6 and ev <= 1e-7
print(f"{'PASS' if ok else 'FAIL'} {name}: {kind} ({target} target), {n} rows, "
      f"link lin:w=0.3+exp:a=0.7, T = {T:g}: gradient at s0 and s1 vs autograd, max relative "
      f"error {max(e0, e1):.2g} (rate {rate:.6g}), bias step {eb:.2g}; objective at s0, s1, s2 "
      + " ".join(f"{b:.8g}" for _, b in vals) + f" vs autograd's, max relative error {ev:.2g} "
      f"(tolerance 1e-9 gradient, 1e-7 objective: the table prints 8 digits)")
sys.exit(0 if ok else 1)
EOF
)

if py=$(python_with torch); then
    printf '%s\n' 2 0 3 1 4 1 0 2.5 | awk '{ printf "%s qid:1 %d:1\n", $1, NR }' > "$T/q.txt"
    for check in "listwise matched 4" "listwise gain 0.8" "pairwise soft 0.7" "pairwise hard 1.3"; do
        # shellcheck disable=SC2086
        set -- $check
        kind=$1 target=$2 temp=$3
        opts="--objective $kind --target $target --temperature $temp --loss lin:w=0.3+exp:a=0.7"
        opts="$opts --scale none --lr-schedule constant --lr 0.5"
        # shellcheck disable=SC2086
        if sm train -d "$T/q.txt" -m "$T/e1.model" --epochs 1 --predictions "$T/e1.pred" $opts &&
            o1=$(epoch_objectives) &&
            sm train -d "$T/q.txt" -m "$T/e2.model" --epochs 2 --predictions "$T/e2.pred" $opts &&
            o2=$(epoch_objectives); then
            run "torch-$kind-$target" "$py" "$TORCH_PY" "$kind" "$target" "$temp" "$T/q.txt" \
                "$T/e1.model" "$T/e2.model" "$T/e1.pred" "$T/e2.pred" "$o1" "$o2"
        else
            echo "FAIL torch-$kind-$target: smloss train failed"; FAILED=$((FAILED + 1))
        fi
    done
else
    skip torch "PyTorch not installed (Debian: apt-get install python3-torch)"
fi

# ---------------------------------------------------------------- formats
FORMATS_PY=$(cat <<'EOF'
import csv
import json
import sys

name, files = sys.argv[1], sys.argv[2:]
bad = []
for path in files:
    with open(path, newline="") as f:
        if path.endswith(".tsv"):
            rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
            if rows[0] != ["table", "row", "column", "value"]:
                bad.append(f"{path}: header {rows[0]}")
            for r in rows[1:]:
                if len(r) != 4:
                    bad.append(f"{path}: {r}")
                elif r[0] != "info":
                    float(r[3])  # every value a number (NaN, inf included)
        else:
            json.load(f)
ok = not bad
print(f"{'PASS' if ok else 'FAIL'} {name}: {len(files)} outputs read in one call each"
      + ("" if ok else ": " + "; ".join(bad[:3])))
sys.exit(0 if ok else 1)
EOF
)

if py=$(python_with csv json); then
    head -n 300 "$DATA/sklearn-digits/digits.libsvm" > "$T/digits"
    ok=1
    for fmt in tsv json; do
        sm train -d "$H" -m "$T/f.model" --epochs 3 --valid "$H" --metric objective \
            --format $fmt > "$T/epochs.$fmt" &&
            sm eval -d "$H" -m "$T/f.model" --format $fmt > "$T/eval.$fmt" &&
            sm train -d "$R/rank.train" --objective listwise -m "$T/r.model" --epochs 2 \
                --format $fmt > "$T/repochs.$fmt" &&
            sm eval -d "$RT" -m "$T/r.model" --format $fmt > "$T/reval.$fmt" &&
            sm train -d "$T/digits" --objective multiclass -m "$T/k.model" --epochs 2 \
                --format $fmt > "$T/kepochs.$fmt" &&
            sm eval -d "$T/digits" -m "$T/k.model" --format $fmt > "$T/keval.$fmt" &&
            sm train -d "$H" --folds 3 --epochs 2 --format $fmt > "$T/folds.$fmt" || ok=0
    done
    if [ "$ok" = 1 ]; then
        run python-formats "$py" "$FORMATS_PY" "$T"/*.tsv "$T"/*.json
    else
        echo "FAIL python-formats: smloss failed"; FAILED=$((FAILED + 1))
    fi
else
    skip python-formats "no python3"
fi

echo "check-peers: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
