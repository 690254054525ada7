"""Generation: a trained model turned into motions, and motions into files (docs/inference.md).

generator    `InferenceGenerator`: text (+ conditions, seed) -> checked motion; settings: how it samples,
             what it checks, what it runs with
sample       the sampling call; batch: requests, seeds, prompt files
directed     timelines, continuation, in-betweening and paths; inpaint, given, retime, timeline: their parts
published    reading a published folder (config.json + safetensors) back into a checkpoint
smoothing    the time filter on samples; footlock: planted feet held by leg IK
motion       `Motion`, what every writer takes; export, render, bvh, gltf, smpl, body_mesh: the writers
demo         the web demo's service (requests, jobs, results); web/: its page
adapters     PEFT-compatible LoRA adapters
text_light   a light text encoder for start-up time (same vectors)
"""
