# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 11. Text classification competition: the classical pipeline
#
# A text competition gives you short texts, a rare positive class and a metric that punishes
# ignoring it. This lecture runs the classical pipeline from the first text to a stacked
# ensemble: explore, clean, turn words into counts and TF-IDF weights, add meta, sentiment
# and topic features, train one model per feature set with out-of-fold predictions, pick the
# F1 threshold, and stack. At each step we check what the course's report claimed, and
# correct it where it was wrong.
#
# **You will learn to**
# - explore a labelled text set: class balance, length and punctuation by class, the words
#   that set the classes apart;
# - clean text and check that the cleaning really happened (the report's code silently does
#   nothing on pandas 2), and measure what dropping stop words costs;
# - compute TF-IDF by hand and match it to scikit-learn's, option for option;
# - produce out-of-fold predictions over stratified folds, tune the F1 threshold, and know
#   why the tuned score is optimistic (and measure by how much);
# - stack the models' out-of-fold predictions.
#
# **Follows** part 1 of the course's text competition report (seed 003: Quora insincere
# questions, F1 0.604 with stacking). Part 2, the deep pipeline on the same data, is
# [lecture 12](12_text_deep.ipynb).
# **Run time:** under 3 minutes on a 2-core CPU ([measured](execution_statistics.md)) (quick
# profile). The full profile trains more boosting rounds and topics; set `COMPETITION_CSV` to
# the competition's `train.csv` to run the same notebook on Quora's questions.

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
import os
import time

import lightgbm
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from nltk.stem import PorterStemmer
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import BernoulliNB, MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from helpers.datasets import load_text_competition

# %% [markdown]
# ## The task, and our stand-in for it
#
# The course's report entered Kaggle's *Quora Insincere Questions* competition: label each
# question 1 if it is insincere (built on a false premise, or making a statement rather than
# asking), 0 otherwise. About 6 % of the 1.3 million training questions are insincere, and
# the metric is F1, because a model that says "sincere" every time is 94 % accurate and
# useless. No external data was allowed, except word embeddings the organisers provided.
#
# Quora's file cannot be redistributed, so the book ships a real stand-in with the same shape:
# short texts, a minority class, noisy labels. It is Donald Trump's tweets from 2009-2017 (the
# R package `dslabs`), labelled 1 when sent from *Twitter for Android*, the phone Trump used
# himself, and 0 from every other client (mostly his staff). Tweets are short texts, like
# Quora's questions, and the label is noisy in the same way: a staffer can write like the boss.
#
# Two things in this set would let a model cheat, and we guard against both:
#
# - **Time.** Before 2013 there are no Android tweets at all, and in March 2017 Trump moved
#   to an iPhone, which breaks the label's meaning. We keep 2013-01 to 2017-02, train on the
#   tweets up to June 2016 and test on the later ones. The test set is then a later period
#   with a different mix, like a competition's private leaderboard.
# - **Links.** Staff tweets carry links; Trump's own almost never do. A rule that says
#   "Android when there is no link" is a baseline row of its own below. We delete the links
#   from the text, so that the text models must read words, and keep a link count among the
#   meta features, where it belongs.
#
# With `COMPETITION_CSV` set to Kaggle's `train.csv`, the next cell loads the real questions
# instead (a random sample of them in the quick profile) and splits them at random. Both
# ways live in `helpers.datasets.load_text_competition`, which
# [lecture 12](12_text_deep.ipynb) calls too.

# %%
URL = r"https?://\S+"
csv = os.environ.get("COMPETITION_CSV")
split = load_text_competition(csv, sample=profile.pick(quick=50_000, full=None, smoke=20_000))
train, test, data_name, by_year = split.train, split.test, split.name, split.by_year
if not csv:
    print(by_year.T.round(2))
y_train, y_test = train.y.to_numpy(), test.y.to_numpy()
print(f"{data_name}: {len(train):,} train ({y_train.mean():.1%} positive), ", end="")
print(f"{len(test):,} test ({y_test.mean():.1%} positive)")

# %% [markdown]
#
# %% tags=["remove-cell"]
if not csv:  # the time trap the text describes: no Android tweet before 2013, fewer in 2017
    assert (by_year.loc[2009:2012, "android"] == 0).all() and by_year.loc[2013, "android"] > 0.2
    assert by_year.loc[2017, "android"] < by_year.loc[2016, "android"] / 2

# %% [markdown]
# The table shows the time trap: the years 2009-2012 are all 0, and 2017 falls back. The
# minority class is 30 % of our training tweets, not Quora's 6 %, and a larger share of the
# later test period: the base rate drifts between the two halves, as it does between a
# competition's public and private test sets.
#
# ## Exploration
#
# The report's first plots: the share of each class, then box plots of simple counts by
# class. Its findings on Quora: insincere questions have more words and more characters;
# sincere ones have less punctuation and more upper-case words.


# %%
def text_counts(texts: pd.Series) -> pd.DataFrame:
    """Meta features of each text: counts that need no vocabulary."""
    text = texts.str.replace(URL, " ", regex=True)
    words = text.str.split()
    return pd.DataFrame(
        {
            "links": texts.str.count(URL),
            "words": words.str.len(),
            "unique words": words.apply(lambda w: len(set(w))),
            "characters": text.str.len(),
            "punctuation": text.str.count(r"[^\w\s]"),
            "upper-case words": text.str.count(r"\b[A-Z]{2,}\b"),
            "exclamation marks": text.str.count("!"),
            "mentions": text.str.count("@"),
            "hashtags": text.str.count("#"),
            "digits": text.str.count(r"\d"),
        },
        index=texts.index,
    )


