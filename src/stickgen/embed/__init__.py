"""Embedding (the `embed` stage): curated sets -> training-ready embedded sets.

dataset   the embedded format, its writer and `StickFigureDataset`
cache     the caption embedding cache keyed by (encoder, text)
"""
