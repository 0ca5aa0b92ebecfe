"""Checked exercises of lecture 15 (collaborative filtering)."""

from __future__ import annotations

import contextlib
import io
from functools import cache

import numpy as np

from helpers.exercises import NotYet, as_array, close, exercise, expect

N_USERS, N_ITEMS = 671, 9066  # MovieLens as dslabs ships it, the same in every profile

# ---- exercise 2: validation on each user's latest ratings ----


@cache
def _ratings() -> tuple[np.ndarray, np.ndarray]:
    """The lecture's users and timestamps, in its order (loaded quietly, once)."""
    from helpers.datasets import load_movielens

    with contextlib.redirect_stdout(io.StringIO()):
        movies = load_movielens()
    return movies.user, movies.timestamp


def _by_time(newest: bool = True) -> np.ndarray:
    """Each user's newest (or oldest) fifth of the ratings, at least one, as a mask."""
    import pandas as pd

    users, when = _ratings()
    frame = pd.DataFrame({"user": users, "when": when})
    rank = frame.groupby("user")["when"].rank(method="first", ascending=not newest)
    per_user = frame.groupby("user")["when"].transform("size")
    return (rank <= np.maximum(1, np.round(0.2 * per_user))).to_numpy()


def _random_mask():
    return (np.random.default_rng(0).random(len(_ratings()[0])) < 0.2,)


def _global_cutoff():
    when = _ratings()[1]
    return (when >= np.quantile(when, 0.8),)


@exercise(
    2,
    hint=(
        "Rank each user's ratings by `timestamp`, newest first (`groupby('user')` and "
        "`rank(ascending=False)`), and mark the newest fifth of each user's ratings; the mask "
        "has one True or False per rating, in the order of `ratings`."
    ),
    solution=(
        "`frame = ratings.assign(when=movies.timestamp)`, `newest_first = frame.groupby('user')"
        "['when'].rank(method='first', ascending=False)`, `per_user = frame.groupby('user')"
        "['when'].transform('size')`, `latest = (newest_first <= np.maximum(1, np.round(0.2 * "
        "per_user))).to_numpy()`. Every user then has validation ratings, all newer than the "
        "user's training ratings: the split a deployed recommender faces."
    ),
    answer=lambda: (_by_time(),),
    mistakes={
        "random": _random_mask,
        "earliest": lambda: (_by_time(newest=False),),
        "one cut-off date": _global_cutoff,
        "the other way round": lambda: (~_by_time(),),
    },
    wrong=[
        lambda: (np.zeros(len(_ratings()[0]), bool),),
        lambda: (_by_time()[:1000],),
        lambda: (np.arange(len(_ratings()[0])) >= 0.8 * len(_ratings()[0]),),
    ],
)
def q2(latest):
    users, when = _ratings()
    mask = as_array(latest, "latest", shape=(len(users),))
    expect(
        np.isin(mask, (0, 1)).all(),
        "latest should be True (validation) or False (training) for each rating.",
    )
    mask = mask.astype(bool)
    share = mask.mean()
    if share > 0.5:
        raise NotYet(
            f"{share:.0%} of the ratings are marked: the other way round? latest marks the "
            "validation ratings, each user's newest fifth."
        )
    expect(
        0.1 <= share <= 0.3,
        f"latest marks {share:.1%} of the ratings; about a fifth of each user's should be "
        "validation.",
    )
    newest_train = np.full(N_USERS, np.iinfo(np.int64).min)
    oldest_valid = np.full(N_USERS, np.iinfo(np.int64).max)
    np.maximum.at(newest_train, users[~mask], when[~mask])
    np.minimum.at(oldest_valid, users[mask], when[mask])
    both = np.isin(np.arange(N_USERS), users[mask]) & np.isin(np.arange(N_USERS), users[~mask])
    leaks = both & (oldest_valid < newest_train)
    if leaks.sum() > 0.05 * both.sum():
        newest_valid = np.full(N_USERS, np.iinfo(np.int64).min)
        oldest_train = np.full(N_USERS, np.iinfo(np.int64).max)
        np.maximum.at(newest_valid, users[mask], when[mask])
        np.minimum.at(oldest_train, users[~mask], when[~mask])
        if (both & (newest_valid <= oldest_train)).sum() > 0.5 * both.sum():
            raise NotYet(
                "Your validation ratings are each user's earliest: rank newest first "
                "(`ascending=False`). A recommender predicts what comes next."
            )
        raise NotYet(
            f"For {leaks.sum()} of {both.sum()} users some validation ratings are older than "
            "training ones: a random split, not one by time? The model would see "
            "a user's future to predict the past."
        )
    covered = np.isin(np.arange(N_USERS), users[mask]).mean()
    expect(
        covered >= 0.95,
        f"Only {covered:.0%} of the users have validation ratings: one cut-off date for "
        "everybody leaves out the users who stopped rating before it. Take each user's latest.",
    )
    return (
        "No user's future is in training; the higher RMSE is what a deployed recommender "
        "really gets."
    )