meta_train, meta_test = text_counts(train.text), text_counts(test.text)
fig, axes = plt.subplots(1, 4, figsize=(11, 2.8), layout="constrained")
for ax, count in zip(axes, ["words", "characters", "punctuation", "upper-case words"]):
    sns.boxplot(x=y_train, y=meta_train[count], ax=ax, showfliers=False)
    ax.set(title=count, xlabel="label (1 = positive)", ylabel="per text")
fig.suptitle("Simple counts by class (training texts; outliers not drawn)")
plt.show()
by_class = meta_train.groupby(y_train).median().T.rename(columns={0: "median, 0", 1: "median, 1"})
by_class

# %% tags=["remove-cell"]
medians = meta_train.groupby(y_train).median()
assert (medians.loc[1, ["words", "characters"]] > medians.loc[0, ["words", "characters"]]).all()
means = meta_train.groupby(y_train).mean()
assert (
    means.loc[1, ["upper-case words", "exclamation marks"]]
    > 1.5 * means.loc[0, ["upper-case words", "exclamation marks"]]
).all()

# %% [markdown]
# As on Quora, the positive class is longer: more words and more characters. Punctuation is
# about the same in both classes here, and the positive class shouts, with more upper-case
# words and exclamation marks (on Quora the sincere questions had more upper case). Simple
# counts already separate the classes a little, so they become features.
#
# The report drew word clouds of each class. A table reads better: the most frequent words
# of each class, and the words most specific to each (the largest ratio of their shares in the
# two classes, among words seen at least 20 times). Stop words are left out here.

# %%
counter = CountVectorizer(stop_words="english", min_df=20, token_pattern=r"(?u)\b[a-z]{2,}\b")
counts = counter.fit_transform(train.text.str.replace(URL, " ", regex=True).str.lower())
words = counter.get_feature_names_out()
share = {k: np.asarray(counts[y_train == k].sum(axis=0)).ravel() + 1.0 for k in (0, 1)}
share = {k: v / v.sum() for k, v in share.items()}
ratio = np.log(share[1] / share[0])
top = pd.DataFrame(
    {
        "frequent, 0": words[np.argsort(-share[0])[:10]],
        "frequent, 1": words[np.argsort(-share[1])[:10]],
        "specific to 0": words[np.argsort(ratio)[:10]],
        "specific to 1": words[np.argsort(-ratio)[:10]],
    }
)
top

# %% [markdown]
# As in the report, the most frequent words are shared by the classes ("great" and "thanks"
# here; "will" and "one" on Quora, where "will" was not a stop word), while the specific ones
# tell them apart: the staff's campaign hashtags and television shows against Trump's own
# opponents (Bernie Sanders) and "pols". "amp" is the HTML entity `&amp;`, a reminder to look
# at the raw text before trusting a word list.
#
# ## Cleaning, and the trap in the report's code
#
# The report cleans in this order: lower-case; remove everything that is not a word character
# or white space; remove digits; drop stop words and words of two characters or fewer;
# lemmatise each word as a verb with WordNet. Its code removes punctuation with
# `df['question_text'].str.replace('[^\w\s]','')`. Since pandas 2.0, `str.replace` treats its
# pattern as plain text unless told `regex=True`, so that line looks for the literal string
# `[^\w\s]`, finds none, and returns the text unchanged, with no warning:

# %%
example = pd.Series(["Why? 123 yes!"])
print("as the report wrote it:", example.str.replace(r"[^\w\s]", "").iloc[0])
print("with regex=True:       ", example.str.replace(r"[^\w\s]", "", regex=True).iloc[0])

# %% [markdown]
# Lemmatisation needs WordNet, which NLTK downloads on first use; the book runs offline, so we
# stem with NLTK's Porter stemmer, which needs no download. The report's own example shows the
# difference: a stemmer cuts suffixes by rule, a lemmatiser looks words up.

# %%
stem = PorterStemmer().stem
print({word: stem(word) for word in ["burning", "difficulties", "ran"]})
print("the report's lemmas: burning -> burn, difficulties -> difficulty, ran -> run")
STOP = ENGLISH_STOP_WORDS  # scikit-learn's 318 words, instead of NLTK's (a download)


def clean(texts: pd.Series, *, drop_stop_words: bool = True) -> pd.Series:
    """The report's cleaning, with regex=True where it is needed, and stemming."""
    text = texts.str.replace(URL, " ", regex=True).str.lower()
    text = text.str.replace(r"[^\w\s]", " ", regex=True).str.replace(r"[0-9]", " ", regex=True)

    def keep(word: str) -> bool:
        return not drop_stop_words or (word not in STOP and len(word) > 2)

    return text.apply(lambda t: " ".join(stem(w) for w in t.split() if keep(w)))


clean_train, clean_test = clean(train.text), clean(test.text)
for before, after in zip(train.text[:3], clean_train[:3]):
    print(f"{before!r}\n  -> {after!r}")

