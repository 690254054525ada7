"""Curation (the `curate` stage, docs/curation.md): canonical stores -> pretrain / sft / val / test.

curation   the pipeline: quality filter, de-duplication, caps, splits, mirror augmentation, writing
scan       step 1: per-clip quality, motion extent and de-duplication descriptors in a ClipTable
report     curation_report.json and the plot data files
dedup      near-duplicate clips within and across sources
balance    per-source caps and action balance
splits     deterministic, group-aware train/val/test assignment
augment    left/right mirror images with their captions edited
"""
