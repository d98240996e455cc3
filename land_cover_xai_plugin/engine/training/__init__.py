"""Training a model on a stack and its labels (TrainConfig -> train_model -> ModelBundle)."""