# %% tags=["remove-cell"]
# The cleaning really cleaned: no punctuation, no digit, no link, no stop word.
every_word = " ".join(clean_train).split()
assert not clean_train.str.contains(r"[^\w\s]|[0-9]|http", regex=True).any()
assert not {"the", "and", "not", "why", "how", "no"} & set(every_word)  # stop words gone
# ... and the report's call without regex=True really did nothing.
assert example.str.replace(r"[^\w\s]", "").iloc[0] == "Why? 123 yes!"

# %% [markdown]
# What did the stop-word step delete? scikit-learn's list, like NLTK's, holds "no", "not",
# "never", "nothing" and question words such as "why" and "how", and the length rule drops
# "no" and "ok" as well. For insincere questions ("Why do all X ...?") these are signal. We
# measure the cost below, once the models are set up.
#
# ## From words to numbers: counts and TF-IDF
#
# A count vectoriser turns each text into a row of word counts over the vocabulary. TF-IDF
# then down-weights words that occur in many texts. The report defines, for a word x in a text,
#
# $$\mathrm{tf}(x) = \frac{\text{count of } x}{\text{words in the text}}, \qquad
# \mathrm{idf}(x) = \ln\frac{N}{\mathrm{df}(x)}, \qquad
# \text{tf-idf} = \mathrm{tf}\cdot\mathrm{idf},$$
#
# with N texts, of which df(x) contain x. scikit-learn's `TfidfVectorizer` differs in three
# ways: tf is the raw count; idf is $\ln\frac{1+N}{1+\mathrm{df}} + 1$ by default
# (`smooth_idf=False` gives $\ln\frac{N}{\mathrm{df}} + 1$); and each row is scaled to unit
# length. The "+1" matters: with the report's idf, a word found in every text gets weight 0.
# Dividing by the text's length does not matter after the row scaling. So the report's formula
# with the "+1", then scaled, must equal scikit-learn's with `smooth_idf=False`. On three
# texts:

# %%
docs = ["the cat sat", "the cat sat on the mat", "the dog ate the cat"]
vocab = CountVectorizer().fit(docs)
tf_counts = vocab.transform(docs).toarray().astype(float)
tf = tf_counts / tf_counts.sum(axis=1, keepdims=True)
df_x = (tf_counts > 0).sum(axis=0)
by_hand = tf * (np.log(len(docs) / df_x) + 1)
by_hand /= np.linalg.norm(by_hand, axis=1, keepdims=True)
sklearn_tfidf = TfidfVectorizer(smooth_idf=False).fit_transform(docs).toarray()
print(pd.DataFrame(by_hand, columns=vocab.get_feature_names_out(), index=docs).round(3))
report_idf = np.log(len(docs) / df_x)
print("the report's idf of 'the' and 'cat', found in every text:", report_idf[[6, 1]])

# %% tags=["remove-cell"]
np.testing.assert_allclose(by_hand, sklearn_tfidf, atol=1e-12)
assert not np.allclose(by_hand, TfidfVectorizer().fit_transform(docs).toarray())  # smooth differs
assert (
    list(vocab.get_feature_names_out()[[6, 1]]) == ["the", "cat"] and not report_idf[[6, 1]].any()
)

# %% [markdown]
# ## Out-of-fold predictions and the F1 threshold
#
# The report trains one model per feature set with the same code: five folds, each model
# trained on four and predicting the fifth, so that every training row gets one out-of-fold
# (OOF) prediction from a model that did not see it; the test predictions are the average of
# the five fold models (the report's `+= 0.2 * preds`). It used `KFold`. With a rare class,
# plain folds can differ in their share of positives; `StratifiedKFold` keeps it equal, so we
# use it, with the report's seed 43.

# %%
FOLDS = list(StratifiedKFold(5, shuffle=True, random_state=43).split(train.text, y_train))
GRID = np.arange(0.1, 0.91, 0.01)  # the report's threshold grid


def out_of_fold(model, x, x_test):
    """OOF probabilities for the training rows, and the fold models' mean on the test rows."""
    oof, on_test = np.full(len(y_train), np.nan), np.zeros(x_test.shape[0])
    for fit_rows, held_out in FOLDS:
        model.fit(x[fit_rows], y_train[fit_rows])
        oof[held_out] = model.predict_proba(x[held_out])[:, 1]
        on_test += model.predict_proba(x_test)[:, 1] / len(FOLDS)
    return oof, on_test


def best_threshold(y, p) -> tuple[float, float]:
    """The grid's threshold with the best F1 on (y, p), and that F1."""
    scores = [f1_score(y, p >= t) for t in GRID]
    return GRID[int(np.argmax(scores))], max(scores)


# %% [markdown]
# The report's first text model: TF-IDF features and logistic regression with `C=0.1`.

# %%
tfidf = TfidfVectorizer()
x_tfidf, x_tfidf_test = tfidf.fit_transform(clean_train), tfidf.transform(clean_test)
lr = LogisticRegression(C=0.1, max_iter=1000)
oof_lr, test_lr = out_of_fold(lr, x_tfidf, x_tfidf_test)
threshold, f1_tuned = best_threshold(y_train, oof_lr)
f1_half = f1_score(y_train, oof_lr >= 0.5)
print(f"{x_tfidf.shape[1]:,} words; OOF F1 at 0.5: {f1_half:.3f}; ", end="")
print(f"at the best threshold {threshold:.2f}: {f1_tuned:.3f}")