# ---- exercise 3: CollabNN, a small network on the concatenated factors ----


def _collab_nn(hidden=100, y_range=True, dot=False):
    from helpers.devices import import_keras

    keras = import_keras()
    pairs = keras.Input((2,), dtype="int32")
    users = keras.layers.Embedding(N_USERS, 50)(pairs[:, 0])
    items = keras.layers.Embedding(N_ITEMS, 50)(pairs[:, 1])
    if dot:
        user_bias = keras.layers.Embedding(N_USERS, 1)(pairs[:, 0])
        item_bias = keras.layers.Embedding(N_ITEMS, 1)(pairs[:, 1])
        x = keras.layers.Add()([keras.layers.Dot(axes=1)([users, items]), user_bias, item_bias])
    else:
        x = keras.layers.Concatenate()([users, items])
        if hidden:
            x = keras.layers.Dense(hidden, activation="relu")(x)
        x = keras.layers.Dense(1)(x)
    if y_range:
        x = keras.layers.Activation("sigmoid")(x) * 5.5
    return (keras.Model(pairs, keras.ops.squeeze(x, -1)),)


# 50 factors per user and film, Dense(100) on the 100 concatenated, Dense(1)
NN_PARAMS = (N_USERS + N_ITEMS) * 50 + (100 * 100 + 100) + (100 + 1)


@exercise(
    3,
    hint=(
        "Look up 50 factors for the user and 50 for the film, `Concatenate` them (100 "
        "numbers), then `Dense(100, activation='relu')`, `Dense(1)`, and squash into "
        "(0, 5.5) with a sigmoid as collab_model does."
    ),
    solution=(
        "In collab_model's style: `x = keras.layers.Concatenate()([user_factors, "
        "item_factors])`, `x = keras.layers.Dense(100, activation='relu')(x)`, "
        "`score = keras.layers.Activation('sigmoid')(keras.layers.Dense(1)(x)) * 5.5`, "
        "`nn_model = keras.Model(pairs, keras.ops.squeeze(score, -1))`. Parameters: "
        f"(671 + 9,066) x 50 = 486,850 in the embeddings, 10,100 + 101 in the layers: "
        f"{NN_PARAMS:,}. Train it with `learner(nn_model, weight_decay=WEIGHT_DECAY)` and "
        "compare its validation RMSE with the dot product's."
    ),
    answer=lambda: _collab_nn(),
    mistakes={
        "hidden layer": lambda: _collab_nn(hidden=0),
        "dot product": lambda: _collab_nn(dot=True),
        "y_range": lambda: _collab_nn(y_range=False),
    },
    wrong=[lambda: _collab_nn(hidden=50), (NN_PARAMS,)],
)
def q3(nn_model):
    from helpers.devices import import_keras

    keras = import_keras()
    expect(
        isinstance(nn_model, keras.Model),
        f"nn_model should be a Keras model, not {type(nn_model).__name__}.",
    )
    rng = np.random.default_rng(0)
    pairs = np.stack([rng.integers(0, N_USERS, 64), rng.integers(0, N_ITEMS, 64)], axis=1)
    out = keras.ops.convert_to_numpy(nn_model(pairs.astype("int32"), training=False))
    expect(
        out.shape in ((64,), (64, 1)),
        f"For 64 (user, film) pairs the model returns shape {out.shape}: one rating per pair "
        "expected.",
    )
    count = nn_model.count_params()
    if any(isinstance(layer, keras.layers.Dot) for layer in nn_model.layers):
        raise NotYet("That is still the dot product with biases: concatenate the factors instead.")
    if count == (N_USERS + N_ITEMS) * 50 + 101:
        raise NotYet(
            "The factors go straight into Dense(1): without a hidden layer this is a weighted "
            "sum of user and film factors, and no user-film interaction is learnt."
        )
    expect(
        count == NN_PARAMS,
        f"The model has {count:,} parameters; 50 factors per user and film, Dense(100) and "
        f"Dense(1) make (671 + 9,066) x 50 + 10,100 + 101 = {NN_PARAMS:,}.",
    )
    expect(
        out.min() >= 0 and out.max() <= 5.5 and 0.5 < out.mean() < 5,
        f"The untrained model predicts {out.mean():.2f} stars on average: squash the output "
        "into y_range (0, 5.5) with a sigmoid, as collab_model does.",
    )
    return (
        "The network can learn interactions a dot product cannot; whether it needs them is "
        "for the validation RMSE to say."
    )


