"""Release (the `select` stage and `stickgen publish`): the production folder, Hub uploads, model cards.

select          the candidates ranked by the checklist score; the winner's production folder
publish         published folders (safetensors, config.json, PEFT adapters) and Hub uploads
model_card      the model card from the checkpoint's data and the evaluation
training_data   which datasets, licences and generated samples a checkpoint was trained on
"""