# %% tags=["remove-cell"]
folds_seen = np.concatenate([held_out for _, held_out in FOLDS])
assert np.array_equal(np.sort(folds_seen), np.arange(len(y_train)))  # each row held out once
assert not np.isnan(oof_lr).any()
assert f1_tuned > f1_half + 0.1, (f1_tuned, f1_half)  # the threshold is where the gain is
assert f1_tuned > f1_score(y_train, np.ones_like(y_train)) + 0.1  # and the model reads the text

# %% [markdown]
# At 0.5 this model finds few positives: strong regularisation (`C=0.1`) squeezes the
# probabilities towards the base rate, and at 30 % positives few of them reach 0.5. The
# threshold search rescues it. Drag the threshold yourself to see precision, recall and F1
# move (the static page shows the curves; the slider needs a running notebook):

# %%
import ipywidgets as widgets

thresholds = np.linspace(0.02, 0.98, 97)
curves = pd.DataFrame(
    {
        name: [score(y_train, oof_lr >= t, zero_division=0) for t in thresholds]
        for name, score in [
            ("precision", precision_score),
            ("recall", recall_score),
            ("F1", f1_score),
        ]
    },
    index=thresholds,
)
ax = curves.plot(figsize=(6.5, 3.4), xlabel="threshold", ylabel="score (OOF)")
ax.axvline(threshold, color="grey", ls=":", label=f"best F1 at {threshold:.2f}")
ax.set_title("TF-IDF + logistic regression: the threshold trades precision for recall")
ax.legend()
plt.show()


# %% tags=["remove-output"]
def show_threshold(t=0.5):
    pred = oof_lr >= t
    p, r = precision_score(y_train, pred, zero_division=0), recall_score(y_train, pred)
    print(f"threshold {t:.2f}: precision {p:.3f}, recall {r:.3f}, F1 {f1_score(y_train, pred):.3f}")


widgets.interact(show_threshold, t=widgets.FloatSlider(0.5, min=0.02, max=0.98, step=0.01))

# %% [markdown]
# ### The tuned F1 is optimistic
#
# The report picks the threshold that maximises F1 on the OOF predictions, then reports that
# same F1. The threshold was fitted to those predictions, so the figure is biased upwards;
# the report's own symptom is a CV score of 0.604 and a leaderboard score of 0.589. An honest
# estimate picks the threshold without looking at the rows it scores. **Nested**: for each
# fold, tune the threshold on the other four folds' OOF predictions and apply it to this one.
# **Hold-out**: tune on all OOF predictions, score on the test period.


# %%
def nested_predictions(y, p) -> np.ndarray:
    """0/1 predictions, each fold's at a threshold tuned on the other folds' OOF predictions."""
    pred = np.zeros(len(y), bool)
    for _, held_out in FOLDS:
        others = np.setdiff1d(np.arange(len(y)), held_out)
        pred[held_out] = p[held_out] >= best_threshold(y[others], p[others])[0]
    return pred


def nested_f1(y, p) -> float:
    """F1 when each fold's threshold is tuned on the other folds' OOF predictions."""
    return f1_score(y, nested_predictions(y, p))


f1_nested = nested_f1(y_train, oof_lr)
f1_holdout = f1_score(y_test, test_lr >= threshold)
print(f"optimistic {f1_tuned:.4f}, nested {f1_nested:.4f}, test period {f1_holdout:.4f}")
print(f"each fold's threshold is tuned on {len(y_train) - len(FOLDS[0][1]):,} rows")

# %% [markdown]
# Here the nested estimate equals the optimistic one, or nearly: each fold's threshold is
# tuned on four fifths of the training rows, on a grid of steps of 0.01, and lands where the
# threshold tuned on all rows does. The bias is there, but too small to show at this size.
# It grows when the rows tuned on are few and the thresholds many, as on a small validation
# set. To measure it, draw a random "validation set" from the OOF predictions, tune the
# threshold on it, and score that threshold on all the other rows; the difference is the
# optimism of that one draw. Repeated over 200 draws it has a mean and a standard error, for
# a few sizes and for the report's grid against one ten times finer.


# %%
def f1_at_thresholds(y, p, grid) -> np.ndarray:
    """F1 at every threshold of the grid at once (positives: p >= t)."""
    ranked = np.sort(p)
    hits = np.r_[0, np.cumsum(y[np.argsort(p)][::-1])]  # positives among the top k scores
    flagged = len(p) - np.searchsorted(ranked, grid, side="left")
    return 2 * hits[flagged] / (flagged + y.sum())


def optimism(y, p, size, grid, draws=200, seed=0):
    """Tuned F1 on `size` random rows minus F1 at that threshold on the other rows, per draw."""
    gaps, draw = [], np.random.default_rng(seed)
    for _ in range(draws):
        tune = np.zeros(len(y), bool)
        tune[draw.choice(len(y), size, replace=False)] = True
        scores = f1_at_thresholds(y[tune], p[tune], grid)
        best = grid[int(np.argmax(scores))]
        gaps.append(scores.max() - f1_at_thresholds(y[~tune], p[~tune], np.array([best]))[0])
    return np.array(gaps)


