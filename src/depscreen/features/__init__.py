"""User-level hand-made features (paper 002): topic keywords, posting behaviour, number
of posts, first-person pronouns, linguistic style and lexicon features."""

from .user_features import (
    GROUPS,
    FirstPerson,
    LexiconFeatures,
    LinguisticStyle,
    PostingBehaviour,
    PostVolume,
    TokenizedUser,
    TopicKeywords,
    UserFeatureUnion,
    build_lexicon_from_users,
    tokenize_users,
)

__all__ = [
    "GROUPS",
    "FirstPerson",
    "LexiconFeatures",
    "LinguisticStyle",
    "PostVolume",
    "PostingBehaviour",
    "TokenizedUser",
    "TopicKeywords",
    "UserFeatureUnion",
    "build_lexicon_from_users",
    "tokenize_users",
]
