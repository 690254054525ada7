"""Evaluation (docs/metrics.md): one concept per module.

metrics          pure metric functions (shape checks, explicit np.random.Generator)
evaluator        the text-motion encoders and action recogniser; evaluator_train trains them
report           one model's metrics report (generation, protocol, the real reference row)
behaviour        the behaviour suite's geometric check per action; behaviour_suite: the run and pass rates
spans            a timeline judged span by span (its behaviour checks, its transitions)
prompts          the fixed prompt sets (prompts.yaml) and their precomputed embeddings
adversarial      the adversarial suite and its report
previews         GIF previews and loss curves
checklist        the checklist's thresholds and weighted score
"""