# %%
grids = {
    "report's grid (steps of 0.01)": GRID,
    "finer grid (steps of 0.001)": np.arange(0.1, 0.9005, 0.001),
}
draws_optimism = {  # the same 200 random draws of rows for both grids (the same seed)
    (size, grid_name): optimism(y_train, oof_lr, size, grid)
    for size in (200, 1000, 5000)
    for grid_name, grid in grids.items()
}
optimism_table = pd.DataFrame(
    {
        key: {"mean optimism": gaps.mean(), "standard error": gaps.std(ddof=1) / np.sqrt(200)}
        for key, gaps in draws_optimism.items()
    }
).T.rename_axis(["validation rows", "grid"])
small, large = optimism_table.loc[200].iloc[1], optimism_table.loc[5000].iloc[1]
print(f"200 rows, finer grid: {small.iloc[0]:.4f} (standard error {small.iloc[1]:.4f})")
finer_minus_report = draws_optimism[(200, list(grids)[1])] - draws_optimism[(200, list(grids)[0])]
print(
    f"finer grid minus the report's, 200 rows: {finer_minus_report.mean():+.4f} "
    f"(standard error {finer_minus_report.std(ddof=1) / np.sqrt(200):.4f})"
)
optimism_table.round(4)

# %% [markdown]
# Tuned on 200 rows, the F1 is optimistic by several points, more than ten standard errors
# above zero; the finer grid adds to it, beyond its own noise (the second line compares the
# two grids on the same draws). With 1,000 rows the bias is a few times smaller, and with
# 5,000 a tenth of it or less, though still above zero. Our nested estimate tunes each fold's
# threshold on more rows than that, so finding no bias there was to be expected. A small
# validation set, such as the one [lecture 12](12_text_deep.ipynb) tunes its thresholds on,
# is where the bias bites.
#
# The test period differs from the training period more than any of this, in either
# direction: its base rate is 40 % rather than 30 %, and F1 rises with the share of positives,
# while its topics have moved on. A leaderboard built on another period moves in the same way;
# the report saw 0.604 in cross-validation and 0.589 on the leaderboard.

# %% tags=["remove-cell"]
# The optimism is real where the text says: positive beyond its noise on 200 rows, larger with
# the finer grid on the same draws, and smaller on 5,000 rows.
assert small.iloc[0] > 10 * small.iloc[1], optimism_table
assert finer_minus_report.mean() > 3 * finer_minus_report.std(ddof=1) / np.sqrt(200)
assert large.iloc[0] < small.iloc[0] / 4, optimism_table

# %% [markdown]
# ## One model per feature set
#
# The report's table had seven rows. We run the same seven: logistic regression on TF-IDF and
# on counts, multinomial and Bernoulli naive Bayes on counts, gradient boosting on TF-IDF
# (LightGBM, which takes sparse input), and logistic regression on the meta features and on
# sentiment plus topics. Sentiment comes from VADER (its lexicon ships inside the
# `vaderSentiment` package), topics from scikit-learn's latent Dirichlet allocation on the
# counts.

# %%
start = time.perf_counter()
counter = CountVectorizer()
x_count, x_count_test = counter.fit_transform(clean_train), counter.transform(clean_test)
vader = SentimentIntensityAnalyzer()


def sentiment(texts: pd.Series) -> pd.DataFrame:
    return pd.DataFrame([vader.polarity_scores(t) for t in texts.str.replace(URL, " ", regex=True)])


N_TOPICS = profile.pick(quick=10, full=20)
lda = LatentDirichletAllocation(N_TOPICS, learning_method="online", random_state=0)
topics, topics_test = lda.fit_transform(x_count), lda.transform(x_count_test)
mood_topics = np.hstack([sentiment(train.text), topics])
mood_topics_test = np.hstack([sentiment(test.text), topics_test])
print(f"sentiment and {N_TOPICS} topics in {time.perf_counter() - start:.1f} s")

# %% [markdown]
# The seven models, each with its out-of-fold predictions, its threshold and its F1s:


# %%
def scaled_lr():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


# n_jobs=0: OpenMP's number of threads (every core, or $OMP_NUM_THREADS where a shared machine
# sets it), where LightGBM's default takes every physical core whatever else runs there.
boost = lightgbm.LGBMClassifier(
    n_estimators=profile.pick(quick=200, full=800, smoke=50),
    learning_rate=0.05,
    n_jobs=0,
    verbose=-1,
)
models = {  # name: (model, training features, test features)
    "meta features + LR": (scaled_lr(), meta_train.to_numpy(float), meta_test.to_numpy(float)),
    "sentiment + topics + LR": (scaled_lr(), mood_topics, mood_topics_test),
    "TF-IDF + LR": (lr, x_tfidf, x_tfidf_test),
    "TF-IDF + LightGBM": (boost, x_tfidf.astype(np.float32), x_tfidf_test.astype(np.float32)),
    "counts + LR": (LogisticRegression(C=0.1, max_iter=1000), x_count, x_count_test),
    "counts + multinomial NB": (MultinomialNB(), x_count, x_count_test),
    "counts + Bernoulli NB": (BernoulliNB(), x_count, x_count_test),
}
oof, on_test, rows = {}, {}, {}
for name, (model, x, x_test) in models.items():
    start = time.perf_counter()
    oof[name], on_test[name] = out_of_fold(model, x, x_test)
    t, f1 = best_threshold(y_train, oof[name])
    rows[name] = {
        "F1 at 0.5": f1_score(y_train, oof[name] >= 0.5),
        "threshold": t,
        "F1, tuned (optimistic)": f1,
        "F1, nested": nested_f1(y_train, oof[name]),
        "F1, test period": f1_score(y_test, on_test[name] >= t),
        "seconds": time.perf_counter() - start,
    }
