"""Sentence-embedding backends, one module each; pick one by name with
:func:`depscreen.embed.get_embedder` ("use", "e5", "hf:PATH", "tfidf-svd")."""
