# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. ROC curves and the area under them
#
# A classifier that outputs a *score* (a probability, a margin, a logit) does not make
# decisions until we pick a threshold. The receiver operating characteristic (ROC) curve shows
# every decision the score can make at once: for each threshold, the fraction of positives
# caught (true positive rate) against the fraction of negatives falsely flagged (false
# positive rate). The area under it (AUC) summarises the score in one threshold-free number.
#
# **You will learn to**
# - compute an ROC curve and its AUC by hand for a small test sample, as in the course exam,
#   and check the result against scikit-learn;
# - read the AUC as a probability: how often a random positive is scored above a random
#   negative, with ties counted as half;
# - compare classifiers on real data by their ROC curves and choose an operating threshold
#   for a required true positive rate without peeking at the test set.
#
# **Follows** the course blog's exam exercise on ROC and AUC for a test sample (seed 000).
# **Run time:** under 1 minute on a 2-core CPU ([measured](execution_statistics.md)); no GPU needed
# (both run profiles are the same here).

# %% [markdown]
# ## Setup

# %% tags=["remove-cell"]
import importlib.util
import subprocess
import sys

# On Colab or Binder: install helpers from the branch this notebook comes from. What Colab
# already has is kept (helpers' version bounds admit it); only missing packages are added.
if importlib.util.find_spec("helpers") is None:
    REPO, BRANCH = "https://github.com/mlbook-org/executable-ml-lectures", "main"
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    subprocess.check_call([*pip, f"helpers @ git+{REPO}@{BRANCH}"])

# %%
import helpers

profile = helpers.setup()

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu
from sklearn.metrics import RocCurveDisplay, roc_auc_score, roc_curve

# %% [markdown]
# ## The exam exercise: ROC of a small test sample
#
# A classifier has scored ten test samples. Five are positive (label 1) and five negative
# (label 0). The numbers are small enough to do with pen and paper, which is exactly what the
# exam asks. (They are a made-up sample, as an exam's would be.)

# %%
scores = np.array([0.95, 0.85, 0.78, 0.66, 0.60, 0.55, 0.43, 0.42, 0.41, 0.40])
labels = np.array([1, 1, 0, 1, 1, 0, 0, 1, 0, 0])

n_pos, n_neg = labels.sum(), (1 - labels).sum()
print(f"{len(scores)} samples: {n_pos} positive, {n_neg} negative")

# %% [markdown]
# **The recipe.** Sort the samples by score, highest first. Start with a threshold above every
# score: nothing is predicted positive, so TPR = FPR = 0. Lower the threshold past one sample
# at a time. Each positive passed moves the curve up by 1/5 (one more true positive out of
# five); each negative passed moves it right by 1/5 (one more false positive out of five).
# When the threshold is below every score, everything is predicted positive: TPR = FPR = 1.
#
# The loop below does exactly that and records one row per threshold.

# %%
order = np.argsort(-scores, kind="stable")
rows = [{"threshold": np.inf, "label": "", "TP": 0, "FP": 0}]
tp = fp = 0
for i in order:
    tp += labels[i] == 1
    fp += labels[i] == 0
    rows.append({"threshold": scores[i], "label": labels[i], "TP": tp, "FP": fp})

table = pd.DataFrame(rows)
table["TPR"] = table["TP"] / n_pos
table["FPR"] = table["FP"] / n_neg
table

# %% [markdown]
# Read the table row by row: "predict positive when the score is at least *threshold*". At
# threshold 0.85 we catch two of five positives with no false alarm (TPR 0.4, FPR 0); the
# negative scored 0.78 then costs us the first false positive.
#
# Drawing the points in order gives the ROC curve: a staircase, since every step is either
# up (a positive) or right (a negative). The numbers next to the points are the thresholds.

# %%
fig, ax = plt.subplots(figsize=(5, 5))
ax.plot(table["FPR"], table["TPR"], "-o", color=helpers.plots.POSITIVE, label="ROC of the sample")
ax.fill_between(table["FPR"], table["TPR"], alpha=0.15, color=helpers.plots.POSITIVE)
for _, row in table.iloc[1:].iterrows():
    ax.annotate(
        f"{row.threshold:.2f}",
        (row.FPR, row.TPR),
        textcoords="offset points",
        xytext=(6, -10),
        fontsize=8,
    )