results = pd.DataFrame(rows).T
results.round(3)

# %% tags=["remove-cell"]
assert (results["F1, nested"] <= results["F1, tuned (optimistic)"] + 1e-12).all()
# The word models are close together and beat sentiment and topics, as in the report.
text_rows = ["TF-IDF + LR", "TF-IDF + LightGBM", "counts + LR", "counts + multinomial NB"]
assert np.ptp(results.loc[text_rows, "F1, nested"]) < 0.05, results
assert (
    results.loc[text_rows, "F1, nested"].min()
    > results.loc["sentiment + topics + LR", "F1, nested"]
)
# The threshold rescues TF-IDF + LR and barely moves multinomial naive Bayes.
tuning_gain = results["F1, tuned (optimistic)"] - results["F1 at 0.5"]
assert tuning_gain["TF-IDF + LR"] > 0.3 and tuning_gain["counts + multinomial NB"] < 0.02, results

# %% [markdown]
# The report's ranking on Quora was: meta features weakest (0.27), sentiment and topics next
# (0.34), then the word models close together (0.53-0.59). The word models are close together
# here too, and sentiment with topics is again well below them. The meta features are not
# weak here: the link count, the upper-case words and the exclamation marks are the author's
# habits, which is exactly what our label is about. A stand-in does not reproduce a ranking
# that depends on what the label means; it does reproduce the mechanics.
#
# The first two columns show that the threshold is worth more than the model choice only for
# some models. TF-IDF + logistic regression with `C=0.1` is useless at 0.5 and among the best
# once tuned; multinomial naive Bayes, whose probabilities are not squeezed towards the base
# rate, scores about as well at 0.5 as at its tuned threshold. Compare models at tuned
# thresholds, or not at all.

# %% [markdown]
# ### What dropping stop words costs
#
# The same TF-IDF model on text cleaned without the stop-word and length rules:

# %%
kept = TfidfVectorizer()
x_kept = kept.fit_transform(clean(train.text, drop_stop_words=False))
x_kept_test = kept.transform(clean(test.text, drop_stop_words=False))
oof_kept, test_kept = out_of_fold(LogisticRegression(C=0.1, max_iter=1000), x_kept, x_kept_test)
stop_cost = pd.DataFrame(
    {
        "F1, nested": [results.loc["TF-IDF + LR", "F1, nested"], nested_f1(y_train, oof_kept)],
        "F1, test period": [
            results.loc["TF-IDF + LR", "F1, test period"],
            f1_score(y_test, test_kept >= best_threshold(y_train, oof_kept)[0]),
        ],
    },
    index=["stop words and short words dropped (the report)", "all words kept"],
)
coef = pd.Series(
    LogisticRegression(C=0.1, max_iter=1000).fit(x_kept, y_train).coef_[0],
    index=kept.get_feature_names_out(),
)
print("weights of some words the report's cleaning drops:")
dropped = ["not", "no", "never", "why", "how", "so", "very", "we", "our", "my"]
print({word: round(float(coef[stem(word)]), 2) for word in dropped})
stop_cost.round(4)

# %% [markdown]
# Is the difference more than chance? Both models are scored on the same rows, so resample
# the rows (200 bootstrap draws) and look at the spread of the difference of their F1s:


# %%
def paired_gap(y, pred_a, pred_b, draws=200, seed=0) -> tuple[float, float]:
    """F1 of b minus F1 of a, and its bootstrap standard error over the rows."""
    rows = np.random.default_rng(seed).integers(0, len(y), (draws, len(y)))
    gaps = [f1_score(y[r], pred_b[r]) - f1_score(y[r], pred_a[r]) for r in rows]
    return f1_score(y, pred_b) - f1_score(y, pred_a), float(np.std(gaps))


stop_gaps = {
    "nested": paired_gap(
        y_train,
        nested_predictions(y_train, oof["TF-IDF + LR"]),
        nested_predictions(y_train, oof_kept),
    ),
    "test period": paired_gap(
        y_test,
        on_test["TF-IDF + LR"] >= results.loc["TF-IDF + LR", "threshold"],
        test_kept >= best_threshold(y_train, oof_kept)[0],
    ),
}
for where, (gap, gap_se) in stop_gaps.items():
    print(f"all words kept minus dropped, {where}: {gap:+.4f} (standard error {gap_se:.4f})")

# %% [markdown]
# Out of fold, keeping the stop words is level with dropping them: the difference is within
# two standard errors. On the test period it is ahead by more than two. The weights show
# where the extra signal comes from: several of the dropped words carry weight, the largest
# "so" and "very", Trump's intensifiers. Which words are noise depends on the task; measure,
# with the noise, before dropping them.

