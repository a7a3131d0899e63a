"""gembed: EmbeddingGemma text embeddings on the CPU, in the shape of sentence-transformers.

    import gembed
    model = gembed.Model("/models/embeddinggemma-300m", threads=4)
    q = model.encode_query("Which planet is known as the Red Planet?")
    d = model.encode_document(["Mars, known for its reddish appearance, ...", "Venus ..."])
    print(model.similarity(q, d))          # (1, 2) cosine similarities

See docs/python.md for the whole API and how it maps onto sentence-transformers.
"""

from ._gembed import Error
from .model import Model
from .quantization import PRECISIONS, quantize_embeddings
from .similarity import SIMILARITY_FUNCTIONS, cos_sim, dot_score

__version__ = "0.1.0"

__all__ = [
    "Error",
    "Model",
    "PRECISIONS",
    "SIMILARITY_FUNCTIONS",
    "cos_sim",
    "dot_score",
    "quantize_embeddings",
    "__version__",
]
