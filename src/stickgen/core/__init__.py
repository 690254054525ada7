"""The shared motion core: what every stage below the CLI builds on (docs/architecture.md).

skeleton     the 22 canonical joints, hierarchy, mirror map, stick segments
rotations    rotation maths (numpy): axis rotations, axis-angle, Euler
rig          the rest skeleton's proportions and forward kinematics
canonical    the canonical clip store (the converters' contract) and its file header
columnar     streaming columnar torch files (canonical, curated and embedded stores)
quantize     floats on fixed decimal grids (byte-identical artifacts on every CPU)
features     canonical joints <-> model features, normalisation statistics
vocab        the one action vocabulary
laterality   which side a motion or caption leads with
text         sentence-transformers caption encoders
quality      motion artifact detectors and the quality score
safety       the safety critic: physical plausibility of generated motion
config       typed, strict params.yaml dataclasses (config_use: the sections of the model's use)
strict       building strict dataclasses from YAML data; recording the keys code reads
atomic       atomic file writes
jsonable     plain JSON data from numpy values
device       torch device names (`auto` resolved)
"""
