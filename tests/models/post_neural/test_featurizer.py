"""The post-level featuriser alone (``depscreen.models.post_neural.featurizer``): posts
to token lists to expanded TF-IDF rows or token-id sequences, FastText rows for an
embedding table, and its own saved part."""

import json

import numpy as np
import pytest
import torch

from depscreen.models.post_neural.data import SparseRows, TokenSequences
from depscreen.models.post_neural.featurizer import (
    FEATURES_NAME,
    VOCAB_NAME,
    PostFeaturizer,
    make_preprocessor,
)
from depscreen.models.post_neural.networks import build_network

SAD = ["sad", "empty", "tired", "hopeless", "alone", "crying", "worthless", "numb"]
FUN = ["game", "lunch", "friends", "sunny", "movie", "pizza", "beach", "concert"]
FILL = ["today", "really", "the", "was", "so", "at", "my", "and"]
SMALL = dict(preprocessing={"lang": "en"}, ft_epochs=2, ft_min_count=1, ft_vector_size=12, embed_dim=12,
             min_df=1, seed=3)


def _posts(n=30, seed=0):
    rng = np.random.default_rng(seed)
    texts = []
    for i in range(n):
        words = list(rng.choice(SAD if i % 2 else FUN, 2)) + list(rng.choice(FILL, 4))
        rng.shuffle(words)
        texts.append(" ".join(words).capitalize() + rng.choice([".", "!", " :(", " https://t.co/x"]))
    return texts


def test_tfidf_input_gives_expanded_rows_and_says_which_words_were_the_posts_own():
    texts = _posts()
    feat = PostFeaturizer(input="tfidf", top_n=2, **SMALL)
    tokens = feat.fit_tokens(texts)
    assert tokens == feat.tokenize(texts) and "https" not in {t for doc in tokens for t in doc}
    assert feat.vocabulary_ is None and feat.fit_seconds_ >= 0
    n_features = len(feat.features_.vocabulary_)
    assert feat.network_inputs() == {"n_features": n_features}
    data = feat.dataset(tokens, np.arange(len(texts)) % 2)
    assert isinstance(data, SparseRows) and data.X.shape == (len(texts), n_features)
    new = ["Sad and numb today", "zzz qqq"]
    rows, plain = feat.inference_inputs(feat.tokenize(new))
    # expansion only adds features: every plain feature is there, and the sad post gained some
    assert set(plain[0].indices) <= set(rows.X[0].indices) and rows.X[0].nnz > plain[0].nnz
    assert rows.X[1].nnz == 0 and plain[1].nnz == 0
    np.testing.assert_array_equal(feat.transform(new).X.toarray(), rows.X.toarray())


def test_token_input_gives_capped_id_sequences_and_fasttext_rows_for_the_embedding():
    texts = _posts()
    feat = PostFeaturizer(input="tokens", max_len=3, max_vocab=10, **SMALL)
    tokens = feat.fit_tokens(texts)
    assert feat.features_ is None and feat.vocabulary_[:2] == ["<pad>", "<unk>"] and len(feat.vocabulary_) == 10
    data = feat.dataset(tokens)
    assert isinstance(data, TokenSequences) and max(len(s) for s in data.seqs) == 3
    inputs = feat.network_inputs()
    assert inputs == {"vocab_size": 10, "embed_dim": 12}
    net = build_network("lstm", n_classes=2, input="tokens", hidden_size=4, **inputs)
    before = net.embed.embedding.weight.detach().clone()
    assert feat.init_embeddings(net) == 8  # every vocabulary word has a FastText vector
    after = net.embed.embedding.weight.detach()
    torch.testing.assert_close(after[:2], before[:2])  # padding and unknown keep their rows
    word = feat.vocabulary_[2]
    np.testing.assert_allclose(after[2].numpy(), feat._vectors[word], rtol=1e-6)
    feat.release_vectors()
    assert feat.init_embeddings(net) == 0


def test_without_pretrained_embeddings_the_embedding_size_is_the_parameter():
    feat = PostFeaturizer(input="tokens", pretrained_embeddings=False, **{**SMALL, "embed_dim": 7})
    feat.fit(_posts())
    assert feat.network_inputs()["embed_dim"] == 7
    net = build_network("cnn", n_classes=2, input="tokens", filters=2, **feat.network_inputs())
    assert feat.init_embeddings(net) == 0


@pytest.mark.parametrize("input", ["tfidf", "tokens"])
def test_save_and_load_restore_the_same_features(tmp_path, input):
    texts = _posts(seed=1)
    feat = PostFeaturizer(input=input, top_n=2, **SMALL).fit(texts)
    preprocessing = feat.save(tmp_path)
    assert (tmp_path / feat.features_file).exists()
    assert feat.features_file == (FEATURES_NAME if input == "tfidf" else VOCAB_NAME)
    json.dumps(preprocessing)  # goes into config.json as it is
    back = PostFeaturizer(input=input, **SMALL).load(tmp_path, preprocessing)
    new = texts[:5] + ["Pizza at the beach!", "", "unknown words only"]
    assert back.tokenize(new) == feat.tokenize(new)
    a, b = feat.transform(new), back.transform(new)
    if input == "tfidf":
        np.testing.assert_array_equal(a.X.toarray(), b.X.toarray())
    else:
        assert back.vocabulary_ == feat.vocabulary_
        assert all(np.array_equal(x, y) for x, y in zip(a.seqs, b.seqs))
    # without a saved preprocessing configuration it is rebuilt from the parameters
    rebuilt = PostFeaturizer(input=input, **SMALL).load(tmp_path, None)
    assert rebuilt.tokenize(new) == feat.tokenize(new)


def test_errors_are_clear():
    with pytest.raises(RuntimeError, match="not fitted"):
        PostFeaturizer().tokenize(["a post"])
    with pytest.raises(ValueError, match="input must be one of"):
        PostFeaturizer(input="chars").fit(["a post", "another post"])
    with pytest.raises(ValueError, match="unknown preprocessing preset"):
        make_preprocessor({"preset": "paper999"})
    with pytest.raises(TypeError, match="preprocessing must be a dict"):
        make_preprocessor(["lang", "en"])
    paper = make_preprocessor({"preset": "paper003", "lang": "en"})
    # the paper's cleaning: stopwords, mentions, numbers, links and hashtags go
    assert paper.transform(["So sad and tired @someone 123 https://t.co/x #blessed"])[0] == ["sad", "tired"]
