from .embedding_classifier import EmbeddingClassifier

__all__ = ['EmbeddingClassifier']
