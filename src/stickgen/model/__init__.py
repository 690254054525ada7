"""The models: the motion denoiser and its refiner, LoRA, and the length estimator (docs/training.md).

motion_model   `StickFigureModel` (transformer + refiner), configs from params, generation settings
transformer    the denoising transformer; spline: its decoder; side_prior: the leading side's prior
diffusion      noise schedule, DDIM sampler with classifier-free guidance, the refiner; noise: seeded noise
lora           LoRA layers, merge and unmerge
length         the length estimator: a duration from a caption's embedding
"""
