"""The training loop PyTorch's reference models share in make_quality.py: AdamW over the trained parameters,
clipping, and early stopping that keeps the best weights, as the engine's Trainer does."""

import torch
import torch.nn as nn


def clip_and_step(model, opt, clip):
    if clip > 0:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    opt.zero_grad()


def optimiser(model, hp):
    trained = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.AdamW(trained, lr=hp["learningRate"], weight_decay=hp["weightDecay"])


def hp_seed(d, seed):
    return d["hyperparameters"]["seed"] if seed is None else seed


def train_early_stopping(model, hp, run_epoch, validation_loss):
    """Up to hp epochs; with a patience, stop after that many epochs without a better validation loss and keep the best weights."""
    best, best_state, since = float("inf"), None, 0
    patience = hp.get("earlyStoppingPatience")
    epochs = 0
    for _ in range(hp["epochs"]):
        model.train()
        run_epoch()
        epochs += 1
        model.eval()
        with torch.no_grad():
            loss = validation_loss()
        if loss < best:
            best, since = loss, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            since += 1
        if patience is not None and since >= patience:
            break
    if patience is not None and best_state is not None:
        model.load_state_dict(best_state)
    return epochs, best