# %% tags=["remove-cell"]
nested_gap, test_gap = stop_gaps["nested"], stop_gaps["test period"]
assert abs(nested_gap[0]) < 2 * nested_gap[1], stop_gaps  # level out of fold
assert test_gap[0] > 2 * test_gap[1], stop_gaps  # ahead on the later months, beyond the noise
weights_dropped = {word: coef[stem(word)] for word in dropped}
assert sorted(weights_dropped, key=weights_dropped.get)[-2:] in (["so", "very"], ["very", "so"])

# %% [markdown]
# ## Stacking
#
# The report's best score came from stacking: a logistic regression trained on the seven
# models' OOF predictions. Its inputs are honest predictions (each from a model that did not
# see the row), so a second level can learn how much to trust each model. Its own F1 must
# again be measured out of fold, on the same folds; its test predictions apply it to the
# fold models' test averages.

# %%
level_one = np.column_stack([oof[name] for name in models])
level_one_test = np.column_stack([on_test[name] for name in models])
stacker = LogisticRegression(C=1.0, max_iter=1000)
oof_stack, test_stack = out_of_fold(stacker, level_one, level_one_test)
t_stack, f1_stack = best_threshold(y_train, oof_stack)
results.loc["stacking (LR on the seven OOF predictions)"] = {
    "F1 at 0.5": f1_score(y_train, oof_stack >= 0.5),
    "threshold": t_stack,
    "F1, tuned (optimistic)": f1_stack,
    "F1, nested": nested_f1(y_train, oof_stack),
    "F1, test period": f1_score(y_test, test_stack >= t_stack),
}
weights = pd.Series(stacker.fit(level_one, y_train).coef_[0], index=list(models))
print("stacker's weight per model:", weights.round(2).to_dict())
results.drop(columns="seconds").round(3)

# %% tags=["remove-cell"]
best_single = results.drop(results.index[-1])
assert results.iloc[-1]["F1, nested"] > best_single["F1, nested"].max(), results
assert results.iloc[-1]["F1, test period"] > best_single["F1, test period"].max(), results

# %% [markdown]
# The stack beats every single model out of fold, and on the test period. The text models and
# the meta features make different mistakes, and the stacker combines them.
#
# ### Baselines, and a rule that wins one leaderboard
#
# Two baselines put these numbers in their place: calling everything positive, which any
# model must beat, and the rule "no link means Android", which reads no word.

# %%
rule = {"train": meta_train["links"].to_numpy() == 0, "test": meta_test["links"].to_numpy() == 0}
baselines = pd.DataFrame(
    {
        "F1, training period": [
            f1_score(y_train, np.ones_like(y_train)),
            f1_score(y_train, rule["train"]),
            results.iloc[-1]["F1, nested"],
        ],
        "F1, test period": [
            f1_score(y_test, np.ones_like(y_test)),
            f1_score(y_test, rule["test"]),
            results.iloc[-1]["F1, test period"],
        ],
        "AUC, test period": [
            0.5,
            roc_auc_score(y_test, rule["test"]),
            roc_auc_score(y_test, test_stack),
        ],
    },
    index=["everything positive", "no link -> Android", "stacking"],
)
baselines.round(3)

# %% tags=["remove-cell"]
assert baselines.iloc[2, 0] > baselines.iloc[1, 0] + 0.1  # the stack reads more than links
assert baselines.iloc[2, 2] > baselines.iloc[1, 2]  # ... and ranks the test period better

# %% [markdown]
# In the training period the link rule is far behind the stack. In the test period, the
# campaign's last months, the staff attached a link to almost every tweet, and the rule's F1
# jumps close to or above the stack's, although the stack still ranks the tweets better
# (its AUC is higher). The stack learned how much a link meant in the earlier period, and
# the meaning moved. A simple rule can win one leaderboard and lose the other; the report met
# the same drift between its public and private scores.
#
# ## The report's table and ours
#
# Every F1 in the report next to ours. Ours are nested (an honest threshold), and scored on
# a different task: the numbers are not comparable with Quora's, the mechanics are.

# %%
seed_f1 = {
    "meta features + LR": 0.27,
    "sentiment + topics + LR": 0.34,
    "TF-IDF + LR": 0.587,
    "TF-IDF + LightGBM": 0.591,
    "counts + LR": 0.592,
    "counts + multinomial NB": 0.55,
    "counts + Bernoulli NB": 0.53,
    "stacking (LR on the seven OOF predictions)": 0.604,
}
closing = pd.DataFrame(
    {
        "report (Quora, OOF, tuned threshold)": pd.Series(seed_f1),
        f"ours ({data_name}, nested)": results["F1, nested"],
        "ours (test period)": results["F1, test period"],
    }
)
closing.loc["leaderboard / test period"] = [0.589, np.nan, results.iloc[-1]["F1, test period"]]
closing.round(3)