ax.plot([0, 1], [0, 1], "--", color="grey", label="random guessing (AUC 0.5)")
ax.set(
    xlabel="False positive rate (FPR)",
    ylabel="True positive rate (TPR)",
    title="ROC curve drawn threshold by threshold",
    xlim=(-0.02, 1.02),
    ylim=(-0.02, 1.02),
)
ax.set_aspect("equal")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# **AUC by the trapezoid rule.** The area under a piecewise-linear curve is a sum of
# trapezoids, one per step: width (the change in FPR) times the mean of the two heights. For a
# staircase, the "up" steps have zero width and add nothing; each "right" step adds a
# rectangle whose height is the TPR reached so far.


# %%
def trapezoid_auc(fpr, tpr):
    """Area under the points (fpr[i], tpr[i]) joined by straight lines."""
    area = 0.0
    for i in range(1, len(fpr)):
        area += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2
    return area


auc_by_hand = trapezoid_auc(table["FPR"].to_numpy(), table["TPR"].to_numpy())
print(f"AUC by hand: {auc_by_hand:.4f}")

# %% [markdown]
# With pen and paper: the five right-steps happen at heights 0.4, 0.8, 0.8, 1.0 and 1.0, each
# 0.2 wide, so the area is 0.2 × (0.4 + 0.8 + 0.8 + 1.0 + 1.0) = 0.80.
#
# **The same with scikit-learn.** `roc_curve` returns the same three columns. By default it
# drops points that lie on a straight segment (they do not change the curve or its area);
# `drop_intermediate=False` keeps every threshold, so we can compare row by row.

# %%
fpr, tpr, thresholds = roc_curve(labels, scores, drop_intermediate=False)
auc_sklearn = roc_auc_score(labels, scores)
comparison = pd.DataFrame(
    {
        "threshold": thresholds,
        "FPR (sklearn)": fpr,
        "TPR (sklearn)": tpr,
        "FPR (ours)": table["FPR"],
        "TPR (ours)": table["TPR"],
    }
)
print(f"AUC: by hand {auc_by_hand:.4f}, roc_auc_score {auc_sklearn:.4f}")
comparison

# %% [markdown]
# The curves agree point for point. scikit-learn's first threshold is `inf` for the same
# reason ours is: the curve must start at (0, 0) with nothing predicted positive.

# %% tags=["remove-cell"]
# Checks: the hand computation equals scikit-learn's, point for point and in area.
assert np.array_equal(fpr, table["FPR"].to_numpy()) and np.array_equal(tpr, table["TPR"].to_numpy())
assert np.array_equal(thresholds[1:], np.sort(scores)[::-1])
assert auc_by_hand == auc_sklearn == 0.8, (auc_by_hand, auc_sklearn)

# %% [markdown]
# ## AUC is a probability: count the pairs
#
# Take one positive and one negative sample at random. The AUC is the probability that the
# classifier scores the positive higher. For a small sample we can simply count: there are
# 5 × 5 = 25 positive-negative pairs; a pair counts 1 when the positive is ranked above the
# negative, 0 when below, and ½ when the scores are tied (a coin flip would order them).