# ---- exercise 4: cosine similarity of the item factors ----


def _cosine(factors, film):
    unit = factors / np.linalg.norm(factors, axis=1, keepdims=True)
    return unit @ unit[film]


def _by_columns(factors, film):
    columns = factors / np.linalg.norm(factors, axis=0)
    return columns @ columns[film]


@cache
def _factors() -> np.ndarray:
    rng = np.random.default_rng(0)
    lengths = rng.uniform(0.2, 3.0, (40, 1))  # films' factors of very different lengths
    return (lengths * rng.normal(0, 1, (40, 6)) + 0.3).astype("float32")


@exercise(
    4,
    hint=(
        "Cosine similarity is the dot product of the two vectors divided by both their "
        "lengths: normalise every film's factor vector (each row) to length 1 first, then "
        "take dot products with the favourite's."
    ),
    solution=(
        "`unit = factors / np.linalg.norm(factors, axis=1, keepdims=True)`, "
        "`return unit @ unit[film]`. The favourite's similarity with itself is 1; sort the "
        "others by `-similarity` (among films with enough ratings) for the closest."
    ),
    answer=(_cosine,),
    mistakes={
        "lengths": (lambda f, k: f @ f[k],),
        "every film's length": (lambda f, k: f @ f[k] / np.linalg.norm(f[k]),),
        "each film's": (_by_columns,),
        "distance": (lambda f, k: np.linalg.norm(f - f[k], axis=1),),
    },
    wrong=[(lambda f, k: -_cosine(f, k),), (lambda f, k: _cosine(f, 0),), (np.ones(40),)],
)
def q4(cosine_similarity):
    expect(
        callable(cosine_similarity),
        "cosine_similarity should be a function of (factors, film) returning one similarity "
        "per film.",
    )
    factors = _factors()
    for film in (3, 17):
        got = as_array(cosine_similarity(factors.copy(), film), "the similarities").ravel()
        want = _cosine(factors.astype(float), film)
        expect(
            got.size == len(factors),
            f"For {len(factors)} films your function returns {got.size} values: one "
            "similarity per film expected.",
        )
        if close(got, want, rtol=1e-4, atol=1e-5):
            continue
        if close(got[film], 0.0, atol=1e-6):
            raise NotYet(
                "The favourite's own value is 0: that is a distance, where the closest films "
                "score lowest. Cosine similarity is 1 for the film itself."
            )
        if close(got, factors @ factors[film], rtol=1e-4):
            raise NotYet(
                "A plain dot product: long factor vectors (often-rated films) win. Divide by "
                "both vectors' lengths."
            )
        if close(got, factors @ factors[film] / np.linalg.norm(factors[film]), rtol=1e-4):
            raise NotYet(
                "You divided by the favourite's length only; divide by every film's length "
                "too, or the films with long vectors still win."
            )
        columns = factors / np.linalg.norm(factors, axis=0)
        if close(got, columns @ columns[film], rtol=1e-4):
            raise NotYet(
                "You normalised the factor columns (axis=0); normalise each film's vector, "
                "a row (axis=1, keepdims=True)."
            )
        raise NotYet(
            f"Not the cosine similarity: film {film} with itself should give 1 (yours "
            f"{got[film]:.3f}), and every value lies between -1 and 1."
        )
    return "Cosine compares the direction of taste, not how often a film was rated."