# %% [markdown]
# One slip in the report's numbers: part 1 gives the leaderboard score as 0.589, part 2 says
# "the traditional ML approach yielded 0.583". We keep 0.589, the figure part 1 measured.
#
# ## What we learned
#
# - Explore with counts by class and class-specific words; simple counts become features.
# - Check that the cleaning cleaned: on pandas 2, `str.replace` without `regex=True` is a
#   literal match and silently does nothing.
# - Stop words are not noise for every task: measure what dropping them costs, with its noise.
# - TF-IDF has several definitions; the report's (tf as a share, idf = ln(N/df)) and
#   scikit-learn's (raw counts, idf + 1, unit rows) agree once the options match.
# - Out-of-fold predictions over stratified folds give every training row an honest
#   prediction; they are what the threshold search and the stacker learn from.
# - Tune the F1 threshold before comparing models: it rescues a model whose probabilities are
#   squeezed (TF-IDF + logistic regression with `C=0.1`), and matters little for one whose are
#   not (multinomial naive Bayes scores about as well at 0.5).
# - The tuned F1 is optimistic, the more so the fewer rows it was tuned on and the more
#   thresholds tried: estimate it nested or on a hold-out. A later test period drifts.
# - Stacking the OOF predictions of different models beats each of them.
#
# ## Exercises
#
# Exercises 3, 4 and 5 check your answer: fill in the cell under the exercise and run it. It
# says **Correct**, or **Not yet** with a hint aimed at the mistake. `ex.q3.hint()` prints a
# hint and `ex.q3.solution()` the answer (likewise `ex.q4`, `ex.q5`). The checks know the
# tweets; with `COMPETITION_CSV` set they do not apply.
#
# 1. Replace the Porter stemmer by no stemming at all, and by NLTK's Snowball stemmer. Which
#    gives the best nested F1 for TF-IDF + LR?
# 2. Add the meta features to the TF-IDF matrix (scaled, with `scipy.sparse.hstack`) and train
#    one logistic regression on both. Does it match the stack?
# 3. Tune `C` of the TF-IDF logistic regression by nested cross-validation: an inner grid
#    search over C in 0.1, 0.3, 1, 3 and 10, scored by AUC with three folds, inside each of
#    the five folds. Which C does it choose (`best_c`), how far is it from the report's 0.1,
#    and what nested F1 does the tuned model reach (`f1_c_tuned`)?

# %%
from helpers.exercises import lecture11 as ex

best_c = ...  # the C the inner search chose
f1_c_tuned = ...  # the nested F1 of the model with C tuned inside each fold
ex.q3.check(best_c, f1_c_tuned)

# %% [markdown]
# 4. Use `KFold` without stratification and compare each fold's share of positives with
#    `StratifiedKFold`'s, both with five shuffled folds and the lecture's seed 43.

# %%
kfold_shares = ...  # the share of positives in each of KFold's five held-out folds
stratified_shares = ...  # the same for StratifiedKFold
ex.q4.check(kfold_shares, stratified_shares)

# %% [markdown]
# 5. Remove the link count from the meta features and rerun the stack. What nested F1 does
#    the meta-feature model reach without it (`f1_meta_no_links`)? How much of the stack's
#    lead came from the links?

# %%
f1_meta_no_links = ...  # nested F1 of the meta features without the link count
ex.q5.check(f1_meta_no_links)

# %% [markdown]
# ## Solutions

# %% [markdown]
# **Exercise 3**

# %% tags=["hide-cell"]
from sklearn.model_selection import GridSearchCV

inner = GridSearchCV(
    LogisticRegression(max_iter=1000), {"C": [0.1, 0.3, 1, 3, 10]}, scoring="roc_auc", cv=3
)
oof_inner, _ = out_of_fold(inner, x_tfidf, x_tfidf_test)
print(f"nested F1 with C tuned inside each fold: {nested_f1(y_train, oof_inner):.4f}")
print("C chosen in the last fold:", inner.best_params_["C"])
if not csv:  # the checks know the tweets, not Quora's questions
    ex.q3.check(inner.best_params_["C"], nested_f1(y_train, oof_inner))

# %% [markdown]
# **Exercise 4**

# %% tags=["hide-cell"]
from sklearn.model_selection import KFold

fold_shares = {}
for splitter in (
    KFold(5, shuffle=True, random_state=43),
    StratifiedKFold(5, shuffle=True, random_state=43),
):
    shares = [y_train[held_out].mean() for _, held_out in splitter.split(train.text, y_train)]
    fold_shares[type(splitter).__name__] = shares
    print(f"{type(splitter).__name__:16s}", np.round(shares, 4))
if not csv:  # the checks know the tweets, not Quora's questions
    ex.q4.check(fold_shares["KFold"], fold_shares["StratifiedKFold"])

# %% [markdown]
# **Exercise 5**

# %% tags=["hide-cell"]
no_links = meta_train.drop(columns="links").to_numpy(float)
oof_meta, test_meta = out_of_fold(
    scaled_lr(), no_links, meta_test.drop(columns="links").to_numpy(float)
)
without_links, without_links_test = level_one.copy(), level_one_test.copy()
without_links[:, 0], without_links_test[:, 0] = oof_meta, test_meta  # column 0: meta features
oof_stack2, _ = out_of_fold(stacker, without_links, without_links_test)
print(f"meta without links, nested F1: {nested_f1(y_train, oof_meta):.4f}")
print(f"stack without links, nested F1: {nested_f1(y_train, oof_stack2):.4f}")
if not csv:  # the checks know the tweets, not Quora's questions
    ex.q5.check(nested_f1(y_train, oof_meta))