# %%
def pair_count_auc(labels, scores):
    """Fraction of positive-negative pairs ranked correctly; ties count ½."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    diff = pos[:, None] - neg[None, :]  # one entry per (positive, negative) pair
    return ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size


pos, neg = scores[labels == 1], scores[labels == 0]
wins = pd.DataFrame(
    (pos[:, None] > neg[None, :]).astype(int),
    index=[f"pos {s:.2f}" for s in pos],
    columns=[f"neg {s:.2f}" for s in neg],
)
print(
    f"pairs ordered correctly: {wins.to_numpy().sum()} of {wins.size} "
    f"-> AUC = {pair_count_auc(labels, scores):.4f}"
)
wins

# %% [markdown]
# Each row of the table is one positive sample; its row sum is the number of negatives scored
# below it. There are five zeros: the negative at 0.78 is scored above three positives (0.66,
# 0.60 and 0.42), and the positive at 0.42 is also below the negatives at 0.55 and 0.43. So 20
# of 25 pairs are right: AUC = 0.80 again.
#
# This count is the Mann-Whitney U statistic of the two groups of scores, divided by the
# number of pairs, which is why AUC is also called the *concordance* or *c statistic*.

# %%
u_statistic = mannwhitneyu(pos, neg).statistic
print(f"Mann-Whitney U = {u_statistic}")
print(f"U / (n_pos * n_neg) = {u_statistic / (n_pos * n_neg):.4f}")

# %% [markdown]
# **Ties.** Real classifiers produce tied scores (a decision tree gives the same probability to
# every sample in a leaf). When a positive and a negative share a score, a threshold passes
# both at once: the curve takes a *diagonal* step, and the trapezoid under that step is exactly
# the ½ per tied pair of the pair count. Here the same classifier reports its scores to one
# decimal only, which creates ties, and we compute the AUC three ways.
#
# Rounding to one decimal the way people do by hand, halves go up: 0.95 becomes 1.0, 0.85
# becomes 0.9, 0.55 becomes 0.6. Python's `round` does not do that: 0.95 is stored as a binary
# fraction a little below 0.95, so `round(0.95, 1)` gives 0.9 (and `np.round` a third answer).
# The `decimal` module rounds the written number, as a person would.

# %%
from decimal import ROUND_HALF_UP, Decimal


def round_half_up(x, places=1):
    """Round the number as written in decimal, halves up (0.95 -> 1.0), as by hand."""
    step = Decimal(1).scaleb(-places)
    return float(Decimal(str(x)).quantize(step, rounding=ROUND_HALF_UP))


roundings = {
    "by hand (half up)": np.array([round_half_up(s) for s in scores]),
    "Python's round": np.array([round(float(s), 1) for s in scores]),
    "np.round": np.round(scores, 1),
}
for how, rounded in roundings.items():
    print(f"{how:>17}: {rounded}, AUC {roc_auc_score(labels, rounded):.2f}")

tied_scores = roundings["by hand (half up)"]
fpr_t, tpr_t, thr_t = roc_curve(labels, tied_scores, drop_intermediate=False)
auc_tied = {
    "trapezoid rule": trapezoid_auc(fpr_t, tpr_t),
    "pair count": pair_count_auc(labels, tied_scores),
    "roc_auc_score": roc_auc_score(labels, tied_scores),
}
for method, value in auc_tied.items():
    print(f"{method:>14}: AUC {value:.4f} (rounded by hand)")

# %%
fig, ax = plt.subplots(figsize=(5, 5))
ax.plot(fpr, tpr, "-o", color="grey", alpha=0.6, label=f"original scores (AUC {auc_sklearn:.2f})")
ax.plot(
    fpr_t,
    tpr_t,
    "-o",
    color=helpers.plots.POSITIVE,
    label=f"one decimal, with ties (AUC {auc_tied['pair count']:.2f})",
)
ax.set(
    xlabel="False positive rate",
    ylabel="True positive rate",
    title="Tied scores give diagonal steps",
)
ax.set_aspect("equal")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# Rounded by hand, two ties mix the classes: the positive and the negative at 0.6, and the
# positive at 0.4 with three negatives. They give 1 + 3 = 4 half-pairs, and the curve's
# diagonal steps are where they sit. Counting: 5 + 5 + 4 + 3.5 + 1.5 = 19 of 25 pairs, AUC =
# 0.76. All three methods agree, because they are the same computation done in different
# orders. (Ties within one class, like the three negatives at 0.4 among themselves, do not
# matter: they only merge steps in the same direction.) Python's `round` turns 0.85 into 0.8
# instead of 0.9, which ties the second positive with the negative at 0.78 and costs half a
# pair more: the AUC printed above for it (and for `np.round`) is 0.74. Same scores, same "one
# decimal", another AUC: when you check a hand computation against code, round the same way in
# both.

# %% tags=["remove-cell"]
# Checks: the pair count equals the trapezoid rule and scikit-learn, with and without ties;
# rounding half up and Python's float rounding give the AUCs the text counts.
assert pair_count_auc(labels, scores) == auc_sklearn
assert u_statistic / (n_pos * n_neg) == auc_sklearn
values = list(auc_tied.values())
assert np.allclose(values, 0.76, atol=1e-12), auc_tied
assert list(tied_scores[:2]) == [1.0, 0.9] and list(roundings["Python's round"][:2]) == [0.9, 0.8]
assert np.isclose(roc_auc_score(labels, roundings["Python's round"]), 0.74), roundings

# %% [markdown]
# ## Real data: comparing classifiers by their ROC curves
#
# The Wisconsin diagnostic breast cancer data (shipped with scikit-learn) has 569 tumours,
# each described by 30 measurements of cell nuclei in a biopsy image. We make *malignant* the
# positive class (scikit-learn codes it 0, so we flip the labels): a missed malignant tumour is
# the costly error, and ROC analysis is how that cost gets traded against false alarms.
#
# We keep a stratified quarter of the data as a test set and train three classifiers that
# produce scores in different ways: a linear model's probability, a nearest-neighbour vote
# share, and naive Bayes' (over-confident) posterior.

# %%
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

data = load_breast_cancer()
X, y = data.data, 1 - data.target  # 1 = malignant (the positive class)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print(
    f"breast cancer (scikit-learn's bundled copy, full set): {len(y)} "
    f"samples, {X.shape[1]} features, {y.mean():.0%} malignant; "
    f"train {len(y_train)}, test {len(y_test)}"
)

models = {
    "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    "5-nearest neighbours": make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5)),
    "Gaussian naive Bayes": GaussianNB(),
}
test_scores = {
    name: model.fit(X_train, y_train).predict_proba(X_test)[:, 1] for name, model in models.items()
}
test_auc = {name: roc_auc_score(y_test, s) for name, s in test_scores.items()}
pd.Series(test_auc, name="test AUC").round(4).to_frame()

# %%
# Our curve and AUC agree with scikit-learn's, so from here on its display draws them.
fig, ax = plt.subplots(figsize=(5.5, 5.5))
for i, (name, s) in enumerate(test_scores.items()):
    RocCurveDisplay.from_predictions(y_test, s, name=name, ax=ax, plot_chance_level=i == 0)
ax.set(
    xlabel="False positive rate (benign flagged)",
    ylabel="True positive rate (malignant caught)",
    title="Breast cancer test set: three classifiers",
)
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# All three are far from the diagonal; logistic regression's curve hugs the top-left corner
# most closely. The *shape* tells more than the AUC: the nearest-neighbour score takes only six
# values (0, 1/5, ..., 1), so its curve has only a handful of corners, which means only a few
# usable operating points. An AUC compares whole rankings; a clinic uses one threshold.
#
# ## Choosing an operating threshold
#
# Suppose the requirement is to catch at least 98 % of malignant tumours (TPR ≥ 0.98), with as
# few false alarms as possible. The tempting move is to read the threshold off the test ROC,
# but then the test set has been used to tune the model and its numbers are no longer an
# honest estimate. Instead we choose the threshold on **out-of-fold** scores of the training
# set (each training sample scored by a model that did not see it; see
# [cross-validation](02_cross_validation.ipynb)), and only then look at the test set.

# %%
required_tpr = 0.98
model = models["logistic regression"]
oof_scores = cross_val_predict(model, X_train, y_train, cv=5, method="predict_proba")[:, 1]
# Every threshold kept: the default drops points on straight segments, among them, for some
# requirements, the highest threshold that meets it.
fpr_oof, tpr_oof, thr_oof = roc_curve(y_train, oof_scores, drop_intermediate=False)

# The highest threshold that reaches the TPR has the fewest false positives.
k = np.argmax(tpr_oof >= required_tpr)
threshold = thr_oof[k]
print(
    f"chosen on training OOF scores: threshold {threshold:.3f} "
    f"(TPR {tpr_oof[k]:.3f}, FPR {fpr_oof[k]:.3f})"
)


def rates(y_true, positive):
    """(TPR, FPR) of hard decisions (`positive` is a boolean array)."""
    return positive[y_true == 1].mean(), positive[y_true == 0].mean()


lr_test = test_scores["logistic regression"]
test_tpr, test_fpr = rates(y_test, lr_test >= threshold)
default_tpr, default_fpr = rates(y_test, lr_test >= 0.5)
n_malignant_test = int(y_test.sum())
print(f"on the test set ({n_malignant_test} malignant, {len(y_test) - n_malignant_test} benign):")
print(f"  threshold {threshold:.3f}: TPR {test_tpr:.3f}, FPR {test_fpr:.3f}")
print(f"  threshold 0.5:   TPR {default_tpr:.3f}, FPR {default_fpr:.3f}")
print(f"one malignant tumour is {100 / n_malignant_test:.1f} percentage points of test TPR")

# %% [markdown]
# The chosen threshold is far below the default 0.5: to catch almost every malignant tumour we
# flag anything with a modest malignant probability. The default threshold already catches
# about 96 % of them with no false alarm on this test set; catching the rest costs roughly one
# benign tumour in eight flagged for a follow-up. That is the trade the ROC curve's flat top
# encodes. Note also how coarse the test estimate is: with the few dozen malignant test
# tumours printed above, each one is worth almost two percentage points of TPR.

# %% tags=["remove-cell"]
# Checks: every classifier is far better than chance; the threshold is the highest OOF score
# whose own TPR meets the requirement, counted directly (not read off roc_curve, which drops
# points); the text's test numbers; it transfers to the test set within a few tumours.
assert len(y) == 569 and X.shape[1] == 30
assert min(test_auc.values()) > 0.95, test_auc
assert test_auc["logistic regression"] > 0.98, test_auc
meets = [t for t in np.unique(oof_scores) if rates(y_train, oof_scores >= t)[0] >= required_tpr]
assert threshold == max(meets), (threshold, max(meets))
assert rates(y_train, oof_scores >= threshold) == (tpr_oof[k], fpr_oof[k])
assert threshold < 0.25 and test_tpr > default_tpr, (threshold, test_tpr, default_tpr)
assert default_fpr == 0 and 0.95 < default_tpr < 0.97, (default_tpr, default_fpr)
assert 1 / 10 < test_fpr < 1 / 6 and 1.7 < 100 / n_malignant_test < 2, test_fpr
assert test_tpr >= required_tpr - 0.05, test_tpr

# %% [markdown]
# ## Explore: move the threshold
#
# Each threshold is one point on the ROC curve and one confusion matrix. The function below draws
# both for a given threshold; a slider then calls it for whatever threshold you drag to (in
# JupyterLab or Colab).

# %%
import ipywidgets as widgets
from IPython.display import display
from sklearn.metrics import ConfusionMatrixDisplay

lr_fpr, lr_tpr, _ = roc_curve(y_test, lr_test)


def show_operating_point(threshold=0.5):
    """Test ROC with the point for `threshold`, and the confusion matrix."""
    pred = (lr_test >= threshold).astype(int)
    point_tpr, point_fpr = rates(y_test, pred)
    fig, (ax_roc, ax_cm) = plt.subplots(1, 2, figsize=(10, 4.2))
    ax_roc.plot(lr_fpr, lr_tpr, color=helpers.plots.NEGATIVE, label="logistic regression (test)")
    ax_roc.plot(
        point_fpr,
        point_tpr,
        "o",
        ms=11,
        color=helpers.plots.POSITIVE,
        label=f"t = {threshold:.2f}: TPR {point_tpr:.2f}, FPR {point_fpr:.2f}",
    )
    ax_roc.set(
        xlabel="False positive rate",
        ylabel="True positive rate",
        title="Operating point on the ROC curve",
    )
    ax_roc.legend(loc="lower right")
    ConfusionMatrixDisplay.from_predictions(
        y_test, pred, display_labels=["benign", "malignant"], ax=ax_cm, colorbar=False, cmap="Blues"
    )
    ax_cm.set_title(f"Test confusion matrix at threshold {threshold:.2f}")
    ax_cm.grid(False)
    plt.show()


show_operating_point(threshold)

# %% [markdown]
# Above: the threshold chosen for 98 % sensitivity. Below: the slider. In the static page the
# slider is not live (there is no Python behind the page), so its output is left out here; run
# the notebook to use it.

# %% tags=["remove-output"]
slider = widgets.FloatSlider(
    value=round(float(threshold), 2),
    min=0.0,
    max=1.0,
    step=0.01,
    description="threshold",
    continuous_update=False,
)
display(widgets.interactive(show_operating_point, threshold=slider))

# %% [markdown]
# Moving the threshold up walks the point down the curve towards (0, 0): fewer false alarms,
# more missed tumours (the bottom-left cell of the confusion matrix grows). Moving it down walks
# towards (1, 1). No threshold escapes the curve: to do better, one needs a better score, not a
# better threshold.
#
# ## What we learned
#
# - An ROC curve is the list of (FPR, TPR) pairs that a score's thresholds produce; sorting by
#   score and counting positives and negatives is all it takes to draw one.
# - The AUC is the trapezoid area under it, and equals the fraction of positive-negative pairs
#   the score ranks correctly (ties as half): the Mann-Whitney U statistic, normalised.
# - AUC compares rankings without choosing a threshold; an application still needs one, and it
#   must be chosen on data other than the test set (here out-of-fold training scores).
#
# ## Exercises
#
# Exercises 1, 2 and 5 check your answer: fill in the cell under the exercise and run it. It
# says **Correct**, or **Not yet** with a hint aimed at the mistake. `ex.q1.hint()` prints a
# hint and `ex.q1.solution()` the answer (likewise `ex.q2`, `ex.q5`).
#
# 1. Swap the labels of the samples scored 0.78 and 0.60 in the exam sample. Predict the new
#    AUC by counting pairs before you run the code.

# %%
from helpers.exercises import lecture01 as ex

new_auc = ...  # the AUC after the swap, as a number between 0 and 1
ex.q1.check(new_auc)

# %% [markdown]
# 2. What is the ROC curve and AUC of a score that ranks every negative above every positive?
#    How would you turn such a classifier into a perfect one? Write the fix as a function that
#    maps scores to new scores.

# %%
auc_reversed = ...  # the AUC of such a score
flip = ...  # a function of an array of scores, e.g. lambda s: ...
ex.q2.check(auc_reversed, flip)

# %% [markdown]
# 3. Add 10 to every score, or take its logarithm. Which of TPR, FPR, AUC and the thresholds
#    change? What does this say about comparing AUCs of classifiers with different score scales?
# 4. For the breast cancer data, add a random forest (`sklearn.ensemble.RandomForestClassifier`)
#    to the comparison. Its scores are averages of tree votes: how many distinct values do they
#    take, and how does that show in the curve?
# 5. Choose a threshold for a *maximum* false positive rate of 5 % instead, again on out-of-fold
#    training scores. Report test TPR and FPR. Why can the test FPR exceed 5 %?

# %%
threshold_fpr5 = ...  # the threshold you chose
ex.q5.check(threshold_fpr5)

# %% [markdown]
# 6. `roc_curve` by default drops intermediate points. Show with `drop_intermediate=True` on the
#    exam sample which points disappear, and that the AUC does not change.

# %% [markdown]
# ## Solutions
#
# Two of the exercises, worked. Unfold a cell to read a solution; the book runs them when it
# is built, so they are checked like every other cell.
#
# **Exercise 1** (swap the labels of the samples scored 0.78 and 0.60):

# %% tags=["hide-cell"]
# The negative at 0.78 becomes a positive and the positive at 0.60 a negative. Counting pairs:
# the new positive at 0.78 beats all five negatives; the positive at 0.42 still beats only 0.41
# and 0.40. So 5 + 5 + 5 + 5 + 2 = 22 of 25 pairs are ordered correctly: AUC 0.88.
swapped = labels.copy()
swapped[[2, 4]] = swapped[[4, 2]]
print(f"AUC after the swap: {roc_auc_score(swapped, scores):.2f} (before: {auc_sklearn:.2f})")
assert pair_count_auc(swapped, scores) == roc_auc_score(swapped, scores) == 22 / 25
ex.q1.check(roc_auc_score(swapped, scores))

# %% [markdown]
# **Exercise 3** (add 10 to every score, or take its logarithm):

# %% tags=["hide-cell"]
# Both are strictly increasing maps: the order of the samples, and so every TPR, FPR and the
# AUC, stays; only the thresholds move with the scores. AUCs of classifiers with differently
# scaled scores can therefore be compared; their thresholds cannot.
for name, moved in {"scores + 10": scores + 10, "log(scores)": np.log(scores)}.items():
    fpr_m, tpr_m, thr_m = roc_curve(labels, moved, drop_intermediate=False)
    same = np.array_equal(fpr_m, fpr) and np.array_equal(tpr_m, tpr)
    print(
        f"{name:>12}: same TPR and FPR: {same}, AUC {roc_auc_score(labels, moved):.2f}, "
        f"thresholds from {thr_m[1]:.2f} to {thr_m[-1]:.2f}"
    )
    assert same and roc_auc_score(labels, moved) == auc_sklearn
