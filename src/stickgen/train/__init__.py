"""Training (the pretrain, sft and lora stages): one loop for every phase (docs/training.md).

loop          the training loop; step: one optimizer step and the validation losses; objective: the
              loss; optim: optimizer and schedule
data          `TrainingSet` and batches; distributed: DDP set-up
checkpoint    atomic checkpoints, safe loads, resume precedence and the resume point
live          DVCLive logging; runlog: the run's log
"""
