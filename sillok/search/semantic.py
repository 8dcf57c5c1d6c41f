"""Semantic (cross-lingual) search and its fusion with keyword ranking.

`semantic_hits` embeds the query with the same model as the passages (search/embedding.py)
and returns the nearest documents the user may see (search/vectors.py). `fuse` merges a
keyword ranking and a semantic ranking by reciprocal rank fusion: each list contributes
1 / (k + rank) for every document in it, so neither list's score scale matters (BM25 / ts_rank
scores and cosine similarities are not comparable) and a document found by both rises.

Threshold: USE multilingual gives a one- or two-word query and a sentence that means it a
cosine of about 0.15–0.37 ("고문" → "He was tortured by guards" 0.36, → a Korean sentence
about beatings in interrogation 0.18; "공개 처형" → the Korean and English execution
sentences 0.28 and 0.19), whole-sentence paraphrases across languages 0.37–0.45, and
unrelated queries ("recipe for kimchi stew", "주식 시장 전망"...) 0.10 at the 95th
percentile (0.24 at worst) against the same sentences. A passage found only semantically must
reach MIN_SIMILARITY to be listed; one the keyword search also found keeps its semantic rank
whatever its similarity. Lower it for recall, raise it for precision.
"""

from __future__ import annotations

from django.db.models import QuerySet

from sillok.search import embedding, vectors
from sillok.search.models import SearchDocument

MIN_SIMILARITY = 0.15
# The constant of reciprocal rank fusion (Cormack et al. 2009): large enough that the first
# few ranks of either list do not dominate.
RRF_K = 60


def semantic_hits(
    allowed_documents: QuerySet[SearchDocument], query_text: str, k: int
) -> list[tuple[int, float]]:
    """The k allowed documents nearest in meaning to `query_text`: [(document id, cosine
    similarity)], best first. Documents without a vector yet are not found."""
    if not query_text.strip() or k <= 0:
        return []
    query = embedding.embed_query(query_text)
    return vectors.nearest(allowed_documents, query, k)


def fuse(
    keyword: list[tuple[int, float]],
    semantic: list[tuple[int, float]],
    k: int = RRF_K,
    *,
    min_similarity: float = MIN_SIMILARITY,
) -> list[tuple[int, float, str]]:
    """Reciprocal rank fusion of two rankings (each best first) → [(document id, fused
    score, via)], best first; via is "keyword", "semantic" or "both". Semantic-only hits
    below `min_similarity` are dropped."""
    scores: dict[int, float] = {}
    via: dict[int, str] = {}
    for rank, (document_id, _) in enumerate(keyword, start=1):
        if document_id not in via:
            scores[document_id] = 1.0 / (k + rank)
            via[document_id] = "keyword"
    keyword_ids = set(via)
    seen: set[int] = set()
    for rank, (document_id, similarity) in enumerate(semantic, start=1):
        if document_id in seen:
            continue
        seen.add(document_id)
        if document_id in keyword_ids:
            scores[document_id] += 1.0 / (k + rank)
            via[document_id] = "both"
        elif similarity >= min_similarity:
            scores[document_id] = 1.0 / (k + rank)
            via[document_id] = "semantic"
    # Ties (same ranks in mirrored positions) keep keyword order first, then semantic.
    order = {document_id: position for position, document_id in enumerate(via)}
    ranked = sorted(scores, key=lambda i: (-scores[i], order[i]))
    return [(document_id, scores[document_id], via[document_id]) for document_id in ranked]
