"""Evaluation (docs/metrics.md): one concept per module.

metrics          pure metric functions (shape checks, explicit np.random.Generator)
evaluator        the text-motion encoders and action recogniser; evaluator_train trains them
report           one model's metrics report (generation, protocol, the real reference row)
behaviour        the behaviour suite's geometric check per action (behaviour_more, behaviour_hands,
                 behaviour_sport: the checks of the actions added for issue #19, behaviour_shared their
                 shared measures); behaviour_suite: the run and pass rates
face_checks      face measures, the report's face metrics, the suite's face checks (talk, shout, ...)
spans            a timeline judged span by span (its behaviour checks, its transitions)
prompts          the fixed prompt sets (prompts.yaml) and their precomputed embeddings
adversarial      the adversarial suite and its report
previews         GIF previews and loss curves
checklist        the checklist's thresholds and weighted score
"""
